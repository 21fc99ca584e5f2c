"""Per-host pacing of web requests, shared by every client that talks to the same host.

Pure Python (no HTTP library) and thread-safe, so it can be tested with a fake clock and shared by
every worker thread. Three rules are kept per host:

* **rate**: two requests to a host never *start* closer together than ``1 / rate`` seconds;
* **hold-off**: after a ``429`` or a ``Retry-After`` nobody starts a request before a given time;
* **in flight**: at most ``max_in_flight`` requests to a host run at once (default 1, as Crossref
  asks); only callers of :meth:`RateLimiter.acquire_slot` or :meth:`RateLimiter.slot` take part.

Hosts are plain strings compared case-insensitively; the HTTP client uses ``hostname[:port]``.
"""

from __future__ import annotations

import contextlib
import math
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from exodesk.sync.errors import Cancelled

#: Rate for a host nobody configured. NCBI without a key allows 3 requests/s and Crossref's public
#: pool 5/s, so 3/s is polite to every service exodesk talks to.
DEFAULT_RATE = 3.0

#: Longest single sleep while waiting, so that cancellation is noticed within this many seconds.
WAIT_SLICE = 0.1

_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$", re.IGNORECASE)
_INTERVAL_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0}


@dataclass
class _HostState:
    ceiling: float  # the fastest rate allowed, set by set_rate (or the default)
    rate: float  # the rate in force: the ceiling, or slower if the server's headers say so
    last_start: float = -math.inf
    hold_until: float = -math.inf
    max_in_flight: int = 1
    in_flight: int = 0


