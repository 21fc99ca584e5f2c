"""Parsing, validation and normalisation of DOIs, PMIDs and PMCIDs.

Every identifier that enters exodesk (seed page, imported file, web service, user input)
goes through here, so the rest of the code can rely on one normal form:

* DOI: the bare name, ``10.3390/cells12030356``, in its original case (for display);
  compare and look up with :func:`doi_key`.
* PMID: decimal digits without leading zeros, ``36766698``.
* PMCID: ``PMC`` plus digits without leading zeros, ``PMC11779718``.

Pure code: no Qt, no SQL, no network.
"""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import unquote

__all__ = [
    "MAX_DOI_LENGTH",
    "IdentifierKind",
    "InvalidIdentifier",
    "doi_key",
    "is_strict_doi",
    "normalize_doi",
    "normalize_pmcid",
    "normalize_pmid",
    "parse_identifier",
]

IdentifierKind = Literal["doi", "pmid", "pmcid"]

#: The DOI Handbook sets no limit; this one only keeps garbage out of the database.
MAX_DOI_LENGTH = 1000
#: PMIDs and PMCIDs are below 10**9 today; one spare digit keeps us safe for decades.
_MAX_NUMERIC_DIGITS = 10

# re.ASCII everywhere: without it \d accepts e.g. Arabic-Indic digits, and re.I lets the
# Kelvin sign match "k" -- neither belongs in an identifier.
_DOI_URL_PREFIX = re.compile(r"(?:https?://)?(?:dx\.|www\.)?doi\.org/", re.I | re.ASCII)
_DOI_SCHEME_PREFIX = re.compile(r"doi:\s*", re.I | re.ASCII)
_DOI_SHAPE = re.compile(r"10\.[0-9]{4,9}/.+", re.ASCII | re.DOTALL)
_CROSSREF_DOI = re.compile(r"10\.\d{4,9}/[-._;()/:A-Z0-9]+", re.I | re.ASCII)
_PMID = re.compile(r"(?:pmid\s*:?\s*)?([0-9]+)", re.I | re.ASCII)
# "pmc-id: PMC12240957;" is how esummary spells its ``pmcid`` article id.
_PMCID = re.compile(r"(?:pmc-?id\s*:?\s*)?(?:pmc)?([0-9]+);?", re.I | re.ASCII)

_ASCII_LOWER = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "abcdefghijklmnopqrstuvwxyz",
)


class InvalidIdentifier(ValueError):
    """An identifier that cannot be parsed; the message names the kind and the value."""

    def __init__(self, kind: str, value: object, reason: str = "") -> None:
        self.kind = kind
        self.value = value
        self.reason = reason
        message = f"invalid {kind}: {_preview(value)}"
        super().__init__(f"{message} ({reason})" if reason else message)

    def __reduce__(self) -> tuple[type[InvalidIdentifier], tuple[str, object, str]]:
        # The default pickling would call __init__ with the message alone.
        return (type(self), (self.kind, self.value, self.reason))


def _preview(value: object) -> str:
    """``repr(value)`` cut to about 80 characters: a pasted document must not fill a dialog."""
    if isinstance(value, (str, bytes)):
        value = value[:80]  # no need to repr megabytes only to cut them off
    try:
        shown = repr(value)
    except ValueError:  # an int beyond sys.get_int_max_str_digits()
        shown = f"<{type(value).__name__}>"
    return shown if len(shown) <= 80 else shown[:77] + "..."


def _split_doi_prefix(text: str) -> tuple[str, bool]:
    """Remove a resolver-URL or ``doi:`` prefix; return the rest and whether it was a URL."""
    if match := _DOI_URL_PREFIX.match(text):
        return text[match.end() :], True
    if match := _DOI_SCHEME_PREFIX.match(text):
        return text[match.end() :], False
    return text, False


def normalize_doi(text: str) -> str:
    """Return the bare DOI in ``text``, e.g. ``10.3390/cells12030356``.

    Accepts the bare name and the ``doi:`` and ``[http[s]://][dx.|www.]doi.org/`` forms
    (prefixes matched case-insensitively); the rest of a URL form is percent-decoded.
    The case of the name is kept. Besides the ``10.<4-9 digits>/<suffix>`` shape, the
    suffix may hold any printable Unicode character except whitespace: real DOIs contain
    ``<>#?%;`` and more, which :mod:`exodesk.core.links` percent-encodes.

    Raises:
        InvalidIdentifier: not a DOI, or it holds whitespace/control characters, or it is
            longer than :data:`MAX_DOI_LENGTH`.
    """
    if not isinstance(text, str):
        raise InvalidIdentifier("DOI", text, "not a string")
    doi, from_url = _split_doi_prefix(text.strip())
    if from_url:
        try:
            # strict: bytes that are not UTF-8 would silently become U+FFFD otherwise
            doi = unquote(doi, errors="strict")
        except UnicodeDecodeError:
            raise InvalidIdentifier("DOI", text, "bad percent-encoding") from None
    if len(doi) > MAX_DOI_LENGTH:
        raise InvalidIdentifier("DOI", text, f"longer than {MAX_DOI_LENGTH} characters")
    if not _DOI_SHAPE.fullmatch(doi):
        raise InvalidIdentifier("DOI", text, "expected 10.NNNN/suffix")
    # isprintable() is False for control, format (invisible), surrogate, private-use and
    # unassigned characters and for every separator except the ASCII space, which is the
    # one printable character isspace() accepts (a test checks every code point).
    if not doi.isprintable() or " " in doi:
        raise InvalidIdentifier("DOI", text, "contains whitespace or control characters")
    return doi


