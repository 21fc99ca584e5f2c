"""A whole sync run against local stand-ins of PubMed, Europe PMC and Crossref."""

from __future__ import annotations

import itertools
import threading

import pytest

from exodesk.core.query import Scope, WorkQuery
from exodesk.core.records import Source
from exodesk.storage.library import Library
from exodesk.sync.config import make_http_client
from exodesk.sync.http import RetryPolicy
from exodesk.syncing import SyncService, add_by_identifiers

FAST = RetryPolicy(attempts=3, base_delay=0.05, max_delay=0.2)


def service(library: Library, upstream, **kwargs) -> SyncService:  # type: ignore[no-untyped-def]
    config = upstream.config()
    http = make_http_client(config, retry=FAST, should_cancel=kwargs.get("should_cancel"))
    return SyncService(library, config, http=http, **kwargs)


def test_happy_path_fills_titles_adds_citing_articles_and_records_sources(
    library: Library, upstream
) -> None:
    review_id = library.tracked_review_id()
    assert review_id is not None
    report = service(library, upstream).run()
    assert report.status == "completed", report.errors
    assert report.errors == []
    for pmid in ("39857679", "39598465"):
        work = library.get_work(library.find_work_id(pmid=pmid))  # type: ignore[arg-type]
        assert work.title == f"Synthetic title for PMID {pmid} (test fixture)"
        assert not work.needs_metadata and work.provenance["title"] is Source.SYNC
    added = {item["pmid"]: item for item in report.added}
    assert set(added) == {"40111111", "40222222"}
    assert added["40111111"]["title"] == "Synthetic citing article one (test fixture)"
    one = library.find_work_id(pmid="40111111")
    two = library.find_work_id(pmid="40222222")
    assert library.citation_sources(one, review_id) == ["pubmed"]  # type: ignore[arg-type]
    assert library.citation_sources(two, review_id) == ["europepmc"]  # type: ignore[arg-type]
    known = library.find_work_id(pmid="39886670")
    assert library.citation_sources(known, review_id) == ["seed", "pubmed", "europepmc"]  # type: ignore[arg-type]
    assert set(library.query_work_ids(WorkQuery(scope=Scope.NEW))) == {one, two}
    assert library.sidebar_counts().citing == 7
    abstract = library.get_work(library.find_work_id(pmid="39857679")).record.abstract  # type: ignore[arg-type]
    assert abstract == "Synthetic abstract for PMID 39857679 (test fixture)."
    host = upstream.server.host + ":" + str(upstream.server.port)
    assert report.requests == {host: upstream.requests_to("/")}
    run = library.sync_runs()[0]
    assert run["status"] == "completed" and len(run["added"]) == 2


def test_the_users_work_survives(library: Library, upstream) -> None:
    work_id = library.find_work_id(pmid="39857679")
    assert work_id is not None
    library.update_fields(work_id, {"title": "My own reading of this title"})
    library.tag_works("keep", [work_id])
    library.add_note(work_id, "my note")
    library.set_read([work_id])
    library.set_starred([work_id])
    service(library, upstream).run()
    work = library.get_work(work_id)
    assert work.title == "My own reading of this title"
    assert [t.name for t in work.tags] == ["keep"]
    assert [n.body for n in library.list_notes(work_id)] == ["my note"]
    assert work.is_read and work.starred
    assert library.suggestions(work_id)["title"] == (
        "Synthetic title for PMID 39857679 (test fixture)",
        "pubmed",
    )


def keys_by_pmid(library: Library) -> dict[str, str]:
    ids = library.query_work_ids(WorkQuery(scope=Scope.EVERYTHING))
    return {entry.record.pmid: entry.key for entry in library.entries_of(ids).values()}


