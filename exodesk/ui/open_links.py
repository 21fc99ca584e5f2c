"""The only road from exodesk to the web browser.

Every address handed to ``QDesktopServices.openUrl`` is built by ``exodesk.core.links`` from
an identifier that passed validation, and checked once more by ``is_allowed_url`` right
before it leaves. Anything else is refused with a message; nothing is opened.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices

from exodesk.core.identifiers import InvalidIdentifier
from exodesk.core.links import doi_url, is_allowed_url, pmc_url, pubmed_url


class LinkKind(str, Enum):
    DOI = "doi"
    PUBMED = "pubmed"
    PMC = "pmc"


_BUILDERS: dict[LinkKind, Callable[[str], str]] = {
    LinkKind.DOI: doi_url,
    LinkKind.PUBMED: pubmed_url,
    LinkKind.PMC: pmc_url,
}
_LABELS = {LinkKind.DOI: "DOI", LinkKind.PUBMED: "PMID", LinkKind.PMC: "PMCID"}


class LinkRefused(Exception):
    """The identifier or address is not one exodesk will open; the message says why."""


def url_for(kind: LinkKind, identifier: str) -> str:
    label = _LABELS[kind]
    if not identifier:
        raise LinkRefused(f"This work has no {label}.")
    try:
        url = _BUILDERS[kind](identifier)
    except InvalidIdentifier as error:
        raise LinkRefused(f"Not opened: {error}") from None
    if not is_allowed_url(url):  # defence in depth: the builders should never get here
        raise LinkRefused(f"Not opened: {url!r} is not a DOI, PubMed or PMC address.")
    return url


def open_identifier(kind: LinkKind, identifier: str) -> str:
    """Open the page of an identifier in the browser; returns the URL opened.

    Raises LinkRefused when the identifier does not validate.
    """
    url = url_for(kind, identifier)
    QDesktopServices.openUrl(QUrl(url, QUrl.ParsingMode.StrictMode))
    return url


def link_href(kind: LinkKind, identifier: str) -> str:
    """An in-app anchor for rich text; clicking it routes back through ``open_href``.

    Rich-text views never get a real web address, so Qt can never open one on its own.
    """
    return f"exodesk-open:{kind.value}:{identifier}"


def open_href(href: str) -> str:
    """Open an anchor made by ``link_href``; raises LinkRefused for any other text."""
    scheme, _, rest = href.partition(":")
    kind_name, _, identifier = rest.partition(":")
    if scheme != "exodesk-open" or kind_name not in {k.value for k in LinkKind}:
        raise LinkRefused(f"Not opened: {href[:80]!r} is not a DOI, PubMed or PMC link.")
    return open_identifier(LinkKind(kind_name), identifier)
