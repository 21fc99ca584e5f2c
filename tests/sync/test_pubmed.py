"""PubMed E-utilities: parsers on recorded payloads, and the client against a local server."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from exodesk.core.identifiers import InvalidIdentifier
from exodesk.core.records import Author, WorkRecord
from exodesk.sync.config import SyncConfig, make_http_client
from exodesk.sync.errors import BadResponse, ServiceFailed
from exodesk.sync.http import HttpClient, RetryPolicy, host_of
from exodesk.sync.pubmed import (
    BATCH_SIZE,
    EutilsError,
    PubMedClient,
    SummaryResult,
    parse_efetch,
    parse_elink,
    parse_esearch,
    parse_esummary,
    summary_record,
)

PAYLOADS = Path(__file__).parent / "payloads"
RETRY = RetryPolicy(attempts=2, base_delay=0.01, jitter=0.0)


def payload(name: str) -> str:
    return (PAYLOADS / name).read_text("utf-8")


def json_payload(name: str) -> Any:
    # strict=False: elink-error.json holds a raw line break inside a string, as NCBI sends it.
    return json.loads(payload(name), strict=False)


# --- esummary parsing ---------------------------------------------------------------------


def test_esummary_real_record_40642746() -> None:
    result = parse_esummary(json_payload("esummary-40642746.json"))
    assert result.missing == []
    assert result.records == {
        "40642746": WorkRecord(
            title=(
                "Interaction of ferroptosis and cuproptosis in the perspective of "
                "pulmonary hypertension"
            ),
            type="article-journal",
            container_title="Frontiers in cardiovascular medicine",
            container_abbrev="Front Cardiovasc Med",
            year=2025,
            date="2025-06-26",  # pubdate "2025" refined by epubdate "2025 Jun 26"
            volume="12",
            issue="",
            pages="",
            article_number="1611449",  # e-locator journal: "pages" holds the article number
            language="en",
            doi="10.3389/fcvm.2025.1611449",
            pmid="40642746",
            pmcid="PMC12240957",
            authors=(
                Author(family="Yang", given="Y"),
                Author(family="Liang", given="L"),
                Author(family="Pei", given="W"),
                Author(family="Sun", given="Y"),
            ),
        )
    }


def test_esummary_seed_records() -> None:
    records = parse_esummary(json_payload("esummary-seed.json")).records
    assert list(records) == ["36766698", "39857679", "39598465"]
    review = records["36766698"]
    assert review.title == (
        "The Role of Exosomes in Human Carcinogenesis and Cancer Therapy-Recent Findings "
        "from Molecular and Clinical Research"
    )
    assert (review.container_title, review.container_abbrev) == ("Cells", "Cells")
    assert (review.year, review.date) == (2023, "2023-01-18")
    assert (review.volume, review.issue, review.pages, review.article_number) == (
        "12",
        "3",
        "",
        "356",
    )
    assert (review.doi, review.pmid, review.pmcid) == ("10.3390/cells12030356", "36766698", "")
    assert len(review.authors) == 14
    assert review.authors[0] == Author(family="Stefańska", given="K")
    assert review.authors[8] == Author(family="Mozdziak", given="PE")
    assert review.authors[10] == Author(family="Podhorska-Okołów", given="M")

    kharrat = records["39857679"]
    assert kharrat.title == "Synthetic title for PMID 39857679 (test fixture)"
    assert (kharrat.doi, kharrat.pmcid) == ("10.3390/biomedicines13010095", "PMC11759861")
    assert (kharrat.year, kharrat.date, kharrat.pages, kharrat.article_number) == (
        2025,
        "2025",
        "",
        "",
    )
    assert [a.display_name() for a in kharrat.authors] == [
        "Kharrat F",
        "Capaci V",
        "Conti A",
        "Golino V",
        "Campiglia P",
        "Balasan N",
    ]

    bogdanovic = records["39598465"]
    # Only the "pmc-id: PMC11597078;" form and the elocationid carry the identifiers here.
    assert bogdanovic.pmcid == "PMC11597078"
    assert bogdanovic.doi == "10.3390/ph17111556"
    assert bogdanovic.container_title == "Pharmaceuticals (Basel, Switzerland)"
    assert bogdanovic.container_abbrev == "Pharmaceuticals (Basel)"


def test_esummary_per_id_error_is_missing_not_failure() -> None:
    result = parse_esummary(json_payload("esummary-unknown-id.json"))
    assert list(result.records) == ["40642746"]
    assert result.missing == ["999"]


def test_esummary_reply_level_error_is_bad_response() -> None:
    with pytest.raises(BadResponse, match="Invalid uid abc"):
        parse_esummary(json_payload("esummary-error.json"))


def test_esummary_error_key_is_eutils_error() -> None:
    with pytest.raises(EutilsError, match="Search Backend failed"):
        parse_esummary({"header": {}, "ERROR": "Search Backend failed"})
    with pytest.raises(EutilsError):
        parse_esummary({"result": {"ERROR": "oops", "uids": []}})


def test_esummary_uid_listed_without_document_is_missing() -> None:
    result = parse_esummary({"result": {"uids": ["1", "2"], "1": {"uid": "1", "title": "T."}}})
    assert list(result.records) == ["1"]
    assert result.missing == ["2"]


def _doc(**fields: Any) -> dict[str, Any]:
    return {"uid": "123", **fields}


@pytest.mark.parametrize(
    ("pubdate", "epubdate", "year", "date"),
    [
        ("2023 Jan 18", "2023 Jan 18", 2023, "2023-01-18"),
        ("2025", "2025 Jun 26", 2025, "2025-06-26"),
        ("2024 Jan", "2023 Dec 5", 2024, "2024-01"),  # e-pub before the issue: issue wins
        ("2023 Winter", "", 2023, "2023"),
        ("2024 Jun-Apr", "", 2024, "2024-06"),
        ("1998 Dec-1999 Jan", "", 1998, "1998-12"),
        ("2023 Feb 30", "", 2023, "2023-02"),  # impossible day: month kept
        ("", "2022 Mar 3", 2022, "2022-03-03"),
        ("", "", None, ""),
        ("garbage", "", None, ""),
    ],
)
def test_esummary_dates(pubdate: str, epubdate: str, year: int | None, date: str) -> None:
    record = summary_record(_doc(pubdate=pubdate, epubdate=epubdate))
    assert (record.year, record.date) == (year, date)


@pytest.mark.parametrize(
    ("pages", "elocationid", "expected"),
    [
        ("134-186", "doi: 10.1000/x", ("134-186", "")),
        ("356", "doi: 10.3390/cells12030356", ("", "356")),
        ("e1234", "doi: 10.1000/x", ("", "e1234")),
        ("123", "", ("123", "")),  # no electronic locator: a printed page
        ("2663", "pii: 2663. doi: 10.1038/s41467-023-37706-3", ("", "2663")),
        ("", "pii: e77. doi: 10.1000/x", ("", "e77")),
        ("S1-S9", "pii: S0000-0000(20)30000-0", ("S1-S9", "")),
    ],
)
def test_esummary_pages_and_article_numbers(
    pages: str, elocationid: str, expected: tuple[str, str]
) -> None:
    record = summary_record(_doc(pages=pages, elocationid=elocationid))
    assert (record.pages, record.article_number) == expected


def test_esummary_elocationid_doi_fallback_drops_separator_period() -> None:
    record = summary_record(_doc(elocationid="pii: 2663. doi: 10.1038/s41467-023-37706-3."))
    assert record.doi == "10.1038/s41467-023-37706-3"
    bad = summary_record(_doc(elocationid="doi: not-a-doi", articleids=[{"idtype": "doi"}]))
    assert bad.doi == ""


def test_esummary_authors_collectives_suffixes_and_other_types() -> None:
    record = summary_record(
        _doc(
            authors=[
                {"name": "Rayat Pisheh H", "authtype": "Author"},
                {"name": "Smith JA Jr", "authtype": "Author"},
                {"name": "Madonna", "authtype": "Author"},
                {"name": "COVID-19 Study Group", "authtype": "CollectiveName"},
                {"name": "Editor E", "authtype": "Editor"},
                {"authtype": "Author"},
                "not an object",
            ]
        )
    )
    assert record.authors == (
        Author(family="Rayat Pisheh", given="H"),
        Author(family="Smith", given="JA"),
        Author(family="Madonna"),
        Author(name="COVID-19 Study Group"),
    )


def test_esummary_title_markup_type_and_journal_capital() -> None:
    record = summary_record(
        _doc(
            title="Role of <i>TP53</i> &amp; friends.",
            pubtype=["Preprint"],
            fulljournalname="journal of things",
            lang=["ger"],
        )
    )
    assert record.title == "Role of TP53 & friends"
    assert record.type == "article"
    assert record.container_title == "Journal of things"
    assert record.language == "de"


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "uid",
                "title",
                "authors",
                "pubdate",
                "epubdate",
                "pages",
                "elocationid",
                "articleids",
                "lang",
                "pubtype",
                "fulljournalname",
                "source",
                "volume",
            ]
        ),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=30),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.sampled_from(["name", "authtype", "idtype", "value"]), inner)
            ),
            max_leaves=8,
        ),
    )
)
def test_summary_record_never_crashes_on_odd_json(doc: dict[str, Any]) -> None:
    record = summary_record(doc)
    assert isinstance(record, WorkRecord)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(
        st.sampled_from(
            ["result", "uids", "1", "ERROR", "error", "linksets", "ids", "linksetdbs",
             "links", "linkname", "id", "esearchresult", "count", "idlist", "errorlist"]
        ),
        inner,
        max_size=4,
    ),
    max_leaves=12,
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["result", "linksets", "esearchresult"]), _JSON))
def test_json_parsers_raise_only_bad_response(reply: dict[str, Any]) -> None:
    for parse in (parse_esummary, parse_elink, parse_esearch):
        with contextlib.suppress(BadResponse):
            parse(reply)


# --- efetch parsing -----------------------------------------------------------------------


def test_efetch_real_record_37160881() -> None:
    records = parse_efetch(payload("efetch-37160881.xml"))
    assert records == {
        "37160881": WorkRecord(
            title="Artificial Hsp104-mediated systems for re-localizing protein aggregates",
            type="article-journal",
            abstract=(
                "Spatial Protein Quality Control (sPQC) sequesters misfolded proteins into "
                "specific, organelle-associated inclusions within the cell to control their "
                "toxicity. …"
            ),
            container_title="Nature communications",
            container_abbrev="Nat Commun",
            year=2023,
            date="2023-05-09",
            volume="14",
            issue="1",
            pages="",
            article_number="2663",
            language="en",
            doi="10.1038/s41467-023-37706-3",
            pmid="37160881",
            pmcid="PMC10169802",
            authors=(
                Author(
                    family="Fischbach",
                    given="Arthur",
                    orcid="0000-0001-6804-6564",
                    affiliations=(
                        "Institute for Biomedicine, Sahlgrenska Academy, … University of "
                        "Gothenburg, Gothenburg, Sweden. …",
                    ),
                ),
                Author(family="Johns", given="Angela", orcid="0000-0003-3074-1208"),
                Author(family="Nyström", given="Thomas"),
            ),
        )
    }


def test_efetch_reads_bytes_too() -> None:
    records = parse_efetch((PAYLOADS / "efetch-37160881.xml").read_bytes())
    assert records["37160881"].authors[2].family == "Nyström"


def test_efetch_seed_review_matches_the_verified_facts() -> None:
    review = parse_efetch(payload("efetch-36766698.xml"))["36766698"]
    assert review.title.startswith("The Role of Exosomes in Human Carcinogenesis")
    assert not review.title.endswith(".")
    assert review.abstract.startswith(
        "Exosomes are biological nanoscale spherical lipid bilayer vesicles, 40-160 nm"
    )
    assert review.keywords == ("cancer", "cancer therapies", "drug resistance", "exosomes")
    assert (review.year, review.date, review.volume, review.issue) == (
        2023,
        "2023-01-18",
        "12",
        "3",
    )
    assert (review.pages, review.article_number) == ("", "356")
    assert review.doi == "10.3390/cells12030356"
    assert review.authors[0] == Author(
        family="Stefańska",
        given="Katarzyna",
        affiliations=(
            "Department of Histology and Embryology, Poznan University of Medical Sciences, "
            "60-781 Poznan, Poland",
            "Cellivia 3 S.A., Poznan, Poland",
        ),
    )
    assert review.authors[2] == Author(family="Volponi", given="Ana Angelova")


def test_efetch_ids_are_anchored_at_pubmeddata_not_the_reference_list() -> None:
    # The synthetic article has no DOI or PMCID of its own, but its ReferenceList does:
    # a ".//ArticleId" search would wrongly take the reference's.
    article = parse_efetch(payload("efetch-synthetic.xml"))["99000001"]
    assert article.doi == ""
    assert article.pmcid == ""
    assert article.pmid == "99000001"
    real = parse_efetch(payload("efetch-37160881.xml"))["37160881"]
    assert real.doi != "10.1146/annurev-physiol-030212-183712"


def test_efetch_synthetic_article_details() -> None:
    article = parse_efetch(payload("efetch-synthetic.xml"))["99000001"]
    assert article.title == "Synthetic article about Escherichia coli (test fixture)"
    assert article.abstract == (
        "BACKGROUND: Synthetic background with italics.\n"
        "RESULTS: Synthetic results.\n"
        "Unlabelled closing sentence."
    )
    assert article.authors == (
        Author(
            family="Tester",
            given="Ada B",
            orcid="0000-0002-1825-009X",
            affiliations=("Synthetic Institute, Nowhere",),
        ),
        # the ValidYN="N" spelling "Testr" is left out
        Author(family="Initialsonly", given="Q"),
        Author(name="Synthetic Fixture Consortium"),
    )
    assert (article.year, article.date) == (2024, "2024-06")  # MedlineDate "2024 Jun-Apr"
    assert (article.pages, article.article_number) == ("101-109", "")
    assert article.container_title == "Journal of synthetic test fixtures"
    assert article.container_abbrev == "J Synth Test Fixtures"  # MedlineTA fallback
    assert article.language == "de"
    assert article.keywords == ("fixtures", "testing")


def test_efetch_book_article_is_tolerated() -> None:
    book = parse_efetch(payload("efetch-synthetic.xml"))["99000002"]
    assert book == WorkRecord(
        title="Synthetic chapter (test fixture)",
        type="chapter",
        abstract="Synthetic chapter abstract.",
        container_title="Synthetic Handbook (test fixture)",
        year=2020,
        date="2020-03",
        publisher="Synthetic Press",
        language="en",
        pmid="99000002",
        authors=(Author(family="Writer", given="Chapter"),),
    )


def test_efetch_truncated_xml_is_bad_response() -> None:
    with pytest.raises(BadResponse, match="unreadable XML"):
        parse_efetch(payload("efetch-truncated.xml"))


def test_efetch_error_document_is_bad_response() -> None:
    with pytest.raises(BadResponse, match="Cannot retrieve history data"):
        parse_efetch(payload("efetch-error.xml"))


def test_efetch_html_page_is_bad_response() -> None:
    with pytest.raises(BadResponse):
        parse_efetch(payload("html-502.html"))


def test_efetch_refuses_entity_declarations() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE PubmedArticleSet [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><PubmedArticleSet>&b;</PubmedArticleSet>'
    )
    with pytest.raises(BadResponse):
        parse_efetch(bomb)
    external = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        "<PubmedArticleSet>&e;</PubmedArticleSet>"
    )
    with pytest.raises(BadResponse):
        parse_efetch(external)


def test_efetch_empty_reply_and_empty_set_have_no_articles() -> None:
    assert parse_efetch("") == {}
    assert parse_efetch("\n") == {}
    assert parse_efetch("<PubmedArticleSet></PubmedArticleSet>") == {}


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_efetch_garbage_raises_only_bad_response(text: str) -> None:
    try:
        result = parse_efetch(text)
    except BadResponse:
        return
    assert isinstance(result, dict)


# --- elink and esearch parsing --------------------------------------------------------------


@pytest.mark.parametrize("name", ["elink-36766698.json", "elink-scored.json"])
def test_elink_both_link_shapes(name: str) -> None:
    assert parse_elink(json_payload(name), "36766698") == ["39857679", "39598465"]


@pytest.mark.parametrize("name", ["elink-no-linksetdbs.json", "elink-empty-linksetdbs.json"])
def test_elink_without_citing_articles(name: str) -> None:
    assert parse_elink(json_payload(name), "40642746") == []


def test_elink_error_inside_200_reply() -> None:
    with pytest.raises(EutilsError, match="NCBI C\\+\\+ Exception"):
        parse_elink(json_payload("elink-error.json"))


def test_elink_reads_only_the_linkset_of_the_asked_id_and_the_citedin_link() -> None:
    reply = {
        "linksets": [
            {
                "ids": ["1"],
                "linksetdbs": [{"linkname": "pubmed_pubmed_citedin", "links": ["5", 6, "x"]}],
            },
            {
                "ids": ["2"],
                "linksetdbs": [
                    {"linkname": "pubmed_pubmed_refs", "links": ["7"]},
                    {"linkname": "pubmed_pubmed_citedin", "links": ["8", "8"]},
                ],
            },
        ]
    }
    assert parse_elink(reply, "2") == ["8"]
    assert parse_elink(reply) == ["5", "6", "8"]


def test_esearch_counts() -> None:
    assert parse_esearch(json_payload("esearch-one.json")) == (1, ["36766698"])
    assert parse_esearch(json_payload("esearch-none.json")) == (0, [])
    assert parse_esearch(json_payload("esearch-two.json")) == (2, ["40642747", "40642746"])
    with pytest.raises(BadResponse):
        parse_esearch({"esearchresult": {"count": "many"}})
    with pytest.raises(EutilsError, match="Invalid query"):
        parse_esearch({"esearchresult": {"ERROR": "Invalid query"}})


# --- the client against a local server ------------------------------------------------------


@pytest.fixture
def make_client(httpserver: HTTPServer) -> Iterator[Callable[..., PubMedClient]]:
    clients: list[HttpClient] = []

    def make(email: str = "", api_key: str = "") -> PubMedClient:
        config = SyncConfig(eutils_url=httpserver.url_for("/"), email=email, ncbi_api_key=api_key)
        http = make_http_client(config, retry=RETRY)
        # The tests check the request parameters, not the pacing (see test_config.py).
        http.limiter.set_rate(host_of(config.eutils_url), 1000.0)
        clients.append(http)
        return PubMedClient(http, config)

    yield make
    for http in clients:
        http.close()


def _args(httpserver: HTTPServer) -> list[dict[str, list[str]]]:
    return [request.args.to_dict(flat=False) for request, _ in httpserver.log]


def test_summaries_sends_tool_and_nothing_unset(
    httpserver: HTTPServer, make_client: Callable[..., PubMedClient]
) -> None:
    httpserver.expect_request("/esummary.fcgi").respond_with_data(
        payload("esummary-40642746.json"), content_type="application/json"
    )
    result = make_client().summaries(["40642746"])
    assert list(result.records) == ["40642746"]
    assert _args(httpserver) == [
        {"db": ["pubmed"], "id": ["40642746"], "retmode": ["json"], "tool": ["exodesk"]}
    ]
    request = httpserver.log[0][0]
    assert request.headers["User-Agent"].startswith("exodesk/")
    assert request.headers["Accept"] == "application/json"


def test_summaries_sends_email_and_api_key_when_set(
    httpserver: HTTPServer, make_client: Callable[..., PubMedClient]
) -> None:
    httpserver.expect_request("/esummary.fcgi").respond_with_data(
        payload("esummary-40642746.json"), content_type="application/json"
    )
    make_client(email="me@example.org", api_key="k3y").summaries(["40642746"])
    assert _args(httpserver) == [
        {
            "db": ["pubmed"],
            "id": ["40642746"],
            "retmode": ["json"],
            "tool": ["exodesk"],
            "email": ["me@example.org"],
            "api_key": ["k3y"],
        }
    ]


def _esummary_for(request: Request) -> Response:
    """An esummary reply listing every requested id, odd ids as unknown."""
    uids = request.args["id"].split(",")
    result: dict[str, Any] = {"uids": uids}
    for uid in uids:
        if int(uid) % 2:
            result[uid] = {"uid": uid, "error": "cannot get document summary"}
        else:
            result[uid] = {"uid": uid, "title": f"Synthetic record {uid}."}
    return Response(json.dumps({"result": result}), content_type="application/json")


def test_summaries_are_batched_200_per_request(
    httpserver: HTTPServer, make_client: Callable[..., PubMedClient]
) -> None:
    httpserver.expect_request("/esummary.fcgi").respond_with_handler(_esummary_for)
    pmids = [str(n) for n in range(1000, 1250)]
    result = make_client().summaries([*pmids, "1000", "01002"])  # duplicates collapse
    sent = [args["id"][0].split(",") for args in _args(httpserver)]
    assert [len(ids) for ids in sent] == [BATCH_SIZE, 50]
    assert sent[0] + sent[1] == pmids
    assert list(result.records) == [p for p in pmids if int(p) % 2 == 0]
    assert result.missing == [p for p in pmids if int(p) % 2]
    assert result.records["1000"].title == "Synthetic record 1000"


def test_summaries_unknown_pmid_is_missing(
    httpserver: HTTPServer, make_client: Callable[..., PubMedClient]
) -> None:
    httpserver.expect_request("/esummary.fcgi").respond_with_data(
        payload("esummary-unknown-id.json"), content_type="application/json"
    )
    result = make_client().summaries(["40642746", "999", "12345"])
    assert isinstance(result, SummaryResult)
    assert list(result.records) == ["40642746"]
    assert result.missing == ["999", "12345"]  # per-id error, and an id left out of the reply


def test_summaries_of_nothing_sends_nothing(
    httpserver: HTTPServer, make_client: Callable[..., PubMedClient]
) -> None:
    assert make_client().summaries([]) == SummaryResult({}, [])
    assert httpserver.log == []


def test_invalid_pmid_is_refused_before_any_request(
    httpserver: HTTPServer, make_client: Callable[..., PubMedClient]
) -> None:
    with pytest.raises(InvalidIdentifier):
        make_client().summaries(["40642746", "not-a-pmid"])
    assert httpserver.log == []


def test_error_inside_200_is_retried_once_then_bad_response(
    httpserver: HTTPServer, make_client: Callable[..., PubMedClient]
) -> None:
    httpserver.expect_request("/esummary.fcgi").respond_with_json(
        {"header": {"type": "esummary"}, "ERROR": "Search Backend failed"}
    )
    with pytest.raises(BadResponse, match="Search Backend failed") as caught:
        make_client().summaries(["40642746"])
    assert len(httpserver.log) == 2
    assert caught.value.host == host_of(httpserver.url_for("/"))
    assert "esummary.fcgi" in caught.value.url


def test_error_inside_200_then_success(
    httpserver: HTTPServer, make_client: Callable[..., PubMedClient]
) -> None:
    httpserver.expect_ordered_request("/elink.fcgi").respond_with_data(
        payload("elink-error.json"), content_type="application/json"
    )
    httpserver.expect_ordered_request("/elink.fcgi").respond_with_data(
        payload("elink-36766698.json"), content_type="application/json"
    )
    assert make_client().cited_by("36766698") == ["39857679", "39598465"]
    assert len(httpserver.log) == 2


def test_reply_level_error_is_not_retried(
    httpserver: HTTPServer, make_client: Callable[..., PubMedClient]
) -> None:
    httpserver.expect_request("/esummary.fcgi").respond_with_data(
        payload("esummary-error.json"), content_type="application/json"
    )
    with pytest.raises(BadResponse, match="Invalid uid") as caught:
        make_client().summaries(["40642746"])
    assert len(httpserver.log) == 1
    assert caught.value.url


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("malformed.json", "application/json"),
        ("html-502.html", "text/html"),
        ("html-502.html", "application/json"),  # an HTML page mislabelled as JSON
    ],
)
def test_malformed_json_and_html_are_bad_response(
    httpserver: HTTPServer,
    make_client: Callable[..., PubMedClient],
    body: str,
    content_type: str,
) -> None:
    httpserver.expect_request("/esummary.fcgi").respond_with_data(
        payload(body), content_type=content_type
    )
    with pytest.raises(BadResponse):
        make_client().summaries(["40642746"])
    assert len(httpserver.log) == 1


def test_html_502_is_retried_then_service_failed(
    httpserver: HTTPServer, make_client: Callable[..., PubMedClient]
) -> None:
    httpserver.expect_request("/esummary.fcgi").respond_with_data(
        payload("html-502.html"), status=502, content_type="text/html"
    )
    with pytest.raises(ServiceFailed):
        make_client().summaries(["40642746"])
    assert len(httpserver.log) == RETRY.attempts


def test_fetch_sends_xml_params_and_parses(
    httpserver: HTTPServer, make_client: Callable[..., PubMedClient]
) -> None:
    httpserver.expect_request("/efetch.fcgi").respond_with_data(
        payload("efetch-37160881.xml"), content_type="text/xml; charset=UTF-8"
    )
    records = make_client(email="me@example.org").fetch(["37160881", "99999999"])
    assert list(records) == ["37160881"]  # the unknown PMID is simply absent
    assert records["37160881"].pmcid == "PMC10169802"
    assert _args(httpserver) == [
        {
            "db": ["pubmed"],
            "id": ["37160881,99999999"],
            "retmode": ["xml"],
            "tool": ["exodesk"],
            "email": ["me@example.org"],
        }
    ]


def test_fetch_is_batched(httpserver: HTTPServer, make_client: Callable[..., PubMedClient]) -> None:
    httpserver.expect_request("/efetch.fcgi").respond_with_data(
        "<PubmedArticleSet/>", content_type="text/xml"
    )
    assert make_client().fetch([str(n) for n in range(1, 402)]) == {}
    assert [len(args["id"][0].split(",")) for args in _args(httpserver)] == [200, 200, 1]


def test_fetch_truncated_xml_is_bad_response_naming_the_url(
    httpserver: HTTPServer, make_client: Callable[..., PubMedClient]
) -> None:
    httpserver.expect_request("/efetch.fcgi").respond_with_data(
        payload("efetch-truncated.xml"), content_type="text/xml"
    )
    with pytest.raises(BadResponse, match="unreadable XML") as caught:
        make_client(api_key="s3cret").fetch(["37160881"])
    assert "efetch.fcgi" in caught.value.url
    assert "s3cret" not in caught.value.url


def test_fetch_unknown_pmid_empty_body(
    httpserver: HTTPServer, make_client: Callable[..., PubMedClient]
) -> None:
    httpserver.expect_request("/efetch.fcgi").respond_with_data("", content_type="text/xml")
    assert make_client().fetch(["999"]) == {}


@pytest.mark.parametrize("name", ["elink-36766698.json", "elink-scored.json"])
def test_cited_by_sends_citedin_request(
    httpserver: HTTPServer, make_client: Callable[..., PubMedClient], name: str
) -> None:
    httpserver.expect_request("/elink.fcgi").respond_with_data(
        payload(name), content_type="application/json"
    )
    assert make_client(api_key="k").cited_by("36766698") == ["39857679", "39598465"]
    assert _args(httpserver) == [
        {
            "dbfrom": ["pubmed"],
            "db": ["pubmed"],
            "id": ["36766698"],
            "linkname": ["pubmed_pubmed_citedin"],
            "retmode": ["json"],
            "tool": ["exodesk"],
            "api_key": ["k"],
        }
    ]


@pytest.mark.parametrize("name", ["elink-no-linksetdbs.json", "elink-empty-linksetdbs.json"])
def test_cited_by_none(
    httpserver: HTTPServer, make_client: Callable[..., PubMedClient], name: str
) -> None:
    httpserver.expect_request("/elink.fcgi").respond_with_data(
        payload(name), content_type="application/json"
    )
    assert make_client().cited_by(40642746) == []


def test_cited_by_error_twice_is_bad_response(
    httpserver: HTTPServer, make_client: Callable[..., PubMedClient]
) -> None:
    httpserver.expect_request("/elink.fcgi").respond_with_data(
        payload("elink-error.json"), content_type="application/json"
    )
    with pytest.raises(EutilsError, match="TXCLIENT"):
        make_client().cited_by("27226389")
    assert len(httpserver.log) == 2


@pytest.mark.parametrize(
    ("name", "expected"),
    [("esearch-one.json", "36766698"), ("esearch-none.json", None), ("esearch-two.json", None)],
)
def test_pmid_for_doi(
    httpserver: HTTPServer,
    make_client: Callable[..., PubMedClient],
    name: str,
    expected: str | None,
) -> None:
    httpserver.expect_request("/esearch.fcgi").respond_with_data(
        payload(name), content_type="application/json"
    )
    assert make_client().pmid_for_doi("https://doi.org/10.3390/cells12030356") == expected
    assert _args(httpserver) == [
        {
            "db": ["pubmed"],
            "term": ['"10.3390/cells12030356"[doi]'],
            "retmax": ["2"],
            "retmode": ["json"],
            "tool": ["exodesk"],
        }
    ]


def test_pmid_for_doi_with_a_quote_is_not_searched(
    httpserver: HTTPServer, make_client: Callable[..., PubMedClient]
) -> None:
    client = make_client()
    assert client.pmid_for_doi('10.1000/a"b') is None
    with pytest.raises(InvalidIdentifier):
        client.pmid_for_doi("not a doi")
    assert httpserver.log == []