def doi_key(doi: str) -> str:
    """Return the comparison/lookup key of a normalised DOI.

    DOI names are case-insensitive for ASCII letters only (DOI Handbook), so only A-Z are
    folded; ``str.lower()`` would also fold e.g. ``Ä``, merging distinct DOIs.
    """
    return doi.translate(_ASCII_LOWER)


def is_strict_doi(doi: str) -> bool:
    """Whether ``doi`` matches Crossref's regex for modern DOIs.

    Informational only (e.g. to flag a suspicious import): old Wiley DOIs and other valid
    names fail it.
    """
    # fullmatch, not "^...$": "$" would also accept a trailing newline.
    return bool(_CROSSREF_DOI.fullmatch(doi))


def _positive_number(kind: str, value: object, pattern: re.Pattern[str]) -> str:
    """Return the digits of ``value`` (an int, or text matching ``pattern``), no leading zeros."""
    if isinstance(value, bool):  # bool is an int subclass, but True is not PMID 1
        raise InvalidIdentifier(kind, value, "not a number")
    if isinstance(value, int):
        # Range check before str(): str() of a huge int raises a plain ValueError.
        if not 0 < value < 10**_MAX_NUMERIC_DIGITS:
            raise InvalidIdentifier(kind, value, "out of range")
        return str(value)
    if not isinstance(value, str):
        raise InvalidIdentifier(kind, value, "not a string or integer")
    match = pattern.fullmatch(value.strip())
    if not match:
        raise InvalidIdentifier(kind, value)
    # String operations rather than int(): int() of a long digit string raises ValueError.
    digits = match.group(1).lstrip("0")
    if not digits:
        raise InvalidIdentifier(kind, value, "must be greater than zero")
    if len(digits) > _MAX_NUMERIC_DIGITS:
        raise InvalidIdentifier(kind, value, "too many digits")
    return digits


def normalize_pmid(text: str | int) -> str:
    """Return a PubMed ID as digits without leading zeros, e.g. ``36766698``.

    Accepts an int, ``"36766698"``, ``"PMID: 36766698"`` or ``"pmid:36766698"``.

    Raises:
        InvalidIdentifier: not a positive number of at most 10 digits.
    """
    return _positive_number("PMID", text, _PMID)


def normalize_pmcid(text: str | int) -> str:
    """Return a PubMed Central ID as ``PMC`` plus digits, e.g. ``PMC11779718``.

    Accepts an int, ``"PMC11779718"`` (any case), ``"11779718"``, ``"PMCID: PMC11779718"``
    and esummary's ``"pmc-id: PMC12240957;"``.

    Raises:
        InvalidIdentifier: not a positive number of at most 10 digits.
    """
    return "PMC" + _positive_number("PMCID", text, _PMCID)


def parse_identifier(text: str) -> tuple[IdentifierKind, str]:
    """Classify and normalise an identifier typed by the user.

    DOI forms (bare, ``doi:``, resolver URL) give ``("doi", ...)``; anything starting with
    ``PMC`` gives ``("pmcid", ...)``; digits, optionally after ``PMID:``, give ``("pmid", ...)``.

    Raises:
        InvalidIdentifier: nothing fits, or the text looks like a DOI but is not a valid one
            (the error then explains what is wrong with the DOI).
    """
    if not isinstance(text, str):
        raise InvalidIdentifier("identifier", text, "not a string")
    stripped = text.strip()
    rest, _ = _split_doi_prefix(stripped)
    if rest != stripped or rest.startswith("10."):
        return "doi", normalize_doi(stripped)
    if stripped[:3].lower() == "pmc":
        return "pmcid", normalize_pmcid(stripped)
    if _PMID.fullmatch(stripped):
        return "pmid", normalize_pmid(stripped)
    raise InvalidIdentifier("identifier", text, "expected a DOI, PMID or PMCID")
