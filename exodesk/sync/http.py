"""The one place where exodesk sends HTTP requests: paced per host, retried with backoff, with
explicit timeouts, and with failures turned into the exceptions of :mod:`exodesk.sync.errors`.

The ``api_key`` query parameter never appears in a message, an exception or a log line: URLs are
shown through :func:`redact`, and exceptions from ``requests`` (whose text contains the full URL)
are never chained to ours.
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import random
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timezone
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from exodesk.sync.errors import BadResponse, Cancelled, NotFound, Offline, ServiceFailed
from exodesk.sync.ratelimit import WAIT_SLICE, RateLimiter

log = logging.getLogger(__name__)

# "api_key=VALUE" in URLs and in text quoting URLs; `\b` keeps e.g. "myapi_key=" untouched.
_API_KEY_IN_URL = re.compile(r"(?i)(\bapi[_-]?key=)[^&#\s'\"<>]*")
# NCBI's 429 body echoes the key: {"error":"API rate limit exceeded","api-key":"...",...}
_API_KEY_IN_JSON = re.compile(r"(?i)(\"api[_-]?key\"\s*:\s*\")[^\"]*(\")")
_SECRET_PARAMS = frozenset({"api_key", "api-key", "apikey"})

_CHARSET = re.compile(r"(?i)charset\s*=\s*\"?([^\";\s]+)")
_TAG = re.compile(r"<[^>]*>")
_HTML_START = re.compile(r"(?is)^\s*(<\?xml[^>]*>\s*)?<(!doctype\s+html|html)\b")
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_EXCERPT_LENGTH = 160


def redact(url: str) -> str:
    """``url`` (or any text quoting one) with every ``api_key`` value replaced by ``***``."""
    text = _API_KEY_IN_URL.sub(r"\1***", url)
    return _API_KEY_IN_JSON.sub(r"\1***\2", text)


def host_of(url: str) -> str:
    """The limiter's key for ``url``: the lower-case host name, plus ``:port`` when the URL names
    a port (so two local test servers are distinct hosts)."""
    parts = urlsplit(url)
    hostname = parts.hostname
    if not hostname:
        raise ValueError(f"not an absolute http(s) URL: {redact(url)}")
    if ":" in hostname:  # IPv6 literal
        hostname = f"[{hostname}]"
    return f"{hostname}:{parts.port}" if parts.port is not None else hostname


def retry_after_seconds(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait according to a ``Retry-After`` value (delay-seconds or an HTTP-date),
    never negative; None when the header is absent or unreadable. ``now`` is a Unix time
    (default: the current time) used for HTTP-dates."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # HTTP-dates are GMT by definition
            when = when.replace(tzinfo=timezone.utc)
        seconds = when.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup that also works for a plain dict."""
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def _excerpt(text: str, *, html: bool = False) -> str:
    """A short one-line quote of a body for an error message (tags dropped from HTML)."""
    if html or _HTML_START.match(text[:512]):
        text = _TAG.sub(" ", text)
    text = redact(" ".join(text.split()))
    if len(text) > _EXCERPT_LENGTH:
        text = text[: _EXCERPT_LENGTH - 1].rstrip() + "…"
    return text or "(empty body)"


@dataclass(frozen=True)
class HttpResponse:
    """A successful (2xx) reply, fully read. ``url`` is the final URL with ``api_key`` redacted;
    ``headers`` look up names case-insensitively; ``text`` is the decoded body and ``content`` the
    raw bytes (use them for XML, which declares its own encoding)."""

    url: str
    status: int
    headers: Mapping[str, str]
    text: str
    content: bytes = field(default=b"", repr=False)

    @property
    def host(self) -> str:
        return host_of(self.url)

    @property
    def content_type(self) -> str:
        """The media type in lower case without parameters ("" when the server sent none)."""
        value = _header(self.headers, "Content-Type") or ""
        return value.split(";", 1)[0].strip().lower()

    def looks_like_html(self) -> bool:
        """True when the content type or the first bytes of the body say this is an HTML page."""
        return self.content_type in _HTML_TYPES or bool(_HTML_START.match(self.text[:512]))

    def json(self) -> Any:
        """The body parsed as JSON. Raises :class:`BadResponse` (naming host and URL and quoting
        the start of the body) when the body is an HTML page or is not valid JSON. Raw control
        characters inside strings are accepted, as NCBI sends them."""
        host = self.host
        if self.looks_like_html():
            raise BadResponse(
                f"{host} sent an HTML page where data was expected: "
                f"{_excerpt(self.text, html=True)}",
                host=host,
                url=self.url,
            )
        try:
            return json.loads(self.text, strict=False)
        except ValueError as exc:
            reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "undecodable"
            raise BadResponse(
                f"{host} sent malformed JSON ({reason}): {_excerpt(self.text)}",
                host=host,
                url=self.url,
            ) from None


