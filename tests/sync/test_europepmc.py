"""Europe PMC citations: the parser on recorded payloads, paging against a local server."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from exodesk.core.identifiers import InvalidIdentifier
from exodesk.core.records import Author, WorkRecord
from exodesk.sync.config import SyncConfig, make_http_client
from exodesk.sync.errors import BadResponse
from exodesk.sync.europepmc import MAX_PAGES, PAGE_SIZE, EuropePmcClient, parse_citations
from exodesk.sync.http import HttpClient, RetryPolicy, host_of

PAYLOADS = Path(__file__).parent / "payloads"
RETRY = RetryPolicy(attempts=2, base_delay=0.01, jitter=0.0)


def payload(name: str) -> str:
    return (PAYLOADS / name).read_text("utf-8")


def test_citations_of_the_review() -> None:
    page = parse_citations(json.loads(payload("europepmc-36766698.json")))
    assert (page.hit_count, page.items) == (4, 4)
    assert page.records == [
        WorkRecord(
            title="Synthetic title for PMID 39857679 (test fixture)",
            container_abbrev="Biomedicines",
            year=2025,
            date="2025",
            volume="13",
            issue="1",
            pmid="39857679",
            authors=(
                Author(family="Kharrat", given="F"),
                Author(family="Capaci", given="V"),
                Author(family="Conti", given="A"),
                Author(family="Golino", given="V"),
                Author(family="Campiglia", given="P"),
                Author(family="Balasan", given="N"),
            ),
        ),
        WorkRecord(
            title="Synthetic title for PMID 39598465 (test fixture)",
            container_abbrev="Pharmaceuticals (Basel)",
            year=2024,  # pubYear as a string
            date="2024",
            volume="17",
            issue="11",
            pmid="39598465",
            authors=(
                Author(family="Bogdanovic", given="B"),
                Author(family="Fagret", given="D"),
                Author(family="Ghezzi", given="C"),
                Author(family="Montemagno", given="C"),
            ),
        ),
        # the preprint (source PPR) has no identifier exodesk stores: skipped
        WorkRecord(
            title="Synthetic PMC-only article (test fixture)",
            container_abbrev="J Synth",
            year=2023,
            date="2023",
            pages="e12",
            pmcid="PMC99000003",
            authors=(
                Author(name="Synthetic Fixture Consortium"),
                Author(family="Tester", given="AB"),
            ),
        ),
    ]


def test_no_citations_without_citation_list() -> None:
    page = parse_citations(json.loads(payload("europepmc-none.json")))
    assert (page.hit_count, page.items, page.records) == (0, 0, [])


@pytest.mark.parametrize(
    "reply",
    [
        [],
        {"hitCount": "many"},
        {"hitCount": [3], "citationList": {"citation": []}},
        {"hitCount": 3},
        {"hitCount": 1, "citationList": {"citation": "x"}},
    ],
)
def test_unreadable_replies(reply: Any) -> None:
    with pytest.raises(BadResponse):
        parse_citations(reply)


def test_missing_hit_count_means_this_page_is_all() -> None:
    page = parse_citations({"citationList": {"citation": [{"id": "5", "source": "MED"}]}})
    assert (page.hit_count, page.items) == (1, 1)
    assert parse_citations({}).hit_count == 0


def test_odd_items_are_skipped() -> None:
    page = parse_citations(
        {
            "hitCount": "4",
            "citationList": {
                "citation": [
                    "junk",
                    {"id": "not-a-pmid", "source": "MED"},
                    {"id": "12", "source": "med", "doi": "10.1000/ok", "pubYear": "20x4"},
                    {"id": "13", "source": "MED", "doi": "bad doi"},
                ]
            },
        }
    )
    assert page.hit_count == 4
    assert [(r.pmid, r.doi, r.year) for r in page.records] == [
        ("12", "10.1000/ok", None),
        ("13", "", None),
    ]


# --- the client against a local server ------------------------------------------------------


@pytest.fixture
def make_client(httpserver: HTTPServer) -> Iterator[Callable[[], EuropePmcClient]]:
    clients: list[HttpClient] = []

    def make() -> EuropePmcClient:
        config = SyncConfig(europepmc_url=httpserver.url_for("/rest/"), email="me@example.org")
        http = make_http_client(config, retry=RETRY)
        http.limiter.set_rate(host_of(config.europepmc_url), 1000.0)  # pacing: test_config.py
        clients.append(http)
        return EuropePmcClient(http, config)

    yield make
    for http in clients:
        http.close()


def test_single_page(httpserver: HTTPServer, make_client: Callable[[], EuropePmcClient]) -> None:
    httpserver.expect_request("/rest/MED/36766698/citations").respond_with_data(
        payload("europepmc-36766698.json"), content_type="application/json"
    )
    records = make_client().citations("36766698")
    assert [(r.pmid, r.pmcid) for r in records] == [
        ("39857679", ""),
        ("39598465", ""),
        ("", "PMC99000003"),
    ]
    assert [request.args.to_dict(flat=False) for request, _ in httpserver.log] == [
        {"format": ["json"], "page": ["1"], "pageSize": [str(PAGE_SIZE)]}
    ]


def _pages_of(total: int, hit_count: Any) -> Callable[[Request], Response]:
    """A server holding ``total`` citing PMIDs 1..total and announcing ``hit_count``."""

    def handler(request: Request) -> Response:
        page, size = int(request.args["page"]), int(request.args["pageSize"])
        ids = range((page - 1) * size + 1, min(page * size, total) + 1)
        items = [{"id": str(n), "source": "MED", "title": f"T{n}."} for n in ids]
        reply = {"hitCount": hit_count, "citationList": {"citation": items}}
        return Response(json.dumps(reply), content_type="application/json")

    return handler


def test_paging_follows_hit_count(
    httpserver: HTTPServer, make_client: Callable[[], EuropePmcClient]
) -> None:
    httpserver.expect_request("/rest/MED/36766698/citations").respond_with_handler(
        _pages_of(1500, "1500")  # hitCount as a string
    )
    records = make_client().citations(36766698)
    assert len(records) == 1500
    assert records[0].pmid == "1" and records[-1].pmid == "1500"
    assert records[-1].title == "T1500"
    assert [request.args["page"] for request, _ in httpserver.log] == ["1", "2"]


def test_paging_stops_at_an_empty_page(
    httpserver: HTTPServer, make_client: Callable[[], EuropePmcClient]
) -> None:
    # hitCount promises more than the server has: the empty third page ends the list.
    httpserver.expect_request("/rest/MED/1/citations").respond_with_handler(_pages_of(2000, 5000))
    assert len(make_client().citations("1")) == 2000
    assert len(httpserver.log) == 3


def test_paging_is_bounded(
    httpserver: HTTPServer, make_client: Callable[[], EuropePmcClient]
) -> None:
    # A reply that repeats one full page forever must not keep the run busy forever.
    items = [{"id": "7", "source": "MED"}] * PAGE_SIZE
    httpserver.expect_request("/rest/MED/1/citations").respond_with_json(
        {"hitCount": 10**9, "citationList": {"citation": items}}
    )
    assert [r.pmid for r in make_client().citations("1")] == ["7"]
    assert len(httpserver.log) == MAX_PAGES


def test_malformed_json_is_bad_response(
    httpserver: HTTPServer, make_client: Callable[[], EuropePmcClient]
) -> None:
    httpserver.expect_request("/rest/MED/1/citations").respond_with_data(
        payload("malformed.json"), content_type="application/json"
    )
    with pytest.raises(BadResponse):
        make_client().citations("1")


def test_missing_citation_list_names_the_url(
    httpserver: HTTPServer, make_client: Callable[[], EuropePmcClient]
) -> None:
    httpserver.expect_request("/rest/MED/1/citations").respond_with_json({"hitCount": 2})
    with pytest.raises(BadResponse, match="citationList") as caught:
        make_client().citations("1")
    assert "/rest/MED/1/citations" in caught.value.url


def test_invalid_pmid_is_refused(
    httpserver: HTTPServer, make_client: Callable[[], EuropePmcClient]
) -> None:
    with pytest.raises(InvalidIdentifier):
        make_client().citations("PMC123")
    assert httpserver.log == []
