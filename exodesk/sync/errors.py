"""What can go wrong when exodesk asks a web service, as exceptions a caller can act on."""

from __future__ import annotations


class SyncError(Exception):
    """Base class; the message is one readable line naming the service and what failed."""

    def __init__(self, message: str, *, host: str = "", url: str = "") -> None:
        super().__init__(message)
        self.host = host
        self.url = url


class Offline(SyncError):
    """The host could not be reached at all (DNS, refused connection, no network)."""


class ServiceFailed(SyncError):
    """The service kept failing (5xx, 429, timeouts) after every retry."""


class NotFound(SyncError):
    """The service does not know this item (e.g. Crossref 404 "Resource not found.").

    Not a failure of the run: very new DOIs can be missing for a while; try again later."""


class BadResponse(SyncError):
    """The reply could not be understood: malformed JSON or XML, an HTML error page where
    data was expected, or an error reported inside a 200 reply (E-utilities ``ERROR``)."""


class Cancelled(Exception):
    """The user cancelled; raised between requests, never in the middle of a write."""
