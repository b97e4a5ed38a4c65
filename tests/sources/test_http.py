"""The polite HTTP session: cache, rate limit, retries and resumable downloads, on a real server."""

from __future__ import annotations

import hashlib
import random
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from fake_police_api import FakePoliceApi
from hypothesis import given, settings
from hypothesis import strategies as st

from crimeplan.sources._http import (
    FetchError,
    HttpSession,
    RetryPolicy,
    TokenBucket,
    request_key,
    retry_after_seconds,
)


class FakeClock:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def most_in_window(times: list[float], window: float) -> int:
    """The most events in any half-open window [t, t + window)."""
    times = sorted(times)
    return max(sum(1 for u in times[i:] if u < t + window) for i, t in enumerate(times))


@pytest.fixture(scope="module")
def fake():
    with FakePoliceApi() as server:
        yield server


def session(tmp_path: Path, clock: FakeClock | None = None, **kwargs) -> HttpSession:
    """A session with a recording (not sleeping) sleep, fast rate and a fixed random seed."""
    clock = clock or FakeClock()
    kwargs.setdefault("rate", 1000.0)
    return HttpSession(tmp_path / "cache", sleep=clock.sleep, rng=random.Random(1), **kwargs)


# --- rate limit ---------------------------------------------------------------------------

def test_token_bucket_default_paces_fifteen_a_second():
    clock = FakeClock()
    bucket = TokenBucket(clock=clock, sleep=clock.sleep)
    grants = []
    for _ in range(61):
        bucket.acquire()
        grants.append(clock.now)
    assert grants[0] == 0.0
    assert grants[-1] == pytest.approx(60 / 15)  # 61 requests take exactly 4 s
    assert most_in_window(grants, 1.0 - 1e-9) == 15


@settings(max_examples=60, deadline=None)
@given(rate=st.floats(0.5, 50), burst=st.integers(1, 10),
       gaps=st.lists(st.floats(0, 0.5), min_size=1, max_size=80))
def test_token_bucket_never_exceeds_rate_plus_burst(rate, burst, gaps):
    clock = FakeClock()
    bucket = TokenBucket(rate, burst, clock=clock, sleep=clock.sleep)
    grants = []
    for gap in gaps:
        clock.now += gap  # the caller's own work between requests
        bucket.acquire()
        grants.append(clock.now)
    for window in (0.5, 1.0, 3.0):
        assert most_in_window(grants, window) <= burst + rate * window + 1e-6


def test_requests_reach_the_server_at_most_fifteen_a_second(tmp_path, fake):
    http = HttpSession(tmp_path, read_cache=False)  # real clock and sleep, default 15/s
    before = len(fake.log)
    for _ in range(20):
        http.fetch(f"{fake.api_url}/forces")
    arrivals = [entry.time for entry in fake.log[before:]]
    assert len(arrivals) == 20
    # 16 requests can never arrive within one second (server-side jitter allowed: 50 ms).
    assert min(b - a for a, b in zip(arrivals, arrivals[15:], strict=False)) >= 0.95
    assert arrivals[-1] - arrivals[0] >= 19 / 15 - 0.05


# --- cache --------------------------------------------------------------------------------

def test_request_key_is_stable_and_order_free():
    a = request_key("get", "http://x/api", {"a": 1, "b": "2"})
    assert a == request_key("GET", "http://x/api", {"b": "2", "a": 1})
    assert a != request_key("GET", "http://x/api", {"a": 1, "b": "3"})
    assert a != request_key("POST", "http://x/api", None, {"a": 1, "b": "2"})
    assert len(a) == 64


def test_second_fetch_comes_from_the_cache(tmp_path, fake):
    http = session(tmp_path)
    before = len(fake.log)
    first = http.fetch_json(f"{fake.api_url}/forces")
    second = http.fetch_json(f"{fake.api_url}/forces")
    assert first == second == [{"id": "essex", "name": "Essex Police"},
                               {"id": "metropolitan", "name": "Metropolitan Police Service"}]
    assert len(fake.log) - before == 1
    assert (http.stats.requests, http.stats.cache_hits) == (1, 1)
    key = request_key("GET", f"{fake.api_url}/forces")
    assert (tmp_path / "cache" / key[:2] / f"{key}.body").exists()
    assert '"url"' in (tmp_path / "cache" / key[:2] / f"{key}.json").read_text()


def test_cache_bypass_and_expiry_ask_again(tmp_path, fake):
    session(tmp_path).fetch(f"{fake.api_url}/forces")
    before = len(fake.log)
    session(tmp_path, read_cache=False).fetch(f"{fake.api_url}/forces")
    session(tmp_path).fetch(f"{fake.api_url}/forces", max_age=-1)  # anything is too old
    session(tmp_path).fetch(f"{fake.api_url}/forces", max_age=3600)
    assert len(fake.log) - before == 2


# --- retries ------------------------------------------------------------------------------

