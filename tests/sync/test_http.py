"""HttpClient against a real HTTP server on 127.0.0.1: retries, timeouts, bad bodies, pacing,
cancellation and secrecy of the API key. Nothing here touches the internet or mocks requests."""

from __future__ import annotations

import itertools
import json
import logging
import random
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from exodesk.sync.errors import BadResponse, Cancelled, NotFound, Offline, ServiceFailed
from exodesk.sync.http import (
    HttpClient,
    HttpResponse,
    RetryPolicy,
    host_of,
    redact,
    retry_after_seconds,
)
from exodesk.sync.ratelimit import RateLimiter

FAST = RetryPolicy(attempts=3, base_delay=0.05, max_delay=0.2, jitter=0.1)
SECRET = "SEKRET-key-123"

Reply = Callable[[Request], Response]


@pytest.fixture(scope="module")
def threaded_server() -> Iterator[HTTPServer]:
    # Threaded, so a handler that sleeps (read-timeout tests) does not hold up the next request.
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def server(threaded_server: HTTPServer) -> Iterator[HTTPServer]:
    threaded_server.clear()
    yield threaded_server
    threaded_server.check_handler_errors()


@pytest.fixture
def host(server: HTTPServer) -> str:
    return f"127.0.0.1:{server.port}"


@pytest.fixture
def make_client() -> Iterator[Callable[..., HttpClient]]:
    clients: list[HttpClient] = []

    def make(**options: object) -> HttpClient:
        options.setdefault("user_agent", "exodesk-tests/0 (mailto:dev@example.org)")
        # Pacing is tested on its own; elsewhere let requests go out as fast as the test needs.
        options.setdefault("limiter", RateLimiter(default_rate=1000.0))
        options.setdefault("retry", FAST)
        options.setdefault("connect_timeout", 1.0)
        options.setdefault("read_timeout", 2.0)
        options.setdefault("rng", random.Random(7))
        client = HttpClient(**options)  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def script(server: HTTPServer, path: str, *replies: Reply) -> list[float]:
    """Answer requests to ``path`` with ``replies`` in turn (the last one repeats) and return the
    list of server-side arrival times, filled as requests come in."""
    arrivals: list[float] = []
    lock = threading.Lock()

    def handler(request: Request) -> Response:
        with lock:
            arrivals.append(time.monotonic())
            index = len(arrivals) - 1
        return replies[min(index, len(replies) - 1)](request)

    server.expect_request(path).respond_with_handler(handler)
    return arrivals


