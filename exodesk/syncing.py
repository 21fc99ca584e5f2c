"""A sync run: find new citing articles, fill in missing metadata, log what happened.

Ties the web-service clients (``exodesk.sync``) to the library. Every work is merged in its
own transaction under the rule of ``exodesk.sync.merge`` (fill, refresh what sync wrote,
never overrule the user), so a crash or a cancel leaves each work either as it was or fully
updated. Runs on whatever thread calls ``run``; the GUI runs it on a worker thread and the
command line in the foreground.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from exodesk.core.citekeys import DEFAULT_PATTERN, CitationKeyGenerator
from exodesk.core.records import Work, WorkRecord
from exodesk.storage.errors import LibraryError
from exodesk.storage.library import Library
from exodesk.sync.config import SyncConfig, make_http_client
from exodesk.sync.crossref import CrossrefClient
from exodesk.sync.errors import Cancelled, NotFound, Offline, SyncError
from exodesk.sync.europepmc import EuropePmcClient
from exodesk.sync.http import HttpClient, host_of
from exodesk.sync.merge import plan_merge
from exodesk.sync.pubmed import PubMedClient

log = logging.getLogger(__name__)

#: esummary and efetch take up to this many ids per request (NCBI's documented batch).
PUBMED_BATCH = 200

Progress = Callable[[str, int, int], None]


@dataclass
class SyncReport:
    status: str = "running"  # completed, cancelled, offline
    added: list[dict[str, Any]] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    reached: set[str] = field(default_factory=set)  # services that answered at least once

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "added": self.added,
            "updated": sorted(set(self.updated)),
            "errors": self.errors,
            "not_found": self.not_found,
            "requests": dict(self.requests),
        }

    def summary(self) -> str:
        return (
            f"{len(self.added)} new citing article(s), {len(set(self.updated))} work(s) "
            f"updated, {len(self.errors)} error(s)"
        )


class SyncService:
    def __init__(
        self,
        library: Library,
        config: SyncConfig,
        *,
        http: HttpClient | None = None,
        should_cancel: Callable[[], bool] | None = None,
        progress: Progress | None = None,
        on_changed: Callable[[list[int]], None] | None = None,
        key_pattern: str = DEFAULT_PATTERN,
    ) -> None:
        self.library = library
        # Works are keyed when they get a title, as imports key theirs (see storage.citekeys).
        self._make_key = CitationKeyGenerator(key_pattern).make_key
        self.http = http or make_http_client(config, should_cancel=should_cancel)
        self.pubmed = PubMedClient(self.http, config)
        self.crossref = CrossrefClient(self.http, config)
        self.europepmc = EuropePmcClient(self.http, config)
        self._should_cancel = should_cancel or (lambda: False)
        self._progress = progress or (lambda _step, _done, _total: None)
        self._on_changed = on_changed or (lambda _ids: None)
        self.report = SyncReport()
        self._unreachable: set[str] = set()  # hosts
        self._hosts = {
            "pubmed": host_of(config.eutils_url),
            "crossref": host_of(config.crossref_url),
            "europepmc": host_of(config.europepmc_url),
        }

    # -- the run ---------------------------------------------------------------------------
    def run(self) -> SyncReport:
        run_id = self.library.start_sync_run()
        try:
            self._discover_citing()
            self._fill_metadata()
            self.report.status = "completed" if self.report.reached else "offline"
        except Cancelled:
            self.report.status = "cancelled"
        finally:
            self.report.requests = dict(Counter(self.http.requests_per_host))
            try:
                self.library.finish_sync_run(run_id, self.report.status, self.report.to_json())
            except LibraryError as error:  # the run's own log must not hide its outcome
                log.error("could not log the sync run: %s", error)
        return self.report

    def _check_cancel(self) -> None:
        if self._should_cancel():
            raise Cancelled

    def _call(self, service: str, what: str, call: Callable[[], Any]) -> Any:
        """Run one client call; a service error becomes a line in the report, not a stop.

        A host found unreachable (after the client's retries) is not asked again in this
        run: without a network a run ends in seconds, not minutes."""
        self._check_cancel()
        if self._hosts[service] in self._unreachable:
            return None
        try:
            result = call()
        except Cancelled:
            raise
        except NotFound:
            self.report.reached.add(service)
            self.report.not_found.append(f"{service}: {what}")
            return None
        except Offline as error:
            self._unreachable.add(self._hosts[service])
            self.report.errors.append(f"{service}: {what}: {error}")
            return None
        except SyncError as error:
            self.report.reached.add(service)
            self.report.errors.append(f"{service}: {what}: {error}")
            return None
        self.report.reached.add(service)
        return result

    # -- step 1: citing articles ---------------------------------------------------------
    def _discover_citing(self) -> None:
        reviews = self._tracked_reviews()
        self.library.clear_new_flags()
        for number, review in enumerate(reviews, start=1):
            self._progress("Finding citing articles", number, len(reviews))
            if not review.pmid:
                continue
            from_pubmed = self._call(
                "pubmed", f"citing articles of PMID {review.pmid}",
                partial(self.pubmed.cited_by, review.pmid),
            )  # fmt: skip
            for pmid in from_pubmed or ():
                self._add_citing(review.id, WorkRecord(pmid=pmid), "pubmed")
            from_europepmc = self._call(
                "europepmc", f"citing articles of PMID {review.pmid}",
                partial(self.europepmc.citations, review.pmid),
            )  # fmt: skip
            for record in from_europepmc or ():
                self._add_citing(review.id, record, "europepmc")

    def _tracked_reviews(self) -> list[Work]:
        review_id = self.library.tracked_review_id()
        return [] if review_id is None else [self.library.get_work(review_id)]

    def _add_citing(self, review_id: int, record: WorkRecord, service: str) -> None:
        self._check_cancel()
        try:
            work_id, created = self.library.add_citing_work(
                review_id, record, service, make_key=self._make_key
            )
        except (LibraryError, ValueError) as error:
            self.report.errors.append(f"{service}: {record.pmid or record.doi}: {error}")
            return
        if created:
            self.report.added.append({"id": work_id, "pmid": record.pmid, "doi": record.doi})
            self._on_changed([work_id])

    # -- step 2: metadata ----------------------------------------------------------------
    def _fill_metadata(self) -> None:
        targets = self.library.sync_targets()
        by_pmid = {pmid: work_id for work_id, _doi, pmid in targets if pmid}
        self._fill_from_pubmed(by_pmid)
        doi_only = [(work_id, doi) for work_id, doi, pmid in targets if doi and not pmid]
        self._fill_from_crossref(doi_only)
        for added in self.report.added:
            work = self.library.get_work(added["id"])
            added.update(title=work.title, doi=work.doi, pmid=work.pmid)

    def _fill_from_pubmed(self, by_pmid: dict[str, int]) -> None:
        pmids = list(by_pmid)
        batches = list(_batches(pmids, PUBMED_BATCH))
        for number, batch in enumerate(batches, start=1):
            self._progress("Filling in metadata from PubMed", number, len(batches))
            summary = self._call(
                "pubmed", f"summaries of {len(batch)} PMIDs", partial(self.pubmed.summaries, batch)
            )
            if summary is not None:
                for pmid in summary.missing:
                    self.report.not_found.append(f"pubmed: PMID {pmid}")
                    self.library.set_sync_state(by_pmid[pmid], "pubmed", "not_found")
                self._merge_all(by_pmid, summary.records, "pubmed")
            full = self._call(
                "pubmed", f"abstracts of {len(batch)} PMIDs", partial(self.pubmed.fetch, batch)
            )
            if full is not None:
                self._merge_all(by_pmid, full, "pubmed")

    def _fill_from_crossref(self, doi_only: Sequence[tuple[int, str]]) -> None:
        for number, (work_id, doi) in enumerate(doi_only, start=1):
            self._progress("Filling in metadata from Crossref", number, len(doi_only))
            record = self._call("crossref", f"DOI {doi}", partial(self.crossref.work, doi))
            if record is None:
                if any(line == f"crossref: DOI {doi}" for line in self.report.not_found):
                    self.library.set_sync_state(work_id, "crossref", "not_found")
                continue
            self._merge(work_id, record, "crossref")

    def _merge_all(self, by_key: dict[str, int], records: dict[str, WorkRecord], service: str):
        for key, record in records.items():
            work_id = by_key.get(key)
            if work_id is not None:
                self._merge(work_id, record, service)

    def _merge(self, work_id: int, record: WorkRecord, service: str) -> None:
        self._check_cancel()

        def planner(work: Work) -> tuple[dict[str, Any], dict[str, Any]]:
            plan = plan_merge(work, record)
            return plan.updates, plan.suggestions

        try:
            changed = self.library.merge_upstream(work_id, planner, service, self._make_key)
        except (LibraryError, ValueError) as error:
            self.report.errors.append(f"{service}: work {work_id}: {error}")
            return
        if changed:
            self.report.updated.append(work_id)
            self._on_changed([work_id])


def _batches(items: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def add_by_identifiers(
    library: Library,
    items: Sequence[str],
    config: SyncConfig,
    *,
    cites_review: bool = False,
    key_pattern: str = DEFAULT_PATTERN,
    http: HttpClient | None = None,
) -> tuple[list[int], list[str]]:
    """Fetch DOIs/PMIDs and add them (or fill the works that have them); returns
    (work ids, problems). An added work gets its citation key from ``key_pattern``, as an
    import's works do: its record is fetched whole first."""
    from exodesk.core.identifiers import InvalidIdentifier, parse_identifier
    from exodesk.storage.importing import ImportOptions

    client = http or make_http_client(config)
    pubmed = PubMedClient(client, config)
    crossref = CrossrefClient(client, config)
    added: list[int] = []
    problems: list[str] = []
    review_id = library.tracked_review_id() if cites_review else None
    for item in items:
        try:
            kind, value = parse_identifier(item)
            record = _fetch_one(pubmed, crossref, kind, value)
        except (InvalidIdentifier, SyncError) as error:
            problems.append(f"{item}: {error}")
            continue
        options = ImportOptions(origin=f"added {item}", cites_review_id=review_id,
                                edge_source="user", key_pattern=key_pattern)  # fmt: skip
        from exodesk.core.entries import BibEntry

        outcome = library.import_entries([([BibEntry(record=record)], options)])[0]
        added.extend(outcome.added + outcome.merged)
        problems.extend(f"{item}: {p.message}" for p in outcome.skipped)
    return added, problems


def _fetch_one(pubmed: PubMedClient, crossref: CrossrefClient, kind: str, value: str) -> WorkRecord:
    if kind == "doi":
        return crossref.work(value)
    pmid = value
    if kind == "pmcid":
        raise NotFound(f"adding by PMCID is not supported; use the PMID or DOI ({value})")
    records = pubmed.summaries([pmid])
    if pmid not in records.records:
        raise NotFound(f"PubMed has no record for PMID {pmid}")
    return records.records[pmid]
