"""Tests for exodesk.core.identifiers: DOI/PMID/PMCID parsing and normalisation."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exodesk.core.identifiers import (
    MAX_DOI_LENGTH,
    InvalidIdentifier,
    doi_key,
    is_strict_doi,
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
    parse_identifier,
)

REAL_DOIS = [
    "10.3390/cells12030356",
    "10.1186/s13287-024-04123-2",
    "10.4251/wjgo.v17.i1.100713",
    "10.1002/(SICI)1097-4636(199706)35:4<447::AID-JBM5>3.0.CO;2-D",  # old Wiley: <>;
]


def _suffix_char(ch: str) -> bool:
    return ch.isprintable() and not ch.isspace()


# Valid DOIs as normalize_doi defines them: any printable, non-whitespace suffix.
valid_dois = st.builds(
    lambda digits, suffix: f"10.{digits}/{suffix}",
    st.from_regex(r"[0-9]{4,9}", fullmatch=True),
    st.text(st.characters(codec="utf-8").filter(_suffix_char), min_size=1, max_size=40),
)

# Anything a caller might pass by mistake, including data straight from JSON.
anything = st.one_of(
    st.text(),
    st.text(alphabet="PMCIDpmcid:-; 0123456789\t\n"),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(),
    st.binary(),
)


# --- normalize_doi -------------------------------------------------------------------------


@pytest.mark.parametrize("doi", REAL_DOIS)
def test_real_dois_are_kept_as_they_are(doi: str) -> None:
    assert normalize_doi(doi) == doi


@pytest.mark.parametrize(
    "text",
    [
        "  10.3390/cells12030356\n",
        "https://doi.org/10.3390/cells12030356",
        "http://doi.org/10.3390/cells12030356",
        "https://dx.doi.org/10.3390/cells12030356",
        "http://dx.doi.org/10.3390/cells12030356",
        "HTTPS://DOI.ORG/10.3390/cells12030356",
        "doi.org/10.3390/cells12030356",
        "dx.doi.org/10.3390/cells12030356",
        "https://www.doi.org/10.3390/cells12030356",
        "doi:10.3390/cells12030356",
        "DOI: 10.3390/cells12030356",
        "doi: 10.3390/cells12030356",  # esummary's elocationid form
    ],
)
def test_prefixes_are_stripped(text: str) -> None:
    assert normalize_doi(text) == "10.3390/cells12030356"


def test_case_is_kept_for_display() -> None:
    assert normalize_doi("doi:10.1002/ANIE.201915678") == "10.1002/ANIE.201915678"


def test_url_forms_are_percent_decoded() -> None:
    url = "https://doi.org/10.1002/(SICI)1097-4636(199706)35:4%3C447::AID-JBM5%3E3.0.CO;2-D"
    assert normalize_doi(url) == REAL_DOIS[3]
    assert normalize_doi("https://doi.org/10.1234/%C3%84%23") == "10.1234/Ä#"


def test_doi_prefix_form_is_not_percent_decoded() -> None:
    # Only a URL carries percent-encoding; in a bare or doi: form "%" is part of the name.
    assert normalize_doi("doi:10.1234/50%25") == "10.1234/50%25"
    assert normalize_doi("10.1234/50%25") == "10.1234/50%25"


@pytest.mark.parametrize(
    "doi",
    [
        "10.1234/a#b",
        "10.1234/a?b=c",
        "10.1234/100%",
        "10.1234/<x>{y}",
        "10.1234/Ä",
        "10.1234/x/./y",
    ],
)
def test_unusual_but_valid_characters_are_accepted(doi: str) -> None:
    assert normalize_doi(doi) == doi


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "10.1234/",  # empty suffix
        "10.12/x",  # too few registrant digits
        "10.1234567890/x",  # too many
        "11.1234/x",
        "10.1234",
        "10.abcd/x",
        "10.١٢٣٤/x",  # Arabic-Indic digits are not ASCII digits
        "10.1234/a b",  # space
        "10.1234/a\nb",  # newline
        "10.1234/a\tb",
        "10.1234/a\x00b",  # control characters
        "10.1234/a\x7fb",
        "10.1234/a\u200bb",  # zero-width space: invisible
        "10.1234/a\u00a0b",  # no-break space
        "10.1234/a\ud800",  # lone surrogate
        "https://doi.org/10.1234/a%20b",  # whitespace once decoded
        "https://doi.org/10.1234/a%0Ab",
        "https://doi.org/10.1234/%FF",  # not UTF-8
        "https://doi.org/",
        "doi:",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://doi.org@evil.com/10.1/x",
        "https://example.com/10.1234/x",
        "10.1234/" + "x" * MAX_DOI_LENGTH,  # too long
    ],
)
def test_invalid_dois_are_rejected(text: str) -> None:
    with pytest.raises(InvalidIdentifier):
        normalize_doi(text)


def test_longest_allowed_doi() -> None:
    doi = "10.1234/" + "x" * (MAX_DOI_LENGTH - len("10.1234/"))
    assert normalize_doi(doi) == doi


@pytest.mark.parametrize("value", [None, 10, b"10.1234/x"])
def test_normalize_doi_rejects_non_strings(value: object) -> None:
    with pytest.raises(InvalidIdentifier):
        normalize_doi(value)  # type: ignore[arg-type]


@given(valid_dois)
def test_normalize_doi_accepts_generated_dois(doi: str) -> None:
    assert normalize_doi(doi) == doi


@given(st.one_of(valid_dois, st.text()))
def test_normalize_doi_is_idempotent(text: str) -> None:
    try:
        doi = normalize_doi(text)
    except InvalidIdentifier:
        return
    assert normalize_doi(doi) == doi


# --- InvalidIdentifier ---------------------------------------------------------------------


def test_error_names_kind_and_value() -> None:
    with pytest.raises(InvalidIdentifier, match=r"DOI.*'10\.12/x'") as info:
        normalize_doi("10.12/x")
    assert isinstance(info.value, ValueError)
    assert info.value.kind == "DOI"
    assert info.value.value == "10.12/x"


def test_error_message_is_truncated() -> None:
    with pytest.raises(InvalidIdentifier) as info:
        normalize_doi("y" * 10_000)
    assert len(str(info.value)) < 150


def test_error_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(InvalidIdentifier("PMID", "abc", "why")))
    assert (error.kind, error.value, error.reason) == ("PMID", "abc", "why")
    assert str(error) == "invalid PMID: 'abc' (why)"


# --- doi_key / is_strict_doi ---------------------------------------------------------------


def test_doi_key_folds_ascii_only() -> None:
    assert doi_key("10.1002/ANIE.201915678") == "10.1002/anie.201915678"
    assert doi_key("10.1234/ÄÖÜ-ABC") == "10.1234/ÄÖÜ-abc"
    # Dotted capital I and the Kelvin sign fold under str.lower(), but are not ASCII.
    assert doi_key("10.1234/\u0130\u212a") == "10.1234/\u0130\u212a"


def test_doi_key_equal_for_ascii_case_variants() -> None:
    assert doi_key("10.123/ABC") == doi_key("10.123/AbC")  # DOI Handbook's example
    assert doi_key("10.123/Ä") != doi_key("10.123/ä")


@given(st.text())
def test_doi_key_is_idempotent(text: str) -> None:
    assert doi_key(doi_key(text)) == doi_key(text)


@pytest.mark.parametrize("doi", [*REAL_DOIS[:3], "10.1234/a;b(c)/d:e", "10.1234/abc"])
def test_strict_dois(doi: str) -> None:
    assert is_strict_doi(doi)


@pytest.mark.parametrize(
    "doi",
    [
        REAL_DOIS[3],
        "10.1234/Ä",
        "10.1234/a#b",
        "10.1234/abc\n",
        "10.12/x",
        "10.1234/",
        "10.1234/\u212a",
    ],
)
def test_non_strict_dois(doi: str) -> None:
    assert not is_strict_doi(doi)


# --- normalize_pmid / normalize_pmcid ------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["36766698", " 36766698 ", "PMID: 36766698", "pmid:36766698", "PMID 36766698", "036766698"],
)
def test_pmid_forms(value: str) -> None:
    assert normalize_pmid(value) == "36766698"


def test_pmid_from_int() -> None:
    assert normalize_pmid(36766698) == "36766698"
    assert normalize_pmid(9_999_999_999) == "9999999999"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "0",
        "000",
        0,
        -5,
        10**10,
        "12345678901",  # 11 digits
        "-5",
        "+5",
        "12a",
        "1 2",
        "PMC123",
        "١٢٣",  # non-ASCII digits
        "1" * 5000,  # longer than int()'s digit limit
        True,
        1.0,
        None,
        pytest.param(10**5000, id="huge-int"),
    ],
)
def test_invalid_pmids(value: object) -> None:
    with pytest.raises(InvalidIdentifier):
        normalize_pmid(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value",
    [
        "PMC11779718",
        "pmc11779718",
        "11779718",
        " PMC011779718 ",
        "PMCID: PMC11779718",
        "PMCID:11779718",
        11779718,
    ],
)
def test_pmcid_forms(value: str | int) -> None:
    assert normalize_pmcid(value) == "PMC11779718"


def test_pmcid_esummary_form() -> None:
    assert normalize_pmcid("pmc-id: PMC12240957;") == "PMC12240957"


@pytest.mark.parametrize(
    "value",
    ["", "PMC", "PMC0", "PMC-1", "PMC 12", "PMC12345678901", "PMID: 123", "PMC12;;", 0, True],
)
def test_invalid_pmcids(value: object) -> None:
    with pytest.raises(InvalidIdentifier):
        normalize_pmcid(value)  # type: ignore[arg-type]


@given(st.integers(min_value=1, max_value=10**10 - 1))
def test_numeric_ids_round_trip(number: int) -> None:
    assert normalize_pmid(str(number)) == normalize_pmid(number) == str(number)
    assert normalize_pmcid(f"PMC{number}") == normalize_pmcid(number) == f"PMC{number}"


@pytest.mark.parametrize(
    "normalize", [normalize_doi, normalize_pmid, normalize_pmcid, parse_identifier]
)
@given(value=anything)
def test_fuzz_only_invalid_identifier_is_raised(
    normalize: Callable[[Any], object], value: object
) -> None:
    try:
        result = normalize(value)
    except InvalidIdentifier:
        return
    # Whatever is accepted is returned in a clean, normalised form.
    text = result[1] if isinstance(result, tuple) else result
    assert isinstance(text, str)
    assert text == text.strip()
    assert not any(ch.isspace() for ch in text)


# --- parse_identifier ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.3390/cells12030356", ("doi", "10.3390/cells12030356")),
        (" https://doi.org/10.3390/cells12030356 ", ("doi", "10.3390/cells12030356")),
        ("doi:10.1186/s13287-024-04123-2", ("doi", "10.1186/s13287-024-04123-2")),
        ("doi.org/10.4251/wjgo.v17.i1.100713", ("doi", "10.4251/wjgo.v17.i1.100713")),
        ("PMC11779718", ("pmcid", "PMC11779718")),
        ("pmc11779718", ("pmcid", "PMC11779718")),
        ("PMCID: PMC11779718", ("pmcid", "PMC11779718")),
        ("36766698", ("pmid", "36766698")),
        ("PMID: 36766698", ("pmid", "36766698")),
    ],
)
def test_parse_identifier(text: str, expected: tuple[str, str]) -> None:
    assert parse_identifier(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "hello",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "10.12/x",
        "10.1234/",
        "doi:36766698",
        "https://doi.org@evil.com/10.1/x",
        "PMC",
        "0",
    ],
)
def test_parse_identifier_rejects(text: str) -> None:
    with pytest.raises(InvalidIdentifier):
        parse_identifier(text)


def test_parse_identifier_explains_bad_doi() -> None:
    with pytest.raises(InvalidIdentifier, match="DOI"):
        parse_identifier("10.1234/a b")


def test_the_ascii_space_is_the_only_printable_white_space() -> None:
    """What ``normalize_doi`` relies on to look for white space with one ``in``."""
    printable_space = [
        point for point in range(0x110000) if chr(point).isprintable() and chr(point).isspace()
    ]
    assert printable_space == [0x20]
