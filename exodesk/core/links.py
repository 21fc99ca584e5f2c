"""The only place where URLs to open in a browser are built and checked.

Identifiers come from imported files and web services, so they are untrusted: every URL is
built from a validated identifier, and :func:`is_allowed_url` is the gate in front of
anything that hands a URL to the desktop.
"""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit

from exodesk.core.identifiers import (
    normalize_doi,
    normalize_pmcid,
    normalize_pmid,
)

__all__ = ["doi_url", "is_allowed_url", "pmc_url", "pubmed_url"]

_DOI_HOST = "doi.org"
_PUBMED_HOST = "pubmed.ncbi.nlm.nih.gov"
_PMC_HOST = "pmc.ncbi.nlm.nih.gov"

# Left as they are (besides quote()'s always-safe letters, digits and "-._~"): "/" because
# Crossref says not to encode it, and the RFC 3986 path characters that the DOI Handbook
# does not ask to encode, so common DOIs such as old Wiley ones ("(SICI)...;2-D") stay
# readable. Everything else is encoded: the Handbook's mandatory "%", '"', "#", space, "?";
# its recommended "<>{}^[]`|\+"; and "&", "'" and all non-ASCII (as UTF-8).
_DOI_SAFE = "/:;()!$*,=@"


def _escape_dot_segments(path: str) -> str:
    """Encode one slash next to each "." or ".." segment, as the DOI Handbook asks.

    Browsers would otherwise resolve ``10.1000/./x`` to ``10.1000/x``. The slash after the
    segment is encoded (``/.%2F``); for a segment at the very end, the one before it. Dots
    cannot be encoded instead: WHATWG URLs treat ``%2e`` as a dot too.
    """
    parts = path.split("/")
    merged = [parts[0]]
    for part in parts[1:]:
        if merged[-1] in (".", ".."):
            merged[-1] += "%2F" + part
        else:
            merged.append(part)
    if len(merged) > 1 and merged[-1] in (".", ".."):
        last = merged.pop()
        merged[-1] += "%2F" + last
    return "/".join(merged)


def doi_url(doi: str) -> str:
    """Return the ``https://doi.org/`` resolver URL of a DOI (any form normalize_doi takes).

    Raises:
        InvalidIdentifier: ``doi`` is not a valid DOI.
    """
    encoded = quote(normalize_doi(doi), safe=_DOI_SAFE)
    return f"https://{_DOI_HOST}/{_escape_dot_segments(encoded)}"


def pubmed_url(pmid: str | int) -> str:
    """Return the PubMed page of a PMID, ``https://pubmed.ncbi.nlm.nih.gov/<PMID>/``.

    Raises:
        InvalidIdentifier: ``pmid`` is not a valid PMID.
    """
    return f"https://{_PUBMED_HOST}/{normalize_pmid(pmid)}/"


def pmc_url(pmcid: str | int) -> str:
    """Return the PubMed Central page of a PMCID, ``https://pmc.ncbi.nlm.nih.gov/articles/<PMCID>/``.

    Raises:
        InvalidIdentifier: ``pmcid`` is not a valid PMCID.
    """
    return f"https://{_PMC_HOST}/articles/{normalize_pmcid(pmcid)}/"


def is_allowed_url(url: str) -> bool:
    """Whether ``url`` is exactly a URL that one of the builders above would return.

    The identifier is taken out of the URL and the URL is rebuilt from it; only an exact
    match passes. That rejects other schemes and hosts, userinfo, ports, queries,
    fragments, stray whitespace and any non-canonical spelling, without a blocklist.
    """
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url)
        if parts.scheme != "https":
            return False
        if parts.netloc == _DOI_HOST:
            return doi_url(unquote(parts.path[1:], errors="strict")) == url
        if parts.netloc == _PUBMED_HOST:
            return pubmed_url(parts.path.strip("/")) == url
        if parts.netloc == _PMC_HOST:
            return pmc_url(parts.path.removeprefix("/articles/").strip("/")) == url
    except ValueError:  # InvalidIdentifier, and urlsplit's/unquote's errors, are ValueErrors
        return False
    return False
