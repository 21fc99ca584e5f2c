"""Tests for exodesk.core.links: building and checking URLs opened in a browser."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exodesk.core.identifiers import InvalidIdentifier, normalize_doi
from exodesk.core.links import doi_url, is_allowed_url, pmc_url, pubmed_url


def _suffix_char(ch: str) -> bool:
    return ch.isprintable() and not ch.isspace()


valid_dois = st.builds(
    lambda digits, suffix: f"10.{digits}/{suffix}",
    st.from_regex(r"[0-9]{4,9}", fullmatch=True),
    # Weighted towards the characters that need care in a URL.
    st.text(
        st.one_of(
            st.sampled_from("/.%#?&'\"<>{}^[]`|\\+;:()@!$*,=~"),
            st.characters(codec="utf-8").filter(_suffix_char),
        ),
        min_size=1,
        max_size=40,
    ),
)


# --- doi_url -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doi", "url"),
    [
        ("10.3390/cells12030356", "https://doi.org/10.3390/cells12030356"),
        ("10.1186/s13287-024-04123-2", "https://doi.org/10.1186/s13287-024-04123-2"),
        ("10.4251/wjgo.v17.i1.100713", "https://doi.org/10.4251/wjgo.v17.i1.100713"),
        (
            "10.1002/(SICI)1097-4636(199706)35:4<447::AID-JBM5>3.0.CO;2-D",
            "https://doi.org/10.1002/(SICI)1097-4636(199706)35:4%3C447::AID-JBM5%3E3.0.CO;2-D",
        ),
        # Any form normalize_doi accepts; the URL always holds the bare DOI.
        ("doi: 10.3390/cells12030356", "https://doi.org/10.3390/cells12030356"),
        ("http://dx.doi.org/10.3390/cells12030356", "https://doi.org/10.3390/cells12030356"),
    ],
)
def test_doi_url_real(doi: str, url: str) -> None:
    assert doi_url(doi) == url


@pytest.mark.parametrize(
    ("char", "encoded"),
    [
        # DOI Handbook, mandatory
        ("%", "%25"),
        ('"', "%22"),
        ("#", "%23"),
        ("?", "%3F"),
        # DOI Handbook, recommended
        ("<", "%3C"),
        (">", "%3E"),
        ("{", "%7B"),
        ("}", "%7D"),
        ("^", "%5E"),
        ("[", "%5B"),
        ("]", "%5D"),
        ("`", "%60"),
        ("|", "%7C"),
        ("\\", "%5C"),
        ("+", "%2B"),
        # ours: query/attribute delimiters and non-ASCII
        ("&", "%26"),
        ("'", "%27"),
        ("Ä", "%C3%84"),
        ("\u212a", "%E2%84%AA"),
        # left alone: Crossref says not to encode "/"; the rest are common and harmless
        ("/", "/"),
        (";", ";"),
        (":", ":"),
        ("(", "("),
        (")", ")"),
        ("-", "-"),
        ("_", "_"),
        ("~", "~"),
    ],
)
def test_doi_url_encoding(char: str, encoded: str) -> None:
    assert doi_url(f"10.1234/a{char}b") == f"https://doi.org/10.1234/a{encoded}b"


@pytest.mark.parametrize(
    ("doi", "path"),
    [
        ("10.1000/./x", "10.1000/.%2Fx"),  # the DOI Handbook's own example
        ("10.1000/a/../x", "10.1000/a/..%2Fx"),
        ("10.1000/././x", "10.1000/.%2F./x"),
        ("10.1000/./", "10.1000/.%2F"),
        ("10.1000/a/.", "10.1000/a%2F."),  # trailing dot segment: encode the slash before
        ("10.1000/..", "10.1000%2F.."),
        ("10.1000/.x/..y/...", "10.1000/.x/..y/..."),  # not dot segments
    ],
)
def test_doi_url_dot_segments(doi: str, path: str) -> None:
    assert doi_url(doi) == f"https://doi.org/{path}"


@pytest.mark.parametrize(
    "doi",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "10.1234/a b",
        "10.1234/a\nb",
        "10.1234/",
        "10.12/x",
        "https://doi.org@evil.com/10.1/x",
        "",
    ],
)
def test_doi_url_rejects_invalid(doi: str) -> None:
    with pytest.raises(InvalidIdentifier):
        doi_url(doi)


@given(valid_dois)
def test_doi_url_is_allowed_and_clean(doi: str) -> None:
    url = doi_url(doi)
    assert is_allowed_url(url)
    assert not any(ch.isspace() for ch in url)
    assert "#" not in url
    assert "?" not in url
    assert url.isascii()
    # Handing the URL back to normalize_doi gives the DOI back.
    assert normalize_doi(url) == doi


@given(valid_dois)
def test_doi_url_has_no_dot_segments(doi: str) -> None:
    segments = doi_url(doi).removeprefix("https://doi.org/").split("/")
    assert "." not in segments
    assert ".." not in segments


# --- pubmed_url / pmc_url ------------------------------------------------------------------


def test_pubmed_url() -> None:
    expected = "https://pubmed.ncbi.nlm.nih.gov/36766698/"
    assert pubmed_url("36766698") == expected
    assert pubmed_url(36766698) == expected
    assert pubmed_url("PMID: 036766698") == expected


def test_pmc_url() -> None:
    expected = "https://pmc.ncbi.nlm.nih.gov/articles/PMC12240957/"
    assert pmc_url("PMC12240957") == expected
    assert pmc_url("pmc-id: PMC12240957;") == expected
    assert pmc_url(12240957) == expected


@pytest.mark.parametrize("bad", ["", "0", "abc", "1/../2", "javascript:alert(1)", -1])
def test_numeric_builders_reject_invalid(bad: str | int) -> None:
    with pytest.raises(InvalidIdentifier):
        pubmed_url(bad)
    with pytest.raises(InvalidIdentifier):
        pmc_url(bad)


@given(st.integers(min_value=1, max_value=10**10 - 1))
def test_numeric_urls_are_allowed(number: int) -> None:
    assert is_allowed_url(pubmed_url(number))
    assert is_allowed_url(pmc_url(number))


# --- is_allowed_url ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://doi.org/10.3390/cells12030356",
        "https://doi.org/10.1002/(SICI)1097-4636(199706)35:4%3C447::AID-JBM5%3E3.0.CO;2-D",
        "https://doi.org/10.1234/a%23b%3Fc%25d",
        "https://pubmed.ncbi.nlm.nih.gov/36766698/",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC12240957/",
    ],
)
def test_allowed_urls(url: str) -> None:
    assert is_allowed_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)//https://doi.org/10.1234/x",
        "file:///etc/passwd",
        "data:text/html,<script>alert(1)</script>",
        "",
        "https://doi.org/",
        "https://doi.org",
        # wrong scheme, host, userinfo, port
        "http://doi.org/10.3390/cells12030356",
        "HTTPS://doi.org/10.3390/cells12030356",
        "https://DOI.ORG/10.3390/cells12030356",
        "https://dx.doi.org/10.3390/cells12030356",
        "https://doi.org.evil.com/10.3390/cells12030356",
        "https://evil.com/10.3390/cells12030356",
        "https://doi.org@evil.com/10.1/x",
        "https://doi.org@evil.com/10.3390/cells12030356",
        "https://user@doi.org/10.3390/cells12030356",
        "https://doi.org:443/10.3390/cells12030356",
        "https://doi.org:8080/10.3390/cells12030356",
        "//doi.org/10.3390/cells12030356",
        "https:///doi.org/10.3390/cells12030356",
        # queries, fragments, stray characters
        "https://doi.org/10.3390/cells12030356?",
        "https://doi.org/10.3390/cells12030356?next=https://evil.com",
        "https://doi.org/10.3390/cells12030356#",
        "https://doi.org/10.3390/cells12030356#x",
        "https://doi.org/10.1234/a#b",
        "https://doi.org/10.1234/a?b",
        " https://doi.org/10.3390/cells12030356",
        "https://doi.org/10.3390/cells12030356 ",
        "https://doi.org/10.3390/cells12030356\n",
        "https://doi.org/10.3390/cells\t12030356",
        "https://doi.org/10.3390/cells12030356\\@evil.com",
        # a DOI path that is not the canonical encoding of a valid DOI
        "https://doi.org/10.1234/a%20b",
        "https://doi.org/10.1234/a%0Ab",
        "https://doi.org/10.1234/%FF",
        "https://doi.org/10.1234/",
        "https://doi.org/10.12/x",
        "https://doi.org/10.1234%2Fx",  # over-encoded slash
        "https://doi.org/10.1234/%41",  # over-encoded letter
        "https://doi.org/10.1234/a<b",  # under-encoded
        "https://doi.org/10.1000/./x",  # browsers would drop the dot segment
        "https://doi.org/doi:10.3390/cells12030356",
        "https://doi.org/https://doi.org/10.3390/cells12030356",
        # PubMed / PMC shapes
        "https://pubmed.ncbi.nlm.nih.gov/36766698",
        "https://pubmed.ncbi.nlm.nih.gov/036766698/",
        "https://pubmed.ncbi.nlm.nih.gov/0/",
        "https://pubmed.ncbi.nlm.nih.gov/abc/",
        "https://pubmed.ncbi.nlm.nih.gov//36766698/",
        "https://pubmed.ncbi.nlm.nih.gov/36766698/?term=x",
        "https://pubmed.ncbi.nlm.nih.gov/?term=36766698",
        "https://pubmed.ncbi.nlm.nih.gov/PMID:36766698/",
        "https://pmc.ncbi.nlm.nih.gov/articles/pmc12240957/",
        "https://pmc.ncbi.nlm.nih.gov/articles/12240957/",
        "https://pmc.ncbi.nlm.nih.gov/PMC12240957/",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC12240957",
        "https://pmc.ncbi.nlm.nih.gov/articles/PMC12240957/#x",
        "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC12240957/",
    ],
)
def test_rejected_urls(url: str) -> None:
    assert not is_allowed_url(url)


@pytest.mark.parametrize("value", [None, 1, b"https://doi.org/10.3390/cells12030356"])
def test_is_allowed_url_non_strings(value: object) -> None:
    assert not is_allowed_url(value)  # type: ignore[arg-type]


@given(st.text())
def test_is_allowed_url_never_raises(text: str) -> None:
    assert isinstance(is_allowed_url(text), bool)


@given(st.text(alphabet="htps:/doirg.nubmedcilvPMC0123456789%#?@ \n\\&"))
def test_allowed_urls_are_canonical(text: str) -> None:
    # Anything accepted must be byte-for-byte what a builder produces.
    if is_allowed_url(text):
        assert not any(ch.isspace() for ch in text)
        assert "#" not in text
        assert "?" not in text
        assert "@" not in text.split("/")[2]