def test_works_get_their_citation_key_when_sync_gives_them_a_title(
    library: Library, upstream
) -> None:
    upstream.works["40222222"].authors = ("Żółkiewska B",)
    before = keys_by_pmid(library)
    assert before["39598465"] == before["39857679"] == ""
    report = service(library, upstream, key_pattern="{Auth}{year}").run()
    assert report.status == "completed", report.errors
    keys = keys_by_pmid(library)
    # Filled in from PubMed (untitled seed works, whose authors the seed page gave), found
    # by PubMed (a PMID, then filled) and found by Europe PMC (added with its title and
    # authors): each keyed, with the run's pattern.
    assert keys["39598465"] == "Bogdanovic2024"
    assert keys["39857679"] == "Kharrat2025"
    assert keys["40111111"] == "Synthetic2025"
    assert keys["40222222"] == "Zolkiewska2025"
    # Keys a work had are kept: the seed's were made with the default pattern.
    kept = {pmid: key for pmid, key in before.items() if key}
    assert kept and all(keys[pmid] == key for pmid, key in kept.items())
    service(library, upstream, key_pattern="{journal}").run()
    assert keys_by_pmid(library) == keys


def test_a_work_sync_cannot_fill_stays_keyless(library: Library, upstream) -> None:
    del upstream.works["39598465"]
    service(library, upstream).run()
    keys = keys_by_pmid(library)
    assert keys["39598465"] == "" and keys["39857679"]


def test_a_key_given_before_the_title_came_is_kept(library: Library, upstream) -> None:
    work_id = library.find_work_id(pmid="39857679")
    assert work_id is not None
    library.assign_citation_keys([work_id], lambda _record: "mine")
    service(library, upstream).run()
    assert library.get_work(work_id).title and keys_by_pmid(library)["39857679"] == "mine"


def test_a_second_run_adds_nothing_new(library: Library, upstream) -> None:
    service(library, upstream).run()
    again = service(library, upstream).run()
    assert again.added == [] and again.status == "completed"
    assert library.sidebar_counts().new == 0


def test_429_and_500_are_retried(library: Library, upstream) -> None:
    upstream.faults["/eutils/elink.fcgi"].append((429, {"Retry-After": "1"}, "Too Many"))
    upstream.faults["/eutils/esummary.fcgi"].append((500, {}, "oops"))
    report = service(library, upstream).run()
    assert report.status == "completed" and report.errors == []
    times = upstream.arrivals["/eutils/elink.fcgi"]
    assert len(times) == 2 and times[1] - times[0] >= 0.95
    assert len(upstream.arrivals["/eutils/esummary.fcgi"]) == 2


def test_an_error_inside_a_200_is_reported_and_the_run_goes_on(library: Library, upstream) -> None:
    error = '{"header":{"type":"elink"},"linksets":[],"ERROR":"NCBI C++ Exception"}'
    upstream.faults["/eutils/elink.fcgi"] += [
        (200, {"Content-Type": "application/json"}, error)
    ] * 3
    report = service(library, upstream).run()
    assert report.status == "completed"
    assert any("NCBI C++ Exception" in line for line in report.errors)
    assert library.find_work_id(pmid="40222222") is not None  # Europe PMC still counted
    assert library.find_work_id(pmid="40111111") is None


def test_unknown_pmid_and_crossref_404_are_not_failures(library: Library, upstream) -> None:
    del upstream.works["39598465"]
    doi_only = library.add_work  # a work known only by DOI goes to Crossref
    from exodesk.core.records import WorkRecord

    lone = doi_only(WorkRecord(doi="10.5555/unknown.to.crossref"))
    report = service(library, upstream).run()
    assert report.status == "completed"
    assert "pubmed: PMID 39598465" in report.not_found
    assert "crossref: DOI 10.5555/unknown.to.crossref" in report.not_found
    assert library.sync_state(lone)["crossref"] == "not_found"
    assert library.get_work(library.find_work_id(pmid="39598465")).needs_metadata  # type: ignore[arg-type]


def test_malformed_json_and_html_pages_are_errors_not_crashes(library: Library, upstream) -> None:
    upstream.faults["/eutils/esummary.fcgi"].append(
        (200, {"Content-Type": "application/json"}, '{"result": {"uids": [')
    )
    upstream.faults["/europepmc/MED/36766698/citations"].append(
        (200, {"Content-Type": "text/html"}, "<html><body>Maintenance</body></html>")
    )
    report = service(library, upstream).run()
    assert report.status == "completed"
    assert len(report.errors) == 2


