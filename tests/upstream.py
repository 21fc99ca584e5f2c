"""A stand-in for PubMed E-utilities, Crossref and Europe PMC on 127.0.0.1.

Serves replies in each service's format (the shapes of docs/upstream-apis.md) for a small
world of works, records when each request arrived, and can be told to misbehave: answer 429
or 500 first, time out, return errors inside a 200, or be slow.

Titles for the two seed articles whose real titles are unknown are plain placeholders.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from werkzeug import Request, Response

from exodesk.sync.config import SyncConfig

REVIEW_PMID = "36766698"


@dataclass
class UpstreamWork:
    pmid: str
    title: str
    doi: str = ""
    pmcid: str = ""
    journal: str = "Synthetic Journal"
    year: str = "2025"
    authors: tuple[str, ...] = ("Synthetic A",)
    abstract: str = ""


def seed_world() -> dict[str, UpstreamWork]:
    works = [
        UpstreamWork(REVIEW_PMID, "The Role of Exosomes in Human Carcinogenesis and Cancer "
                     "Therapy-Recent Findings from Molecular and Clinical Research.",
                     doi="10.3390/cells12030356", journal="Cells", year="2023",
                     authors=("Stefańska K", "Józkowiak M")),
        UpstreamWork("39886670", "Exosomal lncRNAs as diagnostic and therapeutic targets in "
                     "multiple myeloma.", doi="10.3389/fonc.2024.1522491", pmcid="PMC11779718"),
        UpstreamWork("39857679", "Synthetic title for PMID 39857679 (test fixture).",
                     doi="10.3390/biomedicines13010095", pmcid="PMC11759861",
                     abstract="Synthetic abstract for PMID 39857679 (test fixture)."),
        UpstreamWork("39849585", "Mesenchymal stem cells derived exosomes: a new era in cardiac "
                     "regeneration.", doi="10.1186/s13287-024-04123-2", pmcid="PMC11756228"),
        UpstreamWork("39817143", "Exosomes as promising frontier approaches in future cancer "
                     "therapy.", doi="10.4251/wjgo.v17.i1.100713", pmcid="PMC11664615"),
        UpstreamWork("39598465", "Synthetic title for PMID 39598465 (test fixture).",
                     doi="10.3390/ph17111556", pmcid="PMC11597078", year="2024"),
        UpstreamWork("40111111", "Synthetic citing article one (test fixture).",
                     doi="10.5555/synthetic.one"),
        UpstreamWork("40222222", "Synthetic citing article two (test fixture).",
                     doi="10.5555/synthetic.two"),
    ]  # fmt: skip
    return {work.pmid: work for work in works}


@dataclass
class Upstream:
    server: Any  # pytest_httpserver.HTTPServer
    works: dict[str, UpstreamWork] = field(default_factory=seed_world)
    cited_by_pubmed: list[str] = field(
        default_factory=lambda: [
            "39886670",
            "39857679",
            "39849585",
            "39817143",
            "39598465",
            "40111111",
        ]
    )
    cited_by_europepmc: list[str] = field(default_factory=lambda: ["39886670", "40222222"])
    #: path -> list of replies to give first (status, headers, body), before normal service.
    faults: dict[str, list[tuple[int, dict[str, str], str]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    delay: float = 0.0  # seconds every reply waits (a slow service)
    arrivals: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    crossref: dict[str, dict[str, Any]] = field(default_factory=dict)  # DOI -> message

    def install(self) -> Upstream:
        for path, handler in (
            ("/eutils/esummary.fcgi", self._esummary),
            ("/eutils/efetch.fcgi", self._efetch),
            ("/eutils/elink.fcgi", self._elink),
            ("/eutils/esearch.fcgi", self._esearch),
        ):
            self.server.expect_request(path).respond_with_handler(self._wrap(path, handler))
        epmc = f"/europepmc/MED/{REVIEW_PMID}/citations"
        self.server.expect_request(epmc).respond_with_handler(self._wrap(epmc, self._epmc))
        self.server.expect_request(path_prefix_matcher("/crossref/works/")).respond_with_handler(
            self._wrap("/crossref/works", self._crossref)
        )
        return self

    def config(self, **overrides: str) -> SyncConfig:
        return SyncConfig(
            eutils_url=self.server.url_for("/eutils/"),
            crossref_url=self.server.url_for("/crossref/"),
            europepmc_url=self.server.url_for("/europepmc/"),
            email=overrides.get("email", "lab@example.org"),
            ncbi_api_key=overrides.get("api_key", ""),
        )

    def environment(self) -> dict[str, str]:
        return {
            "EXODESK_EUTILS_URL": self.server.url_for("/eutils/"),
            "EXODESK_CROSSREF_URL": self.server.url_for("/crossref/"),
            "EXODESK_EUROPEPMC_URL": self.server.url_for("/europepmc/"),
            "EXODESK_EMAIL": "lab@example.org",
        }

    def requests_to(self, prefix: str) -> int:
        return sum(len(times) for path, times in self.arrivals.items() if path.startswith(prefix))

    # -- plumbing -------------------------------------------------------------------------
    def _wrap(self, key: str, handler: Callable[[Request], Response]) -> Callable[..., Response]:
        def serve(request: Request) -> Response:
            self.arrivals[key].append(time.monotonic())
            if self.delay:
                time.sleep(self.delay)
            if self.faults.get(key):
                status, headers, body = self.faults[key].pop(0)
                if status == 0:  # a read timeout: say nothing for longer than the client waits
                    time.sleep(float(body))
                    return Response("{}", 200, content_type="application/json")
                return Response(body, status, headers=headers)
            return handler(request)

        return serve

    @staticmethod
    def _json(data: Any) -> Response:
        return Response(json.dumps(data), 200, content_type="application/json")

    # -- E-utilities ------------------------------------------------------------------------
    def _esummary(self, request: Request) -> Response:
        ids = [i for i in request.args.get("id", "").split(",") if i]
        result: dict[str, Any] = {"uids": ids}
        for pmid in ids:
            work = self.works.get(pmid)
            result[pmid] = (
                {"uid": pmid, "error": "cannot get document summary"}
                if work is None
                else summary_doc(work)
            )
        return self._json({"header": {"type": "esummary", "version": "0.3"}, "result": result})

    def _efetch(self, request: Request) -> Response:
        ids = [i for i in request.args.get("id", "").split(",") if i]
        articles = "".join(efetch_article(self.works[i]) for i in ids if i in self.works)
        body = f'<?xml version="1.0" ?>\n<PubmedArticleSet>{articles}</PubmedArticleSet>'
        return Response(body, 200, content_type="text/xml")

    def _elink(self, request: Request) -> Response:
        pmid = request.args.get("id", "")
        links = self.cited_by_pubmed if pmid == REVIEW_PMID else []
        linkset: dict[str, Any] = {"dbfrom": "pubmed", "ids": [pmid]}
        if links:
            linkset["linksetdbs"] = [
                {"dbto": "pubmed", "linkname": "pubmed_pubmed_citedin", "links": links}
            ]
        return self._json({"header": {"type": "elink", "version": "0.3"}, "linksets": [linkset]})

    def _esearch(self, request: Request) -> Response:
        term = request.args.get("term", "")
        found = [w.pmid for w in self.works.values() if w.doi and f'"{w.doi}"' in term]
        return self._json(
            {"header": {"type": "esearch", "version": "0.3"},
             "esearchresult": {"count": str(len(found)), "retmax": "20", "retstart": "0",
                               "idlist": found}}
        )  # fmt: skip

    # -- Europe PMC and Crossref --------------------------------------------------------------
    def _epmc(self, request: Request) -> Response:
        items = [
            {"id": pmid, "source": "MED", "title": self.works[pmid].title,
             "authorString": ", ".join(self.works[pmid].authors),
             "journalAbbreviation": self.works[pmid].journal,
             "pubYear": int(self.works[pmid].year)}
            for pmid in self.cited_by_europepmc
        ]  # fmt: skip
        return self._json(
            {"version": "6.9", "hitCount": len(items), "request": {},
             "citationList": {"citation": items}}
        )  # fmt: skip

    def _crossref(self, request: Request) -> Response:
        doi = request.path.split("/crossref/works/", 1)[1]
        from urllib.parse import unquote

        message = self.crossref.get(unquote(doi).lower())
        if message is None:
            return Response("Resource not found.", 404, content_type="text/plain")
        return self._json(
            {"status": "ok", "message-type": "work", "message-version": "1.0.0",
             "message": message}
        )  # fmt: skip


def path_prefix_matcher(prefix: str) -> Any:
    from pytest_httpserver import URIPattern

    class Prefix(URIPattern):
        def match(self, uri: str) -> bool:
            return uri.startswith(prefix)

    return Prefix()


def summary_doc(work: UpstreamWork) -> dict[str, Any]:
    ids = [{"idtype": "pubmed", "idtypen": 1, "value": work.pmid}]
    if work.doi:
        ids.append({"idtype": "doi", "idtypen": 3, "value": work.doi})
    if work.pmcid:
        ids.append({"idtype": "pmc", "idtypen": 8, "value": work.pmcid})
    return {
        "uid": work.pmid, "pubdate": work.year, "epubdate": "", "source": work.journal,
        "authors": [{"name": name, "authtype": "Author", "clusterid": ""}
                    for name in work.authors],
        "title": work.title, "volume": "1", "issue": "", "pages": "",
        "fulljournalname": work.journal.lower(), "articleids": ids,
        "elocationid": f"doi: {work.doi}" if work.doi else "", "pubtype": ["Journal Article"],
        "lang": ["eng"],
    }  # fmt: skip


def efetch_article(work: UpstreamWork) -> str:
    abstract = (
        f"<Abstract><AbstractText>{work.abstract}</AbstractText></Abstract>"
        if work.abstract
        else ""
    )
    ids = f'<ArticleId IdType="pubmed">{work.pmid}</ArticleId>'
    if work.doi:
        ids += f'<ArticleId IdType="doi">{work.doi}</ArticleId>'
    if work.pmcid:
        ids += f'<ArticleId IdType="pmc">{work.pmcid}</ArticleId>'
    return (
        f'<PubmedArticle><MedlineCitation><PMID Version="1">{work.pmid}</PMID>'
        f"<Article><Journal><JournalIssue><PubDate><Year>{work.year}</Year></PubDate>"
        f"</JournalIssue><Title>{work.journal}</Title></Journal>"
        f"<ArticleTitle>{work.title}</ArticleTitle>{abstract}</Article></MedlineCitation>"
        f"<PubmedData><ArticleIdList>{ids}</ArticleIdList></PubmedData></PubmedArticle>"
    )