class RateLimiter:
    """Paces requests per host; one instance is meant to be shared by the whole application."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        *,
        default_rate: float = DEFAULT_RATE,
    ) -> None:
        """``clock`` and ``sleep`` are injectable for tests; ``clock`` must never go backwards."""
        self._clock = clock
        self._sleep = sleep
        self._default_rate = _checked_rate(default_rate)
        self._hosts: dict[str, _HostState] = {}
        # One lock for all hosts: the critical sections are a few arithmetic operations, and the
        # condition lets slot waiters wake as soon as a slot is released.
        self._lock = threading.Lock()
        self._slot_released = threading.Condition(self._lock)

    # -- configuration -------------------------------------------------------------------------

    def set_rate(self, host: str, requests_per_second: float) -> None:
        """Set the fastest rate for ``host``; later header updates can only go slower than this."""
        rate = _checked_rate(requests_per_second)
        with self._lock:
            state = self._state(host)
            state.ceiling = rate
            state.rate = rate

    def rate(self, host: str) -> float:
        """The rate (requests per second) currently in force for ``host``."""
        with self._lock:
            return self._state(host).rate

    def set_max_in_flight(self, host: str, requests: int) -> None:
        """Allow ``requests`` concurrent requests to ``host`` (default 1) through :meth:`slot`."""
        if requests < 1:
            raise ValueError(f"max_in_flight must be at least 1, not {requests}")
        with self._lock:
            self._state(host).max_in_flight = requests
            self._slot_released.notify_all()

    def update_from_headers(self, host: str, headers: Mapping[str, str]) -> None:
        """Adopt the server's advertised limit (``x-rate-limit-limit`` requests per
        ``x-rate-limit-interval``, e.g. ``50`` per ``1s``), never faster than the ceiling set with
        :meth:`set_rate`. Missing or unreadable headers leave the rate unchanged."""
        limit = _header(headers, "x-rate-limit-limit")
        interval = _header(headers, "x-rate-limit-interval")
        if limit is None or interval is None:
            return
        try:
            requests = float(limit.strip())
        except ValueError:
            return
        seconds = _parse_interval(interval)
        if seconds is None or not math.isfinite(requests) or requests <= 0:
            return
        with self._lock:
            state = self._state(host)
            state.rate = min(requests / seconds, state.ceiling)

    # -- pacing --------------------------------------------------------------------------------

    def acquire(self, host: str, should_cancel: Callable[[], bool] | None = None) -> None:
        """Block until a request to ``host`` may start, and record that it starts now.

        A request may start once ``1 / rate`` seconds have passed since the previous start and any
        hold-off has expired. Waits in slices of at most 0.1 s and raises
        :class:`~exodesk.sync.errors.Cancelled` as soon as ``should_cancel()`` returns True
        (it is also checked before anything else, so a cancelled caller never starts a request)."""
        while True:
            if should_cancel is not None and should_cancel():
                raise Cancelled(f"cancelled while waiting to contact {host}")
            with self._lock:
                state = self._state(host)
                now = self._clock()
                earliest = max(state.last_start + 1.0 / state.rate, state.hold_until)
                if now >= earliest:
                    state.last_start = now
                    return
                wait = earliest - now
            # Sleep outside the lock so other hosts (and hold_off/set_rate) are never blocked.
            self._sleep(min(wait, WAIT_SLICE))

    def hold_off(self, host: str, seconds: float) -> None:
        """Let nobody start a request to ``host`` before ``now + seconds``. An earlier hold-off
        that lasts longer is kept: a hold-off is never shortened."""
        if not math.isfinite(seconds) or seconds <= 0:
            return
        with self._lock:
            state = self._state(host)
            state.hold_until = max(state.hold_until, self._clock() + seconds)

    def wait_time(self, host: str) -> float:
        """Seconds until a request to ``host`` could start (0 when it could start now)."""
        with self._lock:
            state = self._state(host)
            earliest = max(state.last_start + 1.0 / state.rate, state.hold_until)
            return max(0.0, earliest - self._clock())

    # -- concurrency ---------------------------------------------------------------------------

    def acquire_slot(self, host: str, should_cancel: Callable[[], bool] | None = None) -> None:
        """Block until fewer than ``max_in_flight`` requests to ``host`` are running, then take a
        slot; every successful call must be paired with one :meth:`release_slot`. Waits in slices
        of at most 0.1 s of real time and raises ``Cancelled`` when ``should_cancel()`` is True.
        Does not pace: call :meth:`acquire` after it (or use :meth:`slot`)."""
        with self._lock:
            while True:
                if should_cancel is not None and should_cancel():
                    raise Cancelled(f"cancelled while waiting to contact {host}")
                state = self._state(host)
                if state.in_flight < state.max_in_flight:
                    state.in_flight += 1
                    return
                # A real-time wait on purpose: the slot is freed by another thread, not by a clock.
                self._slot_released.wait(WAIT_SLICE)

    def release_slot(self, host: str) -> None:
        """Give back a slot taken with :meth:`acquire_slot`."""
        with self._lock:
            state = self._state(host)
            if state.in_flight <= 0:
                raise RuntimeError(f"release_slot({host!r}) without a matching acquire_slot")
            state.in_flight -= 1
            self._slot_released.notify_all()

    @contextlib.contextmanager
    def slot(self, host: str, should_cancel: Callable[[], bool] | None = None) -> Iterator[None]:
        """Take a slot and wait for the pace (:meth:`acquire_slot` then :meth:`acquire`); the body
        of the ``with`` is the request. The slot is released on exit, also on errors."""
        self.acquire_slot(host, should_cancel)
        try:
            self.acquire(host, should_cancel)
            yield
        finally:
            self.release_slot(host)

    # -- internals -----------------------------------------------------------------------------

    def _state(self, host: str) -> _HostState:
        """The state of ``host``, created on first use; call with the lock held."""
        key = host.lower()
        state = self._hosts.get(key)
        if state is None:
            state = _HostState(ceiling=self._default_rate, rate=self._default_rate)
            self._hosts[key] = state
        return state


def _checked_rate(requests_per_second: float) -> float:
    rate = float(requests_per_second)
    if not math.isfinite(rate) or rate <= 0:
        raise ValueError(f"a rate must be a positive number of requests per second, not {rate}")
    return rate


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive lookup that also works for a plain dict."""
    value = headers.get(name)
    if value is not None:
        return value
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _parse_interval(text: str) -> float | None:
    """``"1s"`` -> 1.0; Crossref documents seconds, a bare number is taken as seconds too."""
    match = _INTERVAL.match(text)
    if match is None:
        return None
    seconds = float(match.group(1)) * _INTERVAL_UNIT[(match.group(2) or "s").lower()]
    return seconds if seconds > 0 else None