@dataclass
class RetryPolicy:
    """How often and how patiently to retry 429, 5xx, timeouts and connection errors.

    ``attempts`` counts every request, the first included. Before retry ``n`` (0-based) the client
    waits ``min(max_delay, base_delay * 2**n)``, varied by ``± jitter`` (a fraction) so that
    clients do not retry in lockstep; a ``Retry-After`` from the server replaces that delay. A
    ``Retry-After`` longer than ``max_retry_after`` ends the attempt at once with
    :class:`ServiceFailed` (waiting minutes inside a sync run helps nobody)."""

    attempts: int = 5
    base_delay: float = 1.0
    max_delay: float = 30.0
    jitter: float = 0.25
    max_retry_after: float = 120.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.max_retry_after < 0:
            raise ValueError("delays must not be negative")
        if not 0 <= self.jitter < 1:
            raise ValueError("jitter is a fraction in [0, 1)")

    def backoff(self, retry: int, rng: random.Random) -> float:
        """The wait before retry number ``retry`` (0 for the first retry)."""
        delay = min(self.max_delay, self.base_delay * 2.0**retry)
        return delay * (1.0 + rng.uniform(-self.jitter, self.jitter))


@dataclass(frozen=True)
class _Failure:
    """One failed attempt that may be retried."""

    what: str  # e.g. "answered 503", "timed out"
    offline: bool = False  # the host could not be reached at all
    retry_after: float | None = None
    server_pause: bool = False  # the server asked every client to slow down (429 / Retry-After)