def test_truncated_xml_is_an_error(library: Library, upstream) -> None:
    upstream.faults["/eutils/efetch.fcgi"].append(
        (200, {"Content-Type": "text/xml"}, "<?xml version='1.0'?><PubmedArticleSet><Pub")
    )
    report = service(library, upstream).run()
    assert report.status == "completed"
    assert any("efetch" in line.lower() or "xml" in line.lower() for line in report.errors)


def test_a_read_timeout_is_retried(library: Library, upstream) -> None:
    config = upstream.config()
    http = make_http_client(config, retry=FAST)
    http.read_timeout = 0.3
    upstream.faults["/eutils/elink.fcgi"].append((0, {}, "0.8"))
    report = SyncService(library, config, http=http).run()
    assert report.status == "completed" and report.errors == []
    # The test server handles one request at a time, so a retry can wait behind the stalled
    # reply and time out too: at least one retry, then success.
    assert len(upstream.arrivals["/eutils/elink.fcgi"]) >= 2


def test_server_down_is_offline(library: Library) -> None:
    import socket

    from exodesk.sync.config import SyncConfig

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}/"
    config = SyncConfig(eutils_url=base, crossref_url=base, europepmc_url=base)
    before = library.sidebar_counts()
    report = SyncService(library, config, http=make_http_client(config, retry=FAST)).run()
    assert report.status == "offline"
    assert library.sidebar_counts() == before
    assert library.sync_runs()[0]["status"] == "offline"


def test_ncbi_rate_limit_holds(library: Library, upstream) -> None:
    service(library, upstream).run()
    times = sorted(t for path, ts in upstream.arrivals.items() if path.startswith("/eutils")
                   for t in ts)  # fmt: skip
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) >= 3  # elink, esummary, efetch
    assert min(gaps) >= 1 / 3 - 0.02  # never more than 3 requests a second without a key


def test_cancel_stops_promptly_and_keeps_each_work_whole(library: Library, upstream) -> None:
    upstream.delay = 0.3
    stop = threading.Event()
    sync = service(library, upstream, should_cancel=stop.is_set)
    timer = threading.Timer(0.5, stop.set)
    timer.start()
    report = sync.run()
    timer.cancel()
    assert report.status == "cancelled"
    assert library.sync_runs()[0]["status"] == "cancelled"
    for work_id in library.query_work_ids(WorkQuery(scope=Scope.ALL)):
        work = library.get_work(work_id)
        assert work.needs_metadata == (work.title == "")


def test_add_by_identifiers(library: Library, upstream) -> None:
    upstream.crossref["10.5555/synthetic.cr"] = {
        "DOI": "10.5555/synthetic.cr", "type": "journal-article",
        "title": ["Synthetic Crossref record (test fixture)"], "container-title": ["Synth J"],
        "author": [{"given": "Ana", "family": "Nowak"}], "issued": {"date-parts": [[2024]]},
    }  # fmt: skip
    config = upstream.config()
    ids, problems = add_by_identifiers(
        library, ["40111111", "10.5555/synthetic.cr", "not-an-id"], config,
        cites_review=True, http=make_http_client(config, retry=FAST),
    )  # fmt: skip
    assert len(ids) == 2 and len(problems) == 1 and problems[0].startswith("not-an-id")
    titles = {library.get_work(i).title for i in ids}
    assert titles == {"Synthetic citing article one (test fixture)",
                      "Synthetic Crossref record (test fixture)"}  # fmt: skip
    assert library.sidebar_counts().citing == 7


@pytest.mark.parametrize("key", ["", "s3cret-key-value"])
def test_tool_email_and_key_are_sent(library: Library, upstream, key: str) -> None:
    config = upstream.config(api_key=key)
    SyncService(library, config, http=make_http_client(config, retry=FAST)).run()
    log = upstream.server.log
    eutils = [request for request, _response in log if request.path.startswith("/eutils")]
    assert eutils and all(r.args.get("tool") == "exodesk" for r in eutils)
    assert all(r.args.get("email") == "lab@example.org" for r in eutils)
    assert all(r.args.get("api_key") == (key or None) for r in eutils)
