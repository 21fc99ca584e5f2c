"""Where the web services live and how exodesk introduces itself to them.

Base URLs come from the settings and can be overridden by environment variables (for a
mirror, a proxy or a test server); each is a prefix ending in ``/`` that endpoint names are
appended to (``<eutils_url>esummary.fcgi``, ``<crossref_url>works/<doi>``,
``<europepmc_url>MED/<pmid>/citations``).

=========================  ==============================================================
environment variable       meaning
=========================  ==============================================================
``EXODESK_EUTILS_URL``     E-utilities base, default :data:`DEFAULT_EUTILS_URL`
``EXODESK_CROSSREF_URL``   Crossref REST API base, default :data:`DEFAULT_CROSSREF_URL`
``EXODESK_EUROPEPMC_URL``  Europe PMC REST base, default :data:`DEFAULT_EUROPEPMC_URL`
``EXODESK_EMAIL``          contact address, used when the preferences have none
``EXODESK_NCBI_API_KEY``   the user's NCBI API key, used when the preferences have none
=========================  ==============================================================

Precedence: for URLs the environment wins over the settings (it exists to point a run at a
mirror or a test server); for the contact address and the API key the preferences win and
the environment only fills in (the user typed them on purpose).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from exodesk import __version__
from exodesk.sync.http import HttpClient, RetryPolicy, host_of

__all__ = [
    "CROSSREF_RATE",
    "DEFAULT_CROSSREF_URL",
    "DEFAULT_EUROPEPMC_URL",
    "DEFAULT_EUTILS_URL",
    "EUROPEPMC_RATE",
    "NCBI_RATE",
    "NCBI_RATE_WITH_KEY",
    "PROJECT_URL",
    "SyncConfig",
    "make_http_client",
]

DEFAULT_EUTILS_URL = "https://eutils.ncbi.nlm.nih.gov/entrez/eutils/"
DEFAULT_CROSSREF_URL = "https://api.crossref.org/"
DEFAULT_EUROPEPMC_URL = "https://www.ebi.ac.uk/europepmc/webservices/rest/"
PROJECT_URL = "https://github.com/exodesk/exodesk"

# Requests per second. NCBI allows 3/s without an API key and 10/s with one, and throttles
# with 429 above that (upstream-apis.md B, KA-05510). We stay a little below, as mature
# clients do: rentrez needed 0.35 s instead of 0.34 s between requests because rounding
# produced 4 requests in one second (rentrez#156).
NCBI_RATE = 2.8
NCBI_RATE_WITH_KEY = 9.0
# Crossref's limits changed on 1 Dec 2025 and only a third-party report gives numbers
# (public pool 5/s, polite 10/s; upstream-apis.md C, unverified point 4): start at 5/s
# either way; the HTTP layer also reads x-rate-limit-* headers.
CROSSREF_RATE = 5.0
# Europe PMC documents no limit (upstream-apis.md D, [UNV]); 5/s is a polite guess.
EUROPEPMC_RATE = 5.0


def _base_url(name: str, value: str) -> str:
    """``value`` checked to be an http(s) URL with a host, ending in exactly one ``/``."""
    url = value.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must be an http(s) URL, got {value!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"{name} must not have a query or fragment, got {value!r}")
    return url if url.endswith("/") else url + "/"


def _header_safe(name: str, value: str) -> str:
    """``value`` stripped; whitespace inside is refused.

    The address ends up in the User-Agent header and in query strings: a line break would
    allow header injection, and NCBI wants a ``tool`` "with no internal spaces".
    """
    text = value.strip()
    if any(ch.isspace() or not ch.isprintable() for ch in text):
        raise ValueError(f"{name} must not contain spaces or control characters")
    return text


@dataclass(frozen=True)
class SyncConfig:
    """Everything the sync clients need to know besides the identifiers to look up.

    Base URLs are validated and get a trailing ``/`` added if it is missing, so a value
    typed into the settings or the environment without it still works. ``ncbi_api_key`` is
    kept out of ``repr()`` so it does not end up in logs or tracebacks.
    """

    eutils_url: str = DEFAULT_EUTILS_URL
    crossref_url: str = DEFAULT_CROSSREF_URL
    europepmc_url: str = DEFAULT_EUROPEPMC_URL
    email: str = ""
    ncbi_api_key: str = field(default="", repr=False)
    tool: str = "exodesk"

    def __post_init__(self) -> None:
        # object.__setattr__ because the dataclass is frozen; this is the documented way to
        # normalise fields of a frozen dataclass in __post_init__.
        for name in ("eutils_url", "crossref_url", "europepmc_url"):
            object.__setattr__(self, name, _base_url(name, getattr(self, name)))
        for name in ("email", "ncbi_api_key", "tool"):
            object.__setattr__(self, name, _header_safe(name, getattr(self, name)))
        if not self.tool:
            raise ValueError("tool must not be empty")

    @classmethod
    def from_environment(
        cls,
        environ: Mapping[str, str] = os.environ,
        *,
        email: str = "",
        api_key: str = "",
        eutils_url: str = "",
        crossref_url: str = "",
        europepmc_url: str = "",
    ) -> SyncConfig:
        """The configuration from the preferences (keyword arguments) and ``environ``.

        URLs: the environment variable, else the preference, else the default. Contact
        address and API key: the preference, else the environment variable.

        Raises:
            ValueError: a URL is not http(s), or the address/key contains whitespace.
        """

        def env(name: str) -> str:
            return environ.get(name, "").strip()

        return cls(
            eutils_url=env("EXODESK_EUTILS_URL") or eutils_url.strip() or DEFAULT_EUTILS_URL,
            crossref_url=(
                env("EXODESK_CROSSREF_URL") or crossref_url.strip() or DEFAULT_CROSSREF_URL
            ),
            europepmc_url=(
                env("EXODESK_EUROPEPMC_URL") or europepmc_url.strip() or DEFAULT_EUROPEPMC_URL
            ),
            email=email.strip() or env("EXODESK_EMAIL"),
            ncbi_api_key=api_key.strip() or env("EXODESK_NCBI_API_KEY"),
        )

    def user_agent(self) -> str:
        """``exodesk/<version> (<project URL>; mailto:<email>)``, the form Crossref's polite
        pool recognises (upstream-apis.md C); without an address, no ``mailto`` part."""
        contact = f"; mailto:{self.email}" if self.email else ""
        return f"exodesk/{__version__} ({PROJECT_URL}{contact})"

    def eutils_params(self) -> dict[str, str]:
        """``tool``, ``email`` (when set) and ``api_key`` (when set): NCBI asks for the first
        two on every request, and the key lifts the limit to 10 requests/s."""
        params = {"tool": self.tool}
        if self.email:
            params["email"] = self.email
        if self.ncbi_api_key:
            params["api_key"] = self.ncbi_api_key
        return params

    @property
    def ncbi_rate(self) -> float:
        """Requests per second for the E-utilities host (see :data:`NCBI_RATE`)."""
        return NCBI_RATE_WITH_KEY if self.ncbi_api_key else NCBI_RATE


#: Four tries, 0.5 s then 1 s then 2 s apart (with jitter): a passing fault is ridden out,
#: and a machine without a network learns so in a few seconds.
DEFAULT_RETRY = RetryPolicy(attempts=4, base_delay=0.5, max_delay=30.0)


def make_http_client(
    config: SyncConfig,
    should_cancel: Callable[[], bool] | None = None,
    retry: RetryPolicy | None = None,
) -> HttpClient:
    """An :class:`HttpClient` introducing itself with :meth:`SyncConfig.user_agent`, paced
    per host: E-utilities 2.8/s (9/s with an API key), Crossref 5/s, Europe PMC 5/s.

    When two services share a host (a mirror or a test server) the lowest rate applies.
    """
    client = HttpClient(
        user_agent=config.user_agent(),
        retry=retry if retry is not None else DEFAULT_RETRY,
        should_cancel=should_cancel,
    )
    rates: dict[str, float] = {}
    for url, rate in (
        (config.eutils_url, config.ncbi_rate),
        (config.crossref_url, CROSSREF_RATE),
        (config.europepmc_url, EUROPEPMC_RATE),
    ):
        host = host_of(url)
        rates[host] = min(rate, rates.get(host, rate))
    for host, rate in rates.items():
        client.limiter.set_rate(host, rate)
    return client
