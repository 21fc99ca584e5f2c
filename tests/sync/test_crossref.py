"""Crossref works/{doi}: the parser on recorded payloads, and the client against a local server."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from exodesk import __version__
from exodesk.core.identifiers import InvalidIdentifier
from exodesk.core.records import Author, WorkRecord
from exodesk.sync.config import SyncConfig, make_http_client
from exodesk.sync.crossref import CrossrefClient, crossref_path, jats_to_text, parse_work
from exodesk.sync.errors import BadResponse, NotFound, ServiceFailed
from exodesk.sync.http import HttpClient, RetryPolicy, host_of

PAYLOADS = Path(__file__).parent / "payloads"
RETRY = RetryPolicy(attempts=2, base_delay=0.01, jitter=0.0)


def payload(name: str) -> str:
    return (PAYLOADS / name).read_text("utf-8")


def json_payload(name: str) -> Any:
    return json.loads(payload(name))


# --- parsing ------------------------------------------------------------------------------


def test_real_colrev_record_with_organisation_author() -> None:
    assert parse_work(json_payload("crossref-colrev.json")) == WorkRecord(
        title=(
            "A Knowledge Development Perspective on Literature Reviews: Validation of a new "
            "Typology in the IS Field"
        ),
        type="article-journal",
        container_title="Communications of the Association for Information Systems",
        container_abbrev="CAIS",
        year=2021,
        date="2021",
        volume="49",
        issue="1",
        pages="134-186",
        publisher="Association for Information Systems",
        doi="10.17705/1cais.04607",
        authors=(
            Author(family="Schryen", given="Guido"),
            Author(name="Paderborn University"),
            Author(family="Wagner", given="Gerit"),
            Author(family="Paré", given="Guy"),
        ),
        subjects=("Information Systems",),
    )


def test_review_record() -> None:
    review = parse_work(json_payload("crossref-cells12030356.json"))
    assert review.title == (
        "The Role of Exosomes in Human Carcinogenesis and Cancer Therapy—Recent Findings "
        "from Molecular and Clinical Research"
    )
    assert review.abstract.startswith("Exosomes are biological nanoscale spherical lipid")
    assert "<" not in review.abstract
    assert (review.year, review.date, review.volume, review.issue) == (
        2023,
        "2023-01-18",
        "12",
        "3",
    )
    # A lone numeric page without article-number cannot be told from a printed page.
    assert (review.pages, review.article_number) == ("356", "")
    assert (review.publisher, review.language, review.doi) == (
        "MDPI AG",
        "en",
        "10.3390/cells12030356",
    )
    assert review.authors[0] == Author(
        family="Stefańska",
        given="Katarzyna",
        affiliations=(
            "Department of Histology and Embryology, Poznan University of Medical Sciences, "
            "60-781 Poznan, Poland",
            "Cellivia 3 S.A., Poznan, Poland",
        ),
    )


def test_synthetic_record_quirks() -> None:
    record = parse_work(json_payload("crossref-synthetic.json"))
    assert record == WorkRecord(
        title="Synthetic in vitro title (test fixture): a subtitle",
        type="article",  # posted-content
        abstract=("Background\nFirst paragraph with E. coli & p < 0.05.\nSecond paragraph."),
        year=2019,  # issued is [[null]]: published-print ["2019", "7"] is used
        date="2019-07",
        pages="",  # page equals article-number
        article_number="e4375",
        publisher="Synthetic Publisher (test fixture)",
        doi="10.1000/synthetic#1?x",
        authors=(
            Author(
                family="Tester",
                given="Ada",
                orcid="0000-0002-1825-0097",
                affiliations=("Synthetic Institute",),
            ),
            Author(family="Mononym"),
        ),
        subjects=("Testing", "Fixtures"),
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"page": "134-186"}, ("134-186", "")),
        ({"page": "e4375"}, ("", "e4375")),
        ({"page": "e4375", "article-number": "e4375"}, ("", "e4375")),
        ({"article-number": "1611449"}, ("", "1611449")),
        ({"page": "1-12", "article-number": "356"}, ("1-12", "356")),
        ({"page": "7"}, ("7", "")),
        ({"page": 12}, ("12", "")),
        ({}, ("", "")),
    ],
)
def test_page_or_article_number(fields: dict[str, Any], expected: tuple[str, str]) -> None:
    record = parse_work({"status": "ok", "message": {"DOI": "10.1000/x", **fields}})
    assert (record.pages, record.article_number) == expected


@pytest.mark.parametrize(
    ("kind", "csl"),
    [
        ("journal-article", "article-journal"),
        ("book-chapter", "chapter"),
        ("proceedings-article", "paper-conference"),
        ("dissertation", "thesis"),
        ("something-new", "document"),
        (None, "document"),
    ],
)
def test_type_mapping(kind: str | None, csl: str) -> None:
    record = parse_work({"status": "ok", "message": {"type": kind}})
    assert record.type == csl


def test_missing_doi_falls_back_to_the_asked_one() -> None:
    record = parse_work({"status": "ok", "message": {}}, "10.1000/asked")
    assert record.doi == "10.1000/asked"


@pytest.mark.parametrize(
    "reply",
    [
        [],
        {"status": "failed", "message": []},
        {"status": "ok", "message-type": "work-list", "message": {"items": []}},
        {"status": "ok", "message-type": "work", "message": "x"},
        {"message": {}},
    ],
)
def test_malformed_envelope_is_bad_response(reply: Any) -> None:
    with pytest.raises(BadResponse):
        parse_work(reply)


def test_jats_to_text() -> None:
    snippet = (
        "<jats:title>Abstract</jats:title><jats:p>One <jats:italic>two</jats:italic>\n"
        "three &amp;amp; &lt;b&gt;.</jats:p><jats:p>Four<jats:sup>2</jats:sup></jats:p>"
    )
    assert jats_to_text(snippet) == "One two three &amp; <b>.\nFour2"
    assert jats_to_text("p < 0.05 and q > 1") == "p < 0.05 and q > 1"
    assert jats_to_text("") == ""


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("<>/:&;#ajtsp x\n")), max_size=60))
def test_jats_to_text_leaves_no_jats_tags(snippet: str) -> None:
    text = jats_to_text(snippet)
    assert "<jats:" not in text.replace("&lt;jats:", "")  # only decoded literal text may


@pytest.mark.parametrize(
    ("doi", "path"),
    [
        ("10.3390/cells12030356", "10.3390/cells12030356"),
        ("10.1000/a#b?c", "10.1000/a%23b%3Fc"),
        ("10.1000/<x>{y}", "10.1000/%3Cx%3E%7By%7D"),
        ('10.1000/100%"q"', "10.1000/100%25%22q%22"),
        ("10.1002/(SICI)1097-4571(199806)49:8<693::AID-ASI4>3.0.CO;2-O",
         "10.1002/(SICI)1097-4571(199806)49:8%3C693::AID-ASI4%3E3.0.CO;2-O"),
        ("10.1000/a+b", "10.1000/a%2Bb"),
        ("10.1000/./x", "10.1000/.%2Fx"),
    ],
)  # fmt: skip
def test_crossref_path_encoding(doi: str, path: str) -> None:
    assert crossref_path(doi) == path


# --- the client against a local server ------------------------------------------------------


@pytest.fixture
def make_client(httpserver: HTTPServer) -> Iterator[Callable[..., CrossrefClient]]:
    clients: list[HttpClient] = []

    def make(email: str = "") -> CrossrefClient:
        config = SyncConfig(crossref_url=httpserver.url_for("/"), email=email)
        http = make_http_client(config, retry=RETRY)
        http.limiter.set_rate(host_of(config.crossref_url), 1000.0)  # pacing: test_config.py
        clients.append(http)
        return CrossrefClient(http, config)

    yield make
    for http in clients:
        http.close()


def test_work_sends_mailto_and_user_agent(
    httpserver: HTTPServer, make_client: Callable[..., CrossrefClient]
) -> None:
    httpserver.expect_request("/works/10.17705/1cais.04607").respond_with_data(
        payload("crossref-colrev.json"), content_type="application/json"
    )
    record = make_client(email="me@example.org").work("https://doi.org/10.17705/1cais.04607")
    assert record.container_abbrev == "CAIS"
    request = httpserver.log[0][0]
    assert request.args.to_dict(flat=False) == {"mailto": ["me@example.org"]}
    assert request.headers["User-Agent"] == (
        f"exodesk/{__version__} (https://github.com/exodesk/exodesk; mailto:me@example.org)"
    )


def test_work_without_email_sends_no_mailto(
    httpserver: HTTPServer, make_client: Callable[..., CrossrefClient]
) -> None:
    httpserver.expect_request("/works/10.17705/1cais.04607").respond_with_data(
        payload("crossref-colrev.json"), content_type="application/json"
    )
    make_client().work("10.17705/1cais.04607")
    request = httpserver.log[0][0]
    assert request.query_string == b""
    assert "mailto" not in request.headers["User-Agent"]


def _echo_raw_path(request: Request) -> Response:
    """A work whose DOI is the raw (still percent-encoded) request path after /works/."""
    raw = request.environ.get("RAW_URI") or request.environ["REQUEST_URI"]
    reply = {"status": "ok", "message-type": "work", "message": {"title": [raw]}}
    return Response(json.dumps(reply), content_type="application/json")


@pytest.mark.parametrize(
    ("doi", "raw_path"),
    [
        ("10.1000/a#b?c", "/works/10.1000/a%23b%3Fc"),
        ("10.1000/<x> ", "/works/10.1000/%3Cx%3E"),  # the trailing space is stripped
        ("10.1000/x%y", "/works/10.1000/x%25y"),
    ],
)
def test_doi_is_percent_encoded_in_the_path(
    httpserver: HTTPServer,
    make_client: Callable[..., CrossrefClient],
    doi: str,
    raw_path: str,
) -> None:
    httpserver.expect_request(f"/works/{doi.strip()}").respond_with_handler(_echo_raw_path)
    record = make_client().work(doi)
    assert record.title == raw_path
    assert httpserver.log[0][0].path == f"/works/{doi.strip()}"  # decoded back by the server


def test_unknown_doi_is_not_found(
    httpserver: HTTPServer, make_client: Callable[..., CrossrefClient]
) -> None:
    httpserver.expect_request("/works/10.9999/unknown").respond_with_data(
        payload("crossref-404.txt"), status=404, content_type="text/plain"
    )
    with pytest.raises(NotFound, match="try again later") as caught:
        make_client().work("10.9999/unknown")
    assert "10.9999/unknown" in str(caught.value)
    assert caught.value.host == host_of(httpserver.url_for("/"))
    assert len(httpserver.log) == 1  # a 404 is an answer, not retried


def test_invalid_doi_is_refused_before_any_request(
    httpserver: HTTPServer, make_client: Callable[..., CrossrefClient]
) -> None:
    with pytest.raises(InvalidIdentifier):
        make_client().work("not a doi")
    assert httpserver.log == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("malformed.json", "application/json"),
        ("html-502.html", "text/html"),
        ("crossref-404.txt", "text/plain"),  # the not-found text, but with status 200
    ],
)
def test_unreadable_replies_are_bad_response(
    httpserver: HTTPServer,
    make_client: Callable[..., CrossrefClient],
    body: str,
    content_type: str,
) -> None:
    httpserver.expect_request("/works/10.1000/x").respond_with_data(
        payload(body), content_type=content_type
    )
    with pytest.raises(BadResponse) as caught:
        make_client().work("10.1000/x")
    assert "/works/10.1000/x" in caught.value.url


def test_bad_envelope_names_the_url(
    httpserver: HTTPServer, make_client: Callable[..., CrossrefClient]
) -> None:
    httpserver.expect_request("/works/10.1000/x").respond_with_json({"status": "error"})
    with pytest.raises(BadResponse, match="status") as caught:
        make_client().work("10.1000/x")
    assert caught.value.url.endswith("/works/10.1000/x")


def test_html_502_is_retried_then_service_failed(
    httpserver: HTTPServer, make_client: Callable[..., CrossrefClient]
) -> None:
    httpserver.expect_request("/works/10.1000/x").respond_with_data(
        payload("html-502.html"), status=502, content_type="text/html"
    )
    with pytest.raises(ServiceFailed):
        make_client().work("10.1000/x")
    assert len(httpserver.log) == RETRY.attempts
