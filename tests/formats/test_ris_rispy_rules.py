"""The RIS reader applies rispy's tables and rules itself (``ris._as_rispy``): for every
record it must give what ``rispy.RisParser.parse_lines`` gives for the record written as
one canonical line per value, which is how the reader used to hand records to rispy."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exodesk.formats import ris
from exodesk.formats.base import split_lines

_TAGS = (
    *("TI", "T1", "AU", "A1", "A2", "KW", "UR", "N1", "AB", "DO", "PY", "DA", "UK", "JI"),
    *("J9", "ZZ", "C2", "AN", "SP", "EP", "ID", "Y1", "T2", "JO", "RN", "DB", "DP", "X9"),
)


def _canonical_lines(raw: ris._RawRecord) -> list[str]:
    lines = [f"TY  - {raw.type_value}"]
    for item in map(ris._field, raw.fields):
        lines.extend(f"{item.tag}  - {value}" for value in item.values)
    lines.append("ER  - ")
    return lines


_VALUE = st.text(st.sampled_from("ab ;,\t  x-Z1é\u00a0"), max_size=12)
_LINE = st.one_of(
    st.tuples(st.sampled_from(_TAGS), _VALUE).map(lambda pair: f"{pair[0]}  - {pair[1]}"),
    _VALUE,  # a continuation line
    st.sampled_from(["ER  - ", "TY  - JOUR", "TY  -", "", "  ", "KW  -"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_LINE, max_size=40), st.sampled_from(["JOUR", "BOOK", "", "xx"]))
def test_records_read_as_rispy_reads_them(lines: list[str], type_value: str) -> None:
    text = "\n".join([f"TY  - {type_value}", *lines, "ER  - "])
    raw_records, _problems, _starts = ris._split_records(split_lines(text))
    for raw in raw_records:
        expected = ris._RISPY.parse_lines(iter(_canonical_lines(raw)))
        assert [ris._as_rispy(raw)] == expected


def test_unknown_list_and_delimited_tags_follow_rispy() -> None:
    text = (
        "TY  - JOUR\nAU  - One, A\nAU  - Two, B\nUR  - http://a; http://b\nZZ  - odd\n"
        "ZZ  - again\nUK  - ignored\nTI  - First\nTI  - Second\nKW  - k1\n  k2\nER  - \n"
    )
    (raw,), _problems, _starts = ris._split_records(split_lines(text))
    found = ris._as_rispy(raw)
    assert found == ris._RISPY.parse_lines(iter(_canonical_lines(raw)))[0]
    assert found["urls"] == ["http://a", "http://b"]
    assert found["unknown_tag"] == {"ZZ": ["odd", "again"]}
    assert found["title"] == "First" and found["keywords"] == ["k1", "k2"]