class HttpClient:
    """Sends GET requests paced by :attr:`limiter` and retried by :attr:`retry`.

    One client may serve several services (hosts are paced separately). ``should_cancel`` is
    polled while waiting (in slices of at most 0.1 s) and while a request is in flight, so a
    cancelled worker gets :class:`Cancelled` within about 0.1 s; a request already sent then
    finishes in the background, bounded by the timeouts, and its reply is dropped."""

    limiter: RateLimiter
    requests_per_host: Counter[str]

    def __init__(
        self,
        *,
        user_agent: str,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        session: requests.Session | None = None,
        should_cancel: Callable[[], bool] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.user_agent = user_agent
        self.limiter = limiter if limiter is not None else RateLimiter()
        self.retry = retry if retry is not None else RetryPolicy()
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        #: Every request actually sent (or attempted), retries included, per host.
        self.requests_per_host = Counter()
        self._session = session if session is not None else requests.Session()
        self._owns_session = session is None
        self._should_cancel = should_cancel
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()
        self._count_lock = threading.Lock()

    def close(self) -> None:
        """Close the session if this client created it."""
        if self._owns_session:
            self._session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        params: Mapping[str, str] | None = None,
        *,
        accept: str = "application/json",
        not_found_ok: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> HttpResponse:
        """GET ``url`` and return the 2xx reply.

        Raises :class:`NotFound` on 404 (quoting the body, e.g. "Resource not found.");
        ``not_found_ok`` only says a 404 is an expected answer, so it is logged at DEBUG rather
        than INFO. Other 4xx (except 429) raise :class:`BadResponse` without retrying. 429, 5xx,
        timeouts and connection errors are retried (see :class:`RetryPolicy`); after the last
        attempt an unreachable host raises :class:`Offline` and anything else
        :class:`ServiceFailed`. Raises :class:`Cancelled` when ``should_cancel`` turns True."""
        host = host_of(url)
        params = dict(params or {})
        secrets = [v for k, v in params.items() if k.lower() in _SECRET_PARAMS and v]
        shown = self._scrub(
            requests.Request("GET", url, params=params).prepare().url or url, secrets
        )
        request_headers = {"User-Agent": self.user_agent, "Accept": accept, **(headers or {})}
        policy = self.retry
        failures: list[_Failure] = []

        for attempt in range(policy.attempts):
            outcome = self._attempt(
                host, url, shown, params, request_headers, secrets, not_found_ok
            )
            if isinstance(outcome, HttpResponse):
                return outcome
            failure = outcome
            failures.append(failure)

            retries_left = policy.attempts - attempt - 1
            if failure.retry_after is not None and failure.retry_after > policy.max_retry_after:
                # Keep everyone away for a while, but do not sit out a long wait inside a run.
                self.limiter.hold_off(host, policy.max_retry_after)
                raise ServiceFailed(
                    f"{host} asks to wait {failure.retry_after:.0f} s before the next request;"
                    " try again later",
                    host=host,
                    url=shown,
                )
            delay = (
                failure.retry_after
                if failure.retry_after is not None
                else policy.backoff(attempt, self._rng)
            )
            if failure.server_pause:
                # The server said "slow down" to this client as a whole, so every request to the
                # host waits, not just this one; the next acquire() does the waiting. Done even
                # after the last attempt, so the caller's next request honours it too.
                self.limiter.hold_off(host, delay)
            if retries_left == 0:
                break
            log.info(
                "%s %s; retrying in %.2f s (%d of %d attempts left)",
                host,
                failure.what,
                delay,
                retries_left,
                policy.attempts,
            )
            if not failure.server_pause:
                self._pause(delay)

        raise self._final_error(host, shown, failures)

    # -- internals -----------------------------------------------------------------------------

    def _attempt(
        self,
        host: str,
        url: str,
        shown: str,
        params: Mapping[str, str],
        headers: Mapping[str, str],
        secrets: list[str],
        not_found_ok: bool,
    ) -> HttpResponse | _Failure:
        """Send once: the reply when it is a success, a :class:`_Failure` when it may be
        retried; raises for answers that retrying cannot change (404, other 4xx)."""
        try:
            response = self._send(host, url, params, headers)
        except requests.ConnectTimeout:  # before ConnectionError: it is both
            return _Failure("connection timed out", offline=True)
        except requests.Timeout:
            return _Failure("timed out")
        except requests.ConnectionError as exc:
            return _Failure(_connection_reason(exc, secrets), offline=True)
        except requests.exceptions.ChunkedEncodingError:
            return _Failure("broke off the reply")
        except requests.RequestException as exc:
            # Not transient (too many redirects, invalid URL...). The text of a requests
            # exception quotes the URL, so scrub it and do not chain it.
            reason = self._scrub(str(exc), secrets)
            raise BadResponse(
                f"request to {host} failed: {type(exc).__name__}: {reason}", host=host, url=shown
            ) from None
        self.limiter.update_from_headers(host, response.headers)
        status = response.status_code
        if 200 <= status < 300:
            return self._wrap(response, secrets)
        body = self._scrub(_excerpt(_decode(response), html=_is_html(response)), secrets)
        if status == 404:
            log.log(logging.DEBUG if not_found_ok else logging.INFO, "404 from %s", shown)
            raise NotFound(f"{host} does not know this item: {body}", host=host, url=shown)
        if status != 429 and not 500 <= status <= 599:
            raise BadResponse(
                f"{host} answered {status} {response.reason or ''}".rstrip() + f": {body}",
                host=host,
                url=shown,
            )
        retry_after = retry_after_seconds(_header(response.headers, "Retry-After"))
        return _Failure(
            f"answered {status}",
            retry_after=retry_after,
            server_pause=status == 429 or retry_after is not None,
        )

    def _send(
        self, host: str, url: str, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> requests.Response:
        """One paced request. The host's slot is held while the request is in flight."""
        self.limiter.acquire_slot(host, self._should_cancel)
        try:
            self.limiter.acquire(host, self._should_cancel)
        except BaseException:
            self.limiter.release_slot(host)
            raise
        with self._count_lock:
            self.requests_per_host[host] += 1
        timeout = (self.connect_timeout, self.read_timeout)
        if self._should_cancel is None:
            try:
                return self._session.get(url, params=params, headers=headers, timeout=timeout)
            finally:
                self.limiter.release_slot(host)
        return self._send_cancellable(host, url, params, headers, timeout)

    def _send_cancellable(
        self,
        host: str,
        url: str,
        params: Mapping[str, str],
        headers: Mapping[str, str],
        timeout: tuple[float, float],
    ) -> requests.Response:
        """Send on a helper thread and watch ``should_cancel`` meanwhile, since a blocking read
        can last ``read_timeout`` (30 s) and a cancelled worker must stop within a second. The
        helper keeps the host's slot until its request really ends, so an abandoned request still
        counts as in flight."""
        assert self._should_cancel is not None
        outcome: list[requests.Response | BaseException] = []
        abandoned = threading.Event()

        def run() -> None:
            try:
                response = self._session.get(url, params=params, headers=headers, timeout=timeout)
            except BaseException as exc:  # handed to the waiting thread
                outcome.append(exc)
            else:
                if abandoned.is_set():
                    response.close()
                outcome.append(response)
            finally:
                self.limiter.release_slot(host)

        helper = threading.Thread(target=run, name=f"exodesk-http-{host}", daemon=True)
        helper.start()
        while helper.is_alive():
            if self._should_cancel():
                abandoned.set()
                raise Cancelled(f"cancelled while waiting for {host}")
            helper.join(WAIT_SLICE)
        result = outcome[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def _pause(self, seconds: float) -> None:
        """Sleep ``seconds`` in slices of at most 0.1 s, raising Cancelled when asked to stop."""
        remaining = seconds
        while remaining > 0:
            if self._should_cancel is not None and self._should_cancel():
                raise Cancelled("cancelled while waiting to retry")
            step = min(remaining, WAIT_SLICE)
            self._sleep(step)
            remaining -= step
        if self._should_cancel is not None and self._should_cancel():
            raise Cancelled("cancelled while waiting to retry")

    def _wrap(self, response: requests.Response, secrets: list[str]) -> HttpResponse:
        return HttpResponse(
            url=self._scrub(response.url, secrets),
            status=response.status_code,
            headers=CaseInsensitiveDict(response.headers),
            text=_decode(response),
            content=response.content,
        )

    @staticmethod
    def _scrub(text: str, secrets: list[str]) -> str:
        """``text`` without api_key values: by pattern, and literally for the values we sent."""
        text = redact(text)
        for secret in secrets:
            text = text.replace(secret, "***")
        return text

    @staticmethod
    def _final_error(host: str, shown: str, failures: list[_Failure]) -> Offline | ServiceFailed:
        """The exception after the last attempt, judged by the last failure."""
        last = failures[-1]
        if last.offline:
            return Offline(f"cannot reach {host}: {last.what}", host=host, url=shown)
        kinds = list(dict.fromkeys(f.what for f in failures))
        if len(kinds) == 1:
            message = f"{host} {kinds[0]} {_times(len(failures))}; try again later"
        else:
            message = f"{host} failed {_times(len(failures))} ({', '.join(kinds)}); try again later"
        return ServiceFailed(message, host=host, url=shown)


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _decode(response: requests.Response) -> str:
    """The body as text: the charset the server names, else UTF-8 (JSON's encoding, with or
    without BOM), else requests' guess. The guess is the slow path, so it is only a fallback."""
    content = response.content or b""
    match = _CHARSET.search(response.headers.get("Content-Type", ""))
    if match:
        try:
            return content.decode(match.group(1), errors="replace")
        except LookupError:  # a charset Python does not know; fall through
            pass
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode(response.apparent_encoding or "utf-8", errors="replace")


def _is_html(response: requests.Response) -> bool:
    content_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
    return content_type in _HTML_TYPES


def _connection_reason(exc: requests.ConnectionError, secrets: list[str]) -> str:
    """A short reason such as "Connection refused" from the chain of causes, without the URL
    that the text of requests' and urllib3's exceptions quotes."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop(0)
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if type(current).__module__ in {"builtins", "socket", "ssl"} and isinstance(
            current, OSError
        ):
            reason = current.strerror or str(current) or type(current).__name__
            return HttpClient._scrub(reason, secrets)
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        pending.append(getattr(current, "reason", None))
        pending.extend((current.__cause__, current.__context__))
    match = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", str(exc))
    if match:
        return HttpClient._scrub(match.group(1).strip(), secrets)
    return type(exc).__name__


class _RedactingFilter(logging.Filter):
    """Removes api_key values from urllib3's debug lines, which quote every request URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg = cleaned
            record.args = None
        return True


def _install_log_redaction() -> None:
    for name in ("urllib3.connectionpool", "urllib3.util.retry"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactingFilter) for f in logger.filters):
            logger.addFilter(_RedactingFilter())


_install_log_redaction()
