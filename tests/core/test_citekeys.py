"""Citation keys: the pattern language, ASCII folding, disambiguation and stability."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exodesk.core import citekeys
from exodesk.core.citekeys import (
    DEFAULT_PATTERN,
    CitationKeyGenerator,
    fold_ascii,
    is_valid_key,
    sanitize_key,
    unique_key,
    validate_pattern,
)
from exodesk.core.records import Author, WorkRecord

REVIEW = WorkRecord(
    title=(
        "The Role of Exosomes in Human Carcinogenesis and Cancer Therapy-Recent Findings "
        "from Molecular and Clinical Research"
    ),
    container_title="Cells",
    year=2023,
    authors=(
        Author(family="Stefańska", given="Katarzyna"),
        Author(family="Józkowiak", given="Małgorzata"),
        Author(family="Dzięgiel", given="Piotr"),
    ),
)
KEY_SHAPE = re.compile(r"[A-Za-z0-9_:./+\-]+")


def test_default_pattern_gives_the_reviews_key() -> None:
    assert DEFAULT_PATTERN == "{auth}{year}{shorttitle}"
    assert CitationKeyGenerator().make_key(REVIEW) == "stefanska2023role"


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Stefańska", "Stefanska"),
        ("Józkowiak", "Jozkowiak"),
        ("Dzięgiel", "Dziegiel"),
        ("Podhorska-Okołów", "Podhorska-Okolow"),
        ("Łukasz", "Lukasz"),
        ("Søren Ørsted", "Soren Orsted"),
        ("Đorđević", "Dordevic"),
        ("Straße", "Strasse"),
        ("Æsop Cœur", "AEsop Coeur"),
        ("Þór Guðmundsson", "Thor Gudmundsson"),
        ("Müller Ñandú Çelik", "Muller Nandu Celik"),
        ("ﬁnal", "final"),  # a compatibility ligature
        ("王小明", ""),  # no ASCII spelling
    ],
)
def test_fold_ascii(text: str, folded: str) -> None:
    assert fold_ascii(text) == folded


@pytest.mark.parametrize(
    ("family", "auth"),
    [
        ("Podhorska-Okołów", "podhorskaokolow"),
        ("Dzięgiel", "dziegiel"),
        ("van Beethoven", "vanbeethoven"),
        ("O'Brien", "obrien"),
        ("Smith, Jr", "smith"),  # split_name's suffix form: the suffix is not the name
        ("王", "anon"),  # nothing left after folding
    ],
)
def test_auth_folds_the_family_name(family: str, auth: str) -> None:
    record = WorkRecord(authors=(Author(family=family, given="A"),))
    assert CitationKeyGenerator("{auth}").make_key(record) == auth


@pytest.mark.parametrize(
    ("name", "auth"),
    [
        ("World Health Organization", "who"),
        ("The Cancer Genome Atlas Research Network", "cgarn"),
        ("UNICEF", "unicef"),
    ],
)
def test_organisation_authors_give_initials(name: str, auth: str) -> None:
    record = WorkRecord(authors=(Author(name=name),))
    assert CitationKeyGenerator("{auth}").make_key(record) == auth


@pytest.mark.parametrize(
    ("title", "word"),
    [
        ("The Role of Exosomes", "role"),
        ("A Review of Reviews", "review"),
        ("On the Origin of Species", "origin"),
        ("Alzheimer's disease", "alzheimers"),
        ("Of and the", ""),
        ("2019-nCoV outbreak", "2019"),
        ("Über die Natur", "uber"),
    ],
)
def test_shorttitle_skips_articles_prepositions_and_conjunctions(title: str, word: str) -> None:
    assert CitationKeyGenerator("{shorttitle}").make_key(WorkRecord(title=title)) == (word or "ref")


_STOP_RUN = st.lists(st.sampled_from(["the ", "of ", "and  ", "on-", "A ", "\u2014 ", "中文 "]))
_WORD_PIECES = st.sampled_from(
    ["Exosomes", "naïve", "Straße", "Alzheimer's", "l\u2019effet", "2019-nCoV", "x", "ǅemal",
     "ﬁbre", "ａb", "ab中cd", "e\u0301clat", "of", "the"]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(_STOP_RUN, st.lists(_WORD_PIECES, max_size=12), st.sampled_from([" ", "", "-", "中"]))
def test_shorttitle_reads_the_start_of_a_long_title_as_it_would_read_all_of_it(
    stop_words: list[str], words: list[str], gap: str
) -> None:
    # Stop words first, so that the first significant word falls anywhere around the end
    # of the head it is first looked for in, often cut there.
    title = "".join(stop_words) + gap.join(words)
    whole = [word for word in citekeys._words(title) if word not in citekeys._STOP_WORDS]
    assert citekeys._first_significant_word(title) == (whole[0] if whole else "")


def test_other_fields_and_literal_text() -> None:
    record = WorkRecord(
        title="Role of exosomes",
        year=2023,
        container_title="Frontiers in Oncology",
        container_abbrev="Front Oncol",
        authors=(Author(family="Stefańska", given="K"),),
    )
    generator = CitationKeyGenerator("{Auth}_{year}:{Shorttitle}-{journal}")
    assert generator.make_key(record) == "Stefanska_2023:Role-frontoncol"
    assert generator.pattern == "{Auth}_{year}:{Shorttitle}-{journal}"


def test_missing_values_fall_back() -> None:
    generator = CitationKeyGenerator()
    assert generator.make_key(WorkRecord()) == "anon"
    assert generator.make_key(WorkRecord(title="Exosomes")) == "anonexosomes"
    assert generator.make_key(WorkRecord(year=1999)) == "anon1999"
    assert CitationKeyGenerator("{year}").make_key(WorkRecord()) == "ref"


@pytest.mark.parametrize(
    "pattern",
    ["{author}{year}", "{auth", "auth}", "{auth}{}", "{auth} {year}", "{auth}é", "plain", ""],
)
def test_validate_pattern_rejects_bad_patterns(pattern: str) -> None:
    with pytest.raises(ValueError):
        validate_pattern(pattern)
    with pytest.raises(ValueError):
        CitationKeyGenerator(pattern)


def test_validate_pattern_names_the_unknown_field() -> None:
    with pytest.raises(ValueError, match=r"\{author\}"):
        validate_pattern("{author}{year}")


@pytest.mark.parametrize(
    "pattern", [DEFAULT_PATTERN, "{Auth}{year}", "{auth}:{year}", "ref_{year}.{journal}"]
)
def test_validate_pattern_accepts_good_patterns(pattern: str) -> None:
    validate_pattern(pattern)


def test_unique_key_appends_letters() -> None:
    taken: set[str] = set()
    keys = []
    for _ in range(30):
        key = unique_key("smith2020", taken)
        taken.add(key)
        keys.append(key)
    assert keys[:4] == ["smith2020", "smith2020a", "smith2020b", "smith2020c"]
    assert keys[26:30] == ["smith2020z", "smith2020aa", "smith2020ab", "smith2020ac"]
    assert len(set(keys)) == 30


def test_unique_key_ignores_case_as_bibtex_does() -> None:
    assert unique_key("Smith2020", {"smith2020"}) == "Smith2020a"


def test_fill_keys_keeps_stored_keys_and_disambiguates_new_ones() -> None:
    generator = CitationKeyGenerator()
    records = [REVIEW] * 4
    keys = generator.fill_keys(["", "stefanska2023role", "", "my key!"], records)
    # The stored key wins even though an earlier record would have generated it.
    assert keys == ["stefanska2023rolea", "stefanska2023role", "stefanska2023roleb", "mykey"]


def test_fill_keys_replaces_duplicate_and_unusable_keys() -> None:
    generator = CitationKeyGenerator()
    keys = generator.fill_keys(["x", "X", "王"], [REVIEW] * 3, taken={"stefanska2023role"})
    assert keys == ["x", "stefanska2023rolea", "stefanska2023roleb"]
    with pytest.raises(ValueError):
        generator.fill_keys(["a"], [])


def test_sanitize_and_validity() -> None:
    assert sanitize_key("Müller & Co, 2020") == "MullerCo2020"
    assert is_valid_key("smith:2020.a-b_c")
    assert is_valid_key("hep/0101+x")
    assert not is_valid_key("smith 2020")
    assert not is_valid_key("")


def test_folding_leaves_ascii_as_it_is() -> None:
    # The table and NFKD touch no ASCII character, which is what lets ASCII skip them.
    assert all(code >= 128 for code in citekeys._FOLD_TABLE)
    ascii_text = "".join(chr(code) for code in range(128))
    assert unicodedata.normalize("NFKD", ascii_text) == ascii_text == fold_ascii(ascii_text)


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from(list("aZ09_:./+-ßéł &{}")), max_size=110))
def test_sanitize_keeps_clean_keys_as_folding_would(key: str) -> None:
    folded = re.sub(r"[^A-Za-z0-9_:./+\-]+", "", fold_ascii(key))[:100]
    assert sanitize_key(key) == folded


names = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)


@settings(max_examples=200, deadline=None)
@given(
    family=names,
    given_name=names,
    title=st.text(max_size=80),
    year=st.one_of(st.none(), st.integers(-5, 3000)),
    pattern=st.sampled_from([DEFAULT_PATTERN, "{Auth}{year}", "{journal}_{Shorttitle}"]),
)
def test_keys_are_stable_ascii_and_valid(
    family: str, given_name: str, title: str, year: int | None, pattern: str
) -> None:
    record = WorkRecord(
        title=title, year=year, container_title=title, authors=(Author(family, given_name),)
    )
    generator = CitationKeyGenerator(pattern)
    key = generator.make_key(record)
    assert KEY_SHAPE.fullmatch(key)
    assert key == CitationKeyGenerator(pattern).make_key(record)  # same input, same key
    keys = generator.fill_keys([""] * 3, [record] * 3)
    assert keys == generator.fill_keys([""] * 3, [record] * 3)
    assert len({key.lower() for key in keys}) == 3