def json_reply(data: object, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    return lambda _request: Response(
        json.dumps(data), status=status, headers=headers, content_type="application/json"
    )


def text_reply(
    body: str, status: int, content_type: str = "text/plain", headers: dict[str, str] | None = None
) -> Reply:
    return lambda _request: Response(
        body, status=status, headers=headers, content_type=content_type
    )


def slow_reply(seconds: float, then: Reply, release: threading.Event | None = None) -> Reply:
    def reply(request: Request) -> Response:
        (release or threading.Event()).wait(seconds)
        return then(request)

    return reply


HTML_429 = (
    "<!DOCTYPE html><html><head><title>429 Too Many Requests</title></head>"
    "<body><h1>Too Many Requests</h1><p>You have sent too many requests.</p></body></html>"
)


# -- success -----------------------------------------------------------------------------------


def test_json_reply(server: HTTPServer, host: str, make_client: Callable[..., HttpClient]) -> None:
    script(server, "/works", json_reply({"status": "ok", "message": {"DOI": "10.3390/x"}}))
    client = make_client()
    response = client.get(server.url_for("/works"), {"rows": "2"})
    assert response.status == 200
    assert response.json()["message"]["DOI"] == "10.3390/x"
    assert response.headers["content-type"] == "application/json"
    assert response.url == server.url_for("/works") + "?rows=2"
    assert client.requests_per_host == {host: 1}
    request, _ = server.log[0]
    assert request.headers["User-Agent"] == "exodesk-tests/0 (mailto:dev@example.org)"
    assert request.headers["Accept"] == "application/json"


def test_body_is_decoded_with_the_servers_charset_or_else_utf8(
    server: HTTPServer, make_client: Callable[..., HttpClient]
) -> None:
    server.expect_request("/latin1").respond_with_data(
        "Müller, Café".encode("latin-1"),
        content_type="text/plain; charset=ISO-8859-1",
    )
    server.expect_request("/bare").respond_with_data(
        "Stefańska".encode(), headers={"Content-Type": "text/plain"}
    )
    client = make_client()
    assert client.get(server.url_for("/latin1")).text == "Müller, Café"
    # requests alone would read a charset-less text/plain body as ISO-8859-1.
    assert client.get(server.url_for("/bare")).text == "Stefańska"


def test_crossref_rate_headers_slow_the_host_down_but_never_above_the_ceiling(
    server: HTTPServer, host: str, make_client: Callable[..., HttpClient]
) -> None:
    script(
        server,
        "/fast",
        json_reply({}, headers={"X-Rate-Limit-Limit": "50", "X-Rate-Limit-Interval": "1s"}),
    )
    script(
        server,
        "/slow",
        json_reply({}, headers={"X-Rate-Limit-Limit": "40", "X-Rate-Limit-Interval": "10s"}),
    )
    client = make_client(limiter=RateLimiter())
    client.limiter.set_rate(host, 20.0)
    client.get(server.url_for("/fast"))
    assert client.limiter.rate(host) == 20.0
    client.get(server.url_for("/slow"))
    assert client.limiter.rate(host) == 4.0


# -- retries -----------------------------------------------------------------------------------


def test_429_with_retry_after_waits_that_long_then_succeeds(
    server: HTTPServer, host: str, make_client: Callable[..., HttpClient]
) -> None:
    arrivals = script(
        server,
        "/esummary",
        text_reply(HTML_429, 429, "text/html", headers={"Retry-After": "1"}),
        json_reply({"result": {"uids": ["36766698"]}}),
    )
    client = make_client()
    response = client.get(server.url_for("/esummary"))
    assert response.json() == {"result": {"uids": ["36766698"]}}
    assert len(arrivals) == 2
    assert arrivals[1] - arrivals[0] >= 0.95
    assert client.requests_per_host[host] == 2


def test_a_429_on_the_last_attempt_still_holds_the_host_off(
    server: HTTPServer, host: str, make_client: Callable[..., HttpClient]
) -> None:
    script(server, "/x", text_reply("slow down", 429, headers={"Retry-After": "1"}))
    client = make_client(retry=RetryPolicy(attempts=1))
    with pytest.raises(ServiceFailed, match="answered 429 once"):
        client.get(server.url_for("/x"))
    # The caller's next request (or any other thread's) to this host waits for Retry-After.
    assert 0.8 < client.limiter.wait_time(host) <= 1.0


def test_429_without_retry_after_backs_off_exponentially(
    server: HTTPServer, host: str, make_client: Callable[..., HttpClient]
) -> None:
    ncbi_429 = {"error": "API rate limit exceeded", "api-key": "127.0.0.1", "count": "5"}
    arrivals = script(
        server,
        "/esearch",
        json_reply(ncbi_429, status=429),
        json_reply(ncbi_429, status=429),
        json_reply({"esearchresult": {"idlist": []}}),
    )
    client = make_client()
    client.get(server.url_for("/esearch"))
    assert len(arrivals) == 3
    # base 0.05 then 0.1, each within ±10 % jitter (small slack for scheduling).
    assert arrivals[1] - arrivals[0] >= 0.05 * 0.9 - 0.005
    assert arrivals[2] - arrivals[1] >= 0.10 * 0.9 - 0.005
    assert client.requests_per_host[host] == 3


def test_500_then_success_sleeps_in_short_slices(
    server: HTTPServer, host: str, make_client: Callable[..., HttpClient]
) -> None:
    arrivals = script(
        server, "/efetch", text_reply("Internal Server Error", 500), json_reply({"ok": 1})
    )
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    client = make_client(retry=RetryPolicy(attempts=3, base_delay=0.25, jitter=0.0), sleep=sleep)
    assert client.get(server.url_for("/efetch")).json() == {"ok": 1}
    assert len(arrivals) == 2
    assert arrivals[1] - arrivals[0] >= 0.25 - 0.005
    assert sum(slept) == pytest.approx(0.25)
    assert max(slept) <= 0.1 + 1e-9  # so that a cancel is noticed quickly
    assert client.requests_per_host[host] == 2


def test_503_every_time_fails_after_exactly_the_allowed_attempts(
    server: HTTPServer, host: str, make_client: Callable[..., HttpClient]
) -> None:
    arrivals = script(server, "/down", text_reply("Service Unavailable", 503))
    client = make_client(retry=RetryPolicy(attempts=4, base_delay=0.02, max_delay=0.05))
    with pytest.raises(ServiceFailed) as caught:
        client.get(server.url_for("/down"))
    assert str(caught.value) == f"{host} answered 503 4 times; try again later"
    assert caught.value.host == host
    assert len(arrivals) == 4
    assert client.requests_per_host[host] == 4


def test_read_timeout_then_success(
    server: HTTPServer, host: str, make_client: Callable[..., HttpClient]
) -> None:
    release = threading.Event()
    arrivals = script(
        server, "/slow", slow_reply(1.0, json_reply({"late": True}), release), json_reply({"n": 2})
    )
    client = make_client(read_timeout=0.2)
    try:
        assert client.get(server.url_for("/slow")).json() == {"n": 2}
    finally:
        release.set()  # let the abandoned handler finish
    assert len(arrivals) == 2
    assert client.requests_per_host[host] == 2


def test_read_timeout_every_time_is_a_service_failure(
    server: HTTPServer, host: str, make_client: Callable[..., HttpClient]
) -> None:
    release = threading.Event()
    script(server, "/slow", slow_reply(1.0, json_reply({}), release))
    client = make_client(read_timeout=0.15, retry=RetryPolicy(attempts=2, base_delay=0.01))
    try:
        with pytest.raises(ServiceFailed, match=f"^{host} timed out 2 times"):
            client.get(server.url_for("/slow"))
    finally:
        release.set()


def test_server_down_is_offline_after_the_retries(
    make_client: Callable[..., HttpClient],
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on `port` any more, so connections are refused.
    client = make_client()
    with pytest.raises(Offline) as caught:
        client.get(f"http://127.0.0.1:{port}/esearch.fcgi", {"db": "pubmed"})
    assert str(caught.value).startswith(f"cannot reach 127.0.0.1:{port}: ")
    assert "refused" in str(caught.value).lower()
    # requests' exception text quotes the full URL, so it is not chained to ours.
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    assert client.requests_per_host[f"127.0.0.1:{port}"] == FAST.attempts


def test_a_retry_after_beyond_the_cap_fails_at_once(
    server: HTTPServer, host: str, make_client: Callable[..., HttpClient]
) -> None:
    arrivals = script(server, "/x", text_reply("quota", 429, headers={"Retry-After": "3600"}))
    client = make_client(retry=RetryPolicy(attempts=5, max_retry_after=5.0))
    with pytest.raises(ServiceFailed, match="asks to wait 3600 s"):
        client.get(server.url_for("/x"))
    assert len(arrivals) == 1
    assert 4.5 < client.limiter.wait_time(host) <= 5.0


# -- answers that are not retried --------------------------------------------------------------


def test_crossref_404_is_not_found_with_the_servers_words(
    server: HTTPServer, host: str, make_client: Callable[..., HttpClient]
) -> None:
    script(server, "/works/10.3390/nope", text_reply("Resource not found.", 404))
    client = make_client()
    for not_found_ok in (False, True):
        with pytest.raises(NotFound, match=r"Resource not found\.") as caught:
            client.get(server.url_for("/works/10.3390/nope"), not_found_ok=not_found_ok)
        assert caught.value.host == host
    assert client.requests_per_host[host] == 2  # one each: a 404 is never retried


def test_other_4xx_is_a_bad_response_without_retry(
    server: HTTPServer, host: str, make_client: Callable[..., HttpClient]
) -> None:
    script(server, "/bad", json_reply({"error": "Invalid query"}, status=400))
    client = make_client()
    with pytest.raises(BadResponse, match=r"answered 400 BAD REQUEST: .*Invalid query"):
        client.get(server.url_for("/bad"))
    assert client.requests_per_host[host] == 1


def test_malformed_json_is_a_bad_response(
    server: HTTPServer, host: str, make_client: Callable[..., HttpClient]
) -> None:
    server.expect_request("/esummary").respond_with_data(
        '{"result": {"uids": ["1"', content_type="application/json"
    )
    response = make_client().get(server.url_for("/esummary"))
    with pytest.raises(BadResponse, match=r"malformed JSON .*\{\"result\"") as caught:
        response.json()
    assert caught.value.host == host
    assert caught.value.url == server.url_for("/esummary")


def test_an_html_page_where_json_was_expected_is_a_bad_response(
    server: HTTPServer, make_client: Callable[..., HttpClient]
) -> None:
    server.expect_request("/maintenance").respond_with_data(
        "<html><head><title>Down for maintenance</title></head><body>Back soon</body></html>",
        content_type="text/html; charset=utf-8",
    )
    response = make_client().get(server.url_for("/maintenance"))
    with pytest.raises(BadResponse, match="HTML page") as caught:
        response.json()
    assert "Down for maintenance" in str(caught.value)
    assert "<" not in str(caught.value)


def test_an_html_body_is_recognised_even_under_a_json_content_type(
    server: HTTPServer, make_client: Callable[..., HttpClient]
) -> None:
    server.expect_request("/proxy").respond_with_data(HTML_429, content_type="application/json")
    response = make_client().get(server.url_for("/proxy"))
    with pytest.raises(BadResponse, match=r"HTML page.*Too Many Requests"):
        response.json()


def test_raw_control_characters_in_ncbi_strings_are_accepted() -> None:
    body = '{"linksets":[],"ERROR":"NCBI C++ Exception:\n    Error: TXCLIENT"}'
    response = HttpResponse(
        url="https://eutils.ncbi.nlm.nih.gov/x",
        status=200,
        headers={"Content-Type": "application/json"},
        text=body,
    )
    assert response.json()["ERROR"].startswith("NCBI C++ Exception:\n")


# -- pacing and cancellation -------------------------------------------------------------------


def test_rate_limit_spaces_requests_from_all_clients_sharing_the_limiter(
    server: HTTPServer, host: str, make_client: Callable[..., HttpClient]
) -> None:
    arrivals = script(server, "/paced", json_reply({}))
    limiter = RateLimiter()
    limiter.set_rate(host, 20.0)
    clients = [make_client(limiter=limiter), make_client(limiter=limiter)]

    def work(client: HttpClient) -> None:
        for _ in range(5):
            client.get(server.url_for("/paced"))

    began = time.monotonic()
    threads = [threading.Thread(target=work, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    elapsed = time.monotonic() - began
    assert len(arrivals) == 10
    assert elapsed >= 0.45
    arrivals.sort()
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    assert min(gaps) >= 0.045, gaps
    assert sum(c.requests_per_host[host] for c in clients) == 10


def test_cancel_during_a_long_retry_after_wait_is_prompt(
    server: HTTPServer, make_client: Callable[..., HttpClient]
) -> None:
    arrivals = script(server, "/x", text_reply("busy", 429, headers={"Retry-After": "30"}))
    cancel = threading.Event()
    client = make_client(should_cancel=cancel.is_set)
    threading.Timer(0.3, cancel.set).start()
    began = time.monotonic()
    with pytest.raises(Cancelled):
        client.get(server.url_for("/x"))
    assert time.monotonic() - began < 1.0
    assert len(arrivals) == 1


def test_cancel_while_a_request_is_in_flight_is_prompt(
    server: HTTPServer, host: str, make_client: Callable[..., HttpClient]
) -> None:
    release = threading.Event()
    script(server, "/hang", slow_reply(5.0, json_reply({}), release))
    cancel = threading.Event()
    client = make_client(should_cancel=cancel.is_set, read_timeout=30.0)
    threading.Timer(0.2, cancel.set).start()
    began = time.monotonic()
    try:
        with pytest.raises(Cancelled):
            client.get(server.url_for("/hang"))
        assert time.monotonic() - began < 1.0
    finally:
        release.set()
    # The abandoned request gives its slot back once it really ends.
    client.limiter.acquire_slot(host, lambda: time.monotonic() - began > 5)
    client.limiter.release_slot(host)


def test_a_cancelled_client_sends_nothing(
    server: HTTPServer, make_client: Callable[..., HttpClient]
) -> None:
    arrivals = script(server, "/x", json_reply({}))
    client = make_client(should_cancel=lambda: True)
    with pytest.raises(Cancelled):
        client.get(server.url_for("/x"))
    assert arrivals == []
    assert sum(client.requests_per_host.values()) == 0


# -- the API key stays secret ------------------------------------------------------------------


def _everything_said(exc: BaseException) -> str:
    return " ".join(
        [str(exc), repr(exc), getattr(exc, "url", ""), *traceback.format_exception(exc)]
    )


def test_the_api_key_never_appears_in_errors_or_logs(
    server: HTTPServer, caplog: pytest.LogCaptureFixture, make_client: Callable[..., HttpClient]
) -> None:
    caplog.set_level(logging.DEBUG)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    script(server, "/503", text_reply(f"proxy error for /503?api_key={SECRET}", 503))
    script(server, "/400", json_reply({"error": "bad", "api-key": SECRET}, status=400))
    script(server, "/404", text_reply(f"no such thing: api_key={SECRET}", 404))
    script(server, "/html", text_reply("<html><title>oops</title></html>", 200, "text/html"))
    client = make_client(retry=RetryPolicy(attempts=2, base_delay=0.01))
    params = {"db": "pubmed", "api_key": SECRET}

    said: list[str] = []
    for url, expected in [
        (f"http://127.0.0.1:{dead_port}/x", Offline),
        (server.url_for("/503"), ServiceFailed),
        (server.url_for("/400"), BadResponse),
        (server.url_for("/404"), NotFound),
    ]:
        with pytest.raises(expected) as caught:
            client.get(url, params)
        said.append(_everything_said(caught.value))
    response = client.get(server.url_for("/html"), params)
    assert "api_key=***" in response.url
    with pytest.raises(BadResponse) as caught:
        response.json()
    said.append(_everything_said(caught.value))

    assert all(SECRET not in text for text in said), said
    assert "api_key=***" in said[0]
    # urllib3 logs every request line with its query string at DEBUG; that must be redacted too.
    # (The test server's own access log, "werkzeug", is not exodesk's and does show the key.)
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug")]
    assert any("api_key=***" in message for message in ours)
    assert all(SECRET not in message for message in ours)


# -- helpers -----------------------------------------------------------------------------------


def test_redact() -> None:
    assert (
        redact("https://eutils.ncbi.nlm.nih.gov/e.fcgi?db=pubmed&api_key=abc123&tool=exodesk")
        == "https://eutils.ncbi.nlm.nih.gov/e.fcgi?db=pubmed&api_key=***&tool=exodesk"
    )
    assert redact("https://x.org/?API_KEY=abc#frag") == "https://x.org/?API_KEY=***#frag"
    assert redact('{"api-key":"abc","count":"5"}') == '{"api-key":"***","count":"5"}'
    assert redact("https://x.org/?myapi_key=keep") == "https://x.org/?myapi_key=keep"


def test_host_of() -> None:
    assert host_of("https://EUTILS.ncbi.nlm.nih.gov/entrez/") == "eutils.ncbi.nlm.nih.gov"
    assert host_of("http://127.0.0.1:8123/x") == "127.0.0.1:8123"
    assert host_of("http://[::1]:8123/x") == "[::1]:8123"
    with pytest.raises(ValueError):
        host_of("/relative/path?api_key=abc")


def test_retry_after_forms() -> None:
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("  ") is None
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("-5") == 0.0
    assert retry_after_seconds("nan") is None
    assert retry_after_seconds("soon") is None
    # 2015-10-21 07:28:00 UTC is Unix time 1445412480.
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 - 30) == 30.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480 + 30) == 0.0


@given(
    retry=st.integers(0, 20),
    base=st.floats(0, 10),
    cap=st.floats(0, 60),
    jitter=st.floats(0, 0.9),
    seed=st.integers(),
)
def test_backoff_grows_exponentially_within_the_jitter_band_and_the_cap(
    retry: int, base: float, cap: float, jitter: float, seed: int
) -> None:
    policy = RetryPolicy(base_delay=base, max_delay=cap, jitter=jitter)
    nominal = min(cap, base * 2**retry)
    delay = policy.backoff(retry, random.Random(seed))
    assert nominal * (1 - jitter) - 1e-9 <= delay <= nominal * (1 + jitter) + 1e-9


@pytest.mark.parametrize(
    "options", [{"attempts": 0}, {"base_delay": -1}, {"jitter": 1.0}, {"jitter": -0.1}]
)
def test_nonsense_policies_are_refused(options: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**options)  # type: ignore[arg-type]