def test_backoff_doubles_with_jitter_and_a_ceiling():
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    rng = random.Random(7)
    for attempt, ceiling in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (6, 4.0)]:
        delays = [policy.backoff(attempt, rng) for _ in range(200)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert max(delays) - min(delays) > ceiling / 4  # really jittered


def test_retry_after_header_forms():
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds(format_datetime(now + timedelta(seconds=90), usegmt=True),
                               now) == 90.0
    assert retry_after_seconds(format_datetime(now - timedelta(seconds=5), usegmt=True),
                               now) == 0.0
    assert retry_after_seconds("soon") is None
    assert retry_after_seconds(None) is None


def test_throttling_and_server_errors_are_retried_honouring_retry_after(tmp_path, fake):
    clock = FakeClock()
    http = session(tmp_path, clock)
    fake.fail_next("/api/crime-last-updated", 429, 502, "drop")
    before = len(fake.log)
    assert http.fetch_json(f"{fake.api_url}/crime-last-updated") == {"date": "2018-07-01"}
    assert len(fake.log) - before == 4
    assert http.stats.retries == 3
    assert clock.sleeps[0] >= 1.0  # the 429 said Retry-After: 1; backoff alone would be < 0.5
    assert clock.sleeps[1] <= 1.0 and clock.sleeps[2] <= 2.0


def test_gives_up_after_the_last_attempt_with_a_clear_error(tmp_path, fake):
    http = session(tmp_path, retry=RetryPolicy(attempts=3))
    fake.fail_next("/api/forces", 500, 500, 500)
    with pytest.raises(FetchError) as err:
        http.fetch(f"{fake.api_url}/forces")
    assert err.value.status == 500
    assert "/api/forces" in str(err.value) and "HTTP 500" in str(err.value)
    assert "after 3 tries" in str(err.value)


def test_client_errors_and_final_statuses_are_not_retried(tmp_path, fake):
    http = session(tmp_path)
    before = len(fake.log)
    with pytest.raises(FetchError, match="HTTP 404") as err:
        http.fetch(f"{fake.api_url}/no-such-endpoint")
    assert err.value.status == 404
    fake.fail_next("/api/forces", 503)
    with pytest.raises(FetchError) as err:
        http.fetch(f"{fake.api_url}/forces", final_statuses=frozenset({503}))
    assert err.value.status == 503
    assert len(fake.log) - before == 2


def test_a_very_long_retry_after_fails_instead_of_hanging(tmp_path):
    with FakePoliceApi(retry_after="86400") as slow:
        slow.fail_next("/api/forces", 429)
        with pytest.raises(FetchError, match="wait 86400 s"):
            session(tmp_path).fetch(f"{slow.api_url}/forces")


def test_nobody_listening_is_a_clear_error(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again at once: nothing listens there
    http = session(tmp_path, retry=RetryPolicy(attempts=2))
    with pytest.raises(FetchError, match=r"no answer after 2 tries \(ConnectionError"):
        http.fetch(f"http://127.0.0.1:{port}/api/forces")


def test_non_json_answer_is_a_clear_error(tmp_path, fake):
    with pytest.raises(FetchError, match="not JSON"):
        session(tmp_path).fetch_json(f"{fake.archive_url}/2018-07.zip")


# --- downloads ----------------------------------------------------------------------------

def test_download_streams_to_disk_with_sha256_and_is_cached(tmp_path, fake):
    expected = hashlib.sha256(fake.data.zip_bytes).hexdigest()
    dest = tmp_path / "2018-07.zip"
    progress = []
    got = session(tmp_path).download(f"{fake.archive_url}/2018-07.zip", dest,
                                     on_progress=lambda done, total: progress.append((done, total)))
    assert (got.sha256, got.size, got.from_cache, got.resumed) == (
        expected, len(fake.data.zip_bytes), False, False)
    assert dest.read_bytes() == fake.data.zip_bytes
    assert not dest.with_name("2018-07.zip.part").exists()
    assert progress[-1] == (len(fake.data.zip_bytes), len(fake.data.zip_bytes))
    before = len(fake.log)
    again = session(tmp_path).download(f"{fake.archive_url}/2018-07.zip", dest)
    assert again.from_cache and again.sha256 == expected and len(fake.log) == before


def test_interrupted_download_resumes_with_a_range_request(tmp_path, fake):
    fake.cut_next_archive = True
    before = len(fake.log)
    got = session(tmp_path).download(f"{fake.archive_url}/2018-07.zip", tmp_path / "a.zip")
    assert got.resumed
    assert got.sha256 == hashlib.sha256(fake.data.zip_bytes).hexdigest()
    first, second = (entry.range for entry in fake.log[before:])
    assert first is None
    # The second asks for the rest from what reached the disk (at most the half sent).
    start = int(second.removeprefix("bytes=").rstrip("-"))
    assert 0 < start <= len(fake.data.zip_bytes) // 2


def test_leftover_part_file_is_resumed(tmp_path, fake):
    dest = tmp_path / "b.zip"
    third = len(fake.data.zip_bytes) // 3
    dest.with_name("b.zip.part").write_bytes(fake.data.zip_bytes[:third])
    before = len(fake.log)
    got = session(tmp_path).download(f"{fake.archive_url}/2018-07.zip", dest)
    assert got.resumed and dest.read_bytes() == fake.data.zip_bytes
    assert [e.range for e in fake.log[before:]] == [f"bytes={third}-"]


def test_missing_file_download_fails_naming_the_url(tmp_path, fake):
    with pytest.raises(FetchError, match=r"2018-06\.zip: HTTP 404"):
        session(tmp_path).download(f"{fake.archive_url}/2018-06.zip", tmp_path / "c.zip")
    assert not (tmp_path / "c.zip").exists()
