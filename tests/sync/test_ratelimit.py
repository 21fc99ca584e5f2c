"""RateLimiter: spacing, hold-offs, header-driven rates, cancellation and thread-safety."""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exodesk.sync.errors import Cancelled
from exodesk.sync.ratelimit import DEFAULT_RATE, WAIT_SLICE, RateLimiter


class FakeClock:
    """A clock that only moves when the limiter sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0, "the limiter must not busy-wait with zero sleeps"
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limiter(clock: FakeClock) -> RateLimiter:
    return RateLimiter(clock=clock, sleep=clock.sleep)


def start_times(limiter: RateLimiter, clock: FakeClock, host: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        limiter.acquire(host)
        times.append(clock.now)
    return times


def test_first_request_starts_at_once_and_later_ones_are_spaced_by_one_over_rate(
    limiter: RateLimiter, clock: FakeClock
) -> None:
    limiter.set_rate("eutils.ncbi.nlm.nih.gov", 2.0)
    times = start_times(limiter, clock, "eutils.ncbi.nlm.nih.gov", 4)
    assert times == pytest.approx([0.0, 0.5, 1.0, 1.5])
    assert max(clock.sleeps) <= WAIT_SLICE + 1e-9


def test_no_wait_when_the_caller_is_already_slower_than_the_rate(
    limiter: RateLimiter, clock: FakeClock
) -> None:
    limiter.set_rate("h", 2.0)
    limiter.acquire("h")
    clock.now += 0.7
    limiter.acquire("h")
    assert clock.sleeps == []


def test_unconfigured_hosts_get_the_polite_default(limiter: RateLimiter, clock: FakeClock) -> None:
    assert limiter.rate("example.org") == DEFAULT_RATE
    times = start_times(limiter, clock, "example.org", 2)
    assert times[1] - times[0] == pytest.approx(1 / DEFAULT_RATE)


def test_hosts_are_paced_independently(limiter: RateLimiter, clock: FakeClock) -> None:
    limiter.set_rate("slow.example", 0.5)
    limiter.set_rate("fast.example", 100.0)
    limiter.acquire("slow.example")
    limiter.acquire("fast.example")
    assert clock.now == 0.0  # the slow host's interval did not delay the fast host
    limiter.acquire("slow.example")
    assert clock.now == pytest.approx(2.0)


def test_host_names_are_case_insensitive(limiter: RateLimiter, clock: FakeClock) -> None:
    limiter.set_rate("API.Crossref.org", 1.0)
    assert limiter.rate("api.crossref.org") == 1.0
    start_times(limiter, clock, "api.crossref.org", 1)
    limiter.acquire("API.CROSSREF.ORG")
    assert clock.now == pytest.approx(1.0)


def test_hold_off_delays_the_next_start_and_is_never_shortened(
    limiter: RateLimiter, clock: FakeClock
) -> None:
    limiter.set_rate("h", 10.0)
    limiter.acquire("h")
    limiter.hold_off("h", 5.0)
    limiter.hold_off("h", 1.0)  # a shorter hold-off must not cancel the longer one
    limiter.hold_off("other", 50.0)  # nor does another host's hold-off matter
    assert limiter.wait_time("h") == pytest.approx(5.0)
    limiter.acquire("h")
    assert clock.now == pytest.approx(5.0)
    assert max(clock.sleeps) <= WAIT_SLICE + 1e-9
    # After the hold-off the normal spacing applies again.
    limiter.acquire("h")
    assert clock.now == pytest.approx(5.1)


def test_hold_off_ignores_non_positive_and_non_finite_values(limiter: RateLimiter) -> None:
    for seconds in (0.0, -3.0, float("nan"), float("inf")):
        limiter.hold_off("h", seconds)
    assert limiter.wait_time("h") == 0.0


def test_headers_set_the_rate_but_never_above_the_configured_ceiling(
    limiter: RateLimiter,
) -> None:
    host = "api.crossref.org"
    limiter.set_rate(host, 5.0)
    limiter.update_from_headers(host, {"X-Rate-Limit-Limit": "50", "X-Rate-Limit-Interval": "1s"})
    assert limiter.rate(host) == 5.0
    limiter.update_from_headers(host, {"x-rate-limit-limit": "3", "x-rate-limit-interval": "2s"})
    assert limiter.rate(host) == 1.5
    # When the server allows more again, the rate goes back up, but only to the ceiling.
    limiter.update_from_headers(host, {"x-rate-limit-limit": "10", "x-rate-limit-interval": "1"})
    assert limiter.rate(host) == 5.0


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-rate-limit-limit": "2"},
        {"x-rate-limit-interval": "1s"},
        {"x-rate-limit-limit": "lots", "x-rate-limit-interval": "1s"},
        {"x-rate-limit-limit": "0", "x-rate-limit-interval": "1s"},
        {"x-rate-limit-limit": "-4", "x-rate-limit-interval": "1s"},
        {"x-rate-limit-limit": "nan", "x-rate-limit-interval": "1s"},
        {"x-rate-limit-limit": "2", "x-rate-limit-interval": "soon"},
        {"x-rate-limit-limit": "2", "x-rate-limit-interval": "0s"},
    ],
)
def test_missing_or_unreadable_headers_leave_the_rate_alone(
    limiter: RateLimiter, headers: dict[str, str]
) -> None:
    limiter.set_rate("h", 4.0)
    limiter.update_from_headers("h", headers)
    assert limiter.rate("h") == 4.0


@given(
    ceiling=st.floats(min_value=0.01, max_value=1000),
    limit=st.one_of(st.integers(-5, 10_000).map(str), st.text(max_size=6)),
    interval=st.one_of(
        st.builds(
            lambda n, u: f"{n}{u}", st.integers(0, 120), st.sampled_from(["", "s", "ms", "m"])
        ),
        st.text(max_size=6),
    ),
)
def test_header_updates_never_exceed_the_ceiling(ceiling: float, limit: str, interval: str) -> None:
    limiter = RateLimiter()
    limiter.set_rate("h", ceiling)
    limiter.update_from_headers(
        "h", {"x-rate-limit-limit": limit, "x-rate-limit-interval": interval}
    )
    assert 0 < limiter.rate("h") <= ceiling


@pytest.mark.parametrize("rate", [0, -1, float("nan"), float("inf")])
def test_nonsense_rates_are_refused(limiter: RateLimiter, rate: float) -> None:
    with pytest.raises(ValueError):
        limiter.set_rate("h", rate)


def test_cancel_while_waiting_raises_within_one_slice(
    limiter: RateLimiter, clock: FakeClock
) -> None:
    limiter.hold_off("h", 60.0)
    polls = 0

    def should_cancel() -> bool:
        nonlocal polls
        polls += 1
        return polls > 3

    with pytest.raises(Cancelled):
        limiter.acquire("h", should_cancel)
    # Three slices slept, each at most 0.1 s: cancellation is noticed within a slice.
    assert len(clock.sleeps) == 3
    assert clock.now <= 3 * WAIT_SLICE + 1e-9


def test_a_cancelled_caller_does_not_take_a_start(limiter: RateLimiter, clock: FakeClock) -> None:
    limiter.set_rate("h", 1.0)
    with pytest.raises(Cancelled):
        limiter.acquire("h", lambda: True)
    limiter.acquire("h")  # the cancelled call recorded no start, so this one does not wait
    assert clock.sleeps == []


def test_two_threads_on_one_host_are_spaced_with_the_real_clock() -> None:
    # Record the exact clock value at which each start was granted (the last clock reading a
    # thread made inside acquire), so the check does not depend on thread scheduling.
    last_reading = threading.local()

    def clock() -> float:
        last_reading.value = time.monotonic()
        return last_reading.value

    limiter = RateLimiter(clock=clock)
    limiter.set_rate("h", 40.0)
    starts: list[float] = []
    starts_lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            limiter.acquire("h")
            with starts_lock:
                starts.append(last_reading.value)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert len(starts) == 10
    starts.sort()
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 1 / 40 - 1e-9
    assert starts[-1] - starts[0] >= 9 / 40 - 1e-9


def test_slots_keep_requests_to_one_host_from_overlapping() -> None:
    limiter = RateLimiter()
    limiter.set_rate("h", 1000.0)
    spans: list[tuple[float, float]] = []
    spans_lock = threading.Lock()

    def worker() -> None:
        for _ in range(3):
            with limiter.slot("h"):
                began = time.monotonic()
                time.sleep(0.02)
                ended = time.monotonic()
            with spans_lock:
                spans.append((began, ended))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    spans.sort()
    assert len(spans) == 9
    assert all(
        prev_end <= next_begin for (_, prev_end), (next_begin, _) in itertools.pairwise(spans)
    )


def test_more_slots_can_be_allowed_per_host() -> None:
    limiter = RateLimiter()
    limiter.set_max_in_flight("h", 2)
    limiter.acquire_slot("h")
    limiter.acquire_slot("h", lambda: False)  # the second slot is free, no wait
    with pytest.raises(Cancelled):
        limiter.acquire_slot("h", lambda: True)
    limiter.release_slot("h")
    limiter.release_slot("h")
    with pytest.raises(RuntimeError):
        limiter.release_slot("h")
    with pytest.raises(ValueError):
        limiter.set_max_in_flight("h", 0)


def test_cancel_while_waiting_for_a_slot_is_prompt() -> None:
    limiter = RateLimiter()
    limiter.acquire_slot("h")  # held by "another request" for the whole test
    cancel = threading.Event()
    threading.Timer(0.2, cancel.set).start()
    began = time.monotonic()
    with pytest.raises(Cancelled):
        limiter.acquire_slot("h", cancel.is_set)
    assert time.monotonic() - began < 0.2 + 2 * WAIT_SLICE + 0.1
    limiter.release_slot("h")


def test_the_slot_is_released_when_pacing_is_cancelled() -> None:
    limiter = RateLimiter()
    limiter.hold_off("h", 60.0)
    answers = iter([False])  # not cancelled while taking the slot, cancelled while pacing
    with pytest.raises(Cancelled), limiter.slot("h", lambda: next(answers, True)):
        pass
    limiter.acquire_slot("h", lambda: False)  # would wait forever if the slot had leaked
    limiter.release_slot("h")
