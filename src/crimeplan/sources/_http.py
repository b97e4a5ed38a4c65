"""Polite HTTP for open-data downloads: an on-disk cache, a rate limit, retries, resumable files.

Every request made by ``crimeplan fetch`` goes through one :class:`HttpSession`, which

* answers repeated requests from a hash-keyed cache under ``<home>/cache/http`` (a request's
  method, URL, query and form body give its SHA-256 key), so that re-running a fetch costs
  nothing and works offline;
* paces requests with a token bucket (15 per second by default, data.police.uk's published
  limit), so a burst never goes faster than the server allows;
* retries 429, 5xx and dropped connections with exponential backoff and jitter, honouring
  ``Retry-After``, then fails with an error naming the URL and what the server said;
* streams large files to a ``.part`` file beside the target, resumes it with a ``Range``
  request after an interruption, and renames it into place only when complete.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from crimeplan.provenance.hashing import sha256_file

#: data.police.uk allows 15 requests per second (with bursts of 30); we stay at the steady rate.
DEFAULT_RATE = 15.0
#: Statuses worth asking again: throttling and server-side trouble.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: The longest ``Retry-After`` we wait for silently; longer requests fail with a clear message.
MAX_RETRY_AFTER = 300.0
USER_AGENT = "crimeplan (open-source crime analysis; https://github.com/crimeplan)"
CACHE_SUBDIR = Path("cache") / "http"
_CHUNK = 1 << 16


class FetchError(RuntimeError):
    """A download that failed for good: names the URL, the HTTP status and the server's words."""

    def __init__(self, url: str, message: str, status: int | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(f"{url}: {message}")


class TokenBucket:
    """Allow ``rate`` requests per second on average, with at most ``burst`` at once."""

    def __init__(self, rate: float = DEFAULT_RATE, burst: float = 1.0,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = burst
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until one is free; return the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            wait = 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate
            if wait > 0:
                self._sleep(wait)
                self._last = self._clock()
                self._tokens = 1.0
            self._tokens -= 1
            return wait


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to ask again after a retryable failure."""

    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    statuses: frozenset[int] = RETRY_STATUSES

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Seconds before retry number ``attempt`` (0-based): doubling, half of it random."""
        ceiling = min(self.max_delay, self.base_delay * 2 ** attempt)
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Parse a ``Retry-After`` header: delta-seconds or an HTTP date; None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def request_key(method: str, url: str, params: Mapping[str, Any] | None = None,
                data: Mapping[str, Any] | None = None) -> str:
    """The cache key of a request: SHA-256 of its method, URL, sorted query and form body."""
    canonical = json.dumps([method.upper(), url, sorted((params or {}).items()),
                            sorted((data or {}).items())], default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


class ResponseCache:
    """Response bodies on disk, one file per request key, with a JSON note of where from."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str, suffix: str = ".body") -> Path:
        """Where the entry for ``key`` lives (two-character fan-out keeps folders small)."""
        return self.root / key[:2] / f"{key}{suffix}"

    def get(self, key: str, max_age: float | None = None) -> bytes | None:
        """The cached body, or None when absent or older than ``max_age`` seconds."""
        path = self.path(key)
        if not path.exists():
            return None
        if max_age is not None and time.time() - path.stat().st_mtime > max_age:
            return None
        return path.read_bytes()

    def refusal(self, key: str, max_age: float | None = None) -> int | None:
        """The HTTP status a request was refused with, if that refusal is cached and fresh."""
        path = self.path(key, ".refused")
        if not path.exists():
            return None
        if max_age is not None and time.time() - path.stat().st_mtime > max_age:
            return None
        return int(path.read_text())

    def refuse(self, key: str, status: int) -> None:
        """Remember that a request was refused with ``status`` (a meaningful, lasting answer)."""
        path = self.path(key, ".refused")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(str(status))

    def put(self, key: str, body: bytes, url: str) -> None:
        """Store a body atomically (write a temp file, then rename) with its source URL."""
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(body)
        os.replace(tmp, path)
        self.path(key, ".refused").unlink(missing_ok=True)
        note = {"url": url, "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "bytes": len(body), "sha256": hashlib.sha256(body).hexdigest()}
        self.path(key, ".json").write_text(json.dumps(note, indent=1))


@dataclass(frozen=True)
class Download:
    """A file fetched to disk: where, how big, its SHA-256, and how it was obtained."""

    path: Path
    size: int
    sha256: str
    from_cache: bool
    resumed: bool


@dataclass
class SessionStats:
    """Counts for a fetch summary: requests sent, retries, answers served from the cache."""

    requests: int = 0
    retries: int = 0
    cache_hits: int = 0
    waited_seconds: float = field(default=0.0)


ProgressHook = Callable[[int, int | None], None]


class HttpSession:
    """Cached, rate-limited, retrying HTTP for one fetch job."""

    def __init__(self, cache_dir: Path | None, *, rate: float = DEFAULT_RATE, burst: float = 1.0,
                 retry: RetryPolicy | None = None, read_cache: bool = True,
                 timeout: float = 60.0, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic,
                 rng: random.Random | None = None) -> None:
        self.cache = ResponseCache(cache_dir) if cache_dir is not None else None
        self.read_cache = read_cache
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.bucket = TokenBucket(rate, burst, clock=clock, sleep=sleep)
        self.stats = SessionStats()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._http = requests.Session()
        self._http.headers["User-Agent"] = USER_AGENT

    def close(self) -> None:
        """Release pooled connections."""
        self._http.close()

    def __enter__(self) -> HttpSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(self, url: str, params: Mapping[str, Any] | None = None,
              data: Mapping[str, Any] | None = None, *, max_age: float | None = None,
              final_statuses: frozenset[int] = frozenset()) -> bytes:
        """The body of a GET (or a form POST when ``data`` is given), from cache if fresh.

        ``max_age`` limits how old a cached answer may be (None: any age). Statuses in
        ``final_statuses`` are raised at once as :class:`FetchError` instead of retried, for
        callers to whom they mean something (police.uk answers 503 to an over-large area);
        being answers, they are cached too, and raised again from the cache.
        """
        method = "POST" if data is not None else "GET"
        key = request_key(method, url, params, data)
        if self.cache is not None and self.read_cache:
            refused = self.cache.refusal(key, max_age)
            if refused is not None and refused in final_statuses:
                self.stats.cache_hits += 1
                raise FetchError(url, f"HTTP {refused} (cached answer)", refused)
            cached = self.cache.get(key, max_age)
            if cached is not None:
                self.stats.cache_hits += 1
                return cached
        try:
            response = self._send(method, url, params=params, data=data,
                                  final_statuses=final_statuses)
        except FetchError as exc:
            if self.cache is not None and exc.status in final_statuses:
                self.cache.refuse(key, exc.status)
            raise
        body = response.content
        if self.cache is not None:
            self.cache.put(key, body, response.url)
        return body

    def fetch_json(self, url: str, params: Mapping[str, Any] | None = None,
                   data: Mapping[str, Any] | None = None, *, max_age: float | None = None,
                   final_statuses: frozenset[int] = frozenset()) -> Any:
        """Like :meth:`fetch`, decoded as JSON, with a clear error when it is not JSON."""
        body = self.fetch(url, params, data, max_age=max_age, final_statuses=final_statuses)
        try:
            return json.loads(body)
        except ValueError as exc:
            raise FetchError(url, f"the answer is not JSON ({exc}); it begins "
                                  f"{body[:80]!r}") from exc

    def download(self, url: str, dest: Path, *, on_progress: ProgressHook | None = None
                 ) -> Download:
        """Stream ``url`` to ``dest`` through ``dest.part``, resuming after interruptions.

        An existing ``dest`` (with its ``.sha256`` note) counts as cached unless the cache is
        bypassed. The SHA-256 is computed over the finished file and written beside it.
        """
        note = dest.with_name(dest.name + ".sha256")
        if self.read_cache and dest.exists() and note.exists():
            self.stats.cache_hits += 1
            return Download(dest, dest.stat().st_size, note.read_text().split()[0],
                            from_cache=True, resumed=False)
        dest.parent.mkdir(parents=True, exist_ok=True)
        part = dest.with_name(dest.name + ".part")
        if not self.read_cache:
            part.unlink(missing_ok=True)
        resumed = False
        for attempt in range(self.retry.attempts):
            offset = part.stat().st_size if part.exists() else 0
            headers = {"Range": f"bytes={offset}-"} if offset else {}
            response = self._send("GET", url, headers=headers, stream=True,
                                  ok_statuses=frozenset({200, 206, 416}))
            if response.status_code == 416:  # the part file is already whole (or stale)
                response.close()
                if offset and self._server_size(url) == offset:
                    break
                part.unlink()
                continue
            if response.status_code == 200:
                offset = 0  # the server ignored our Range: start over
            resumed = resumed or response.status_code == 206
            total = _total_size(response, offset)
            try:
                with response, part.open("ab" if offset else "wb") as out:
                    done = offset
                    for chunk in response.iter_content(_CHUNK):
                        out.write(chunk)
                        done += len(chunk)
                        if on_progress:
                            on_progress(done, total)
                if total is not None and done < total:
                    raise requests.ConnectionError(f"connection closed at byte {done} of {total}")
                break
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
                if attempt + 1 == self.retry.attempts:
                    raise FetchError(url, f"download kept breaking off ({exc}); the partial "
                                          f"file {part} is kept and will be resumed") from exc
                self._pause(self.retry.backoff(attempt, self._rng))
        else:
            raise FetchError(url, "download did not complete")
        digest = sha256_file(part)
        os.replace(part, dest)
        note.write_text(f"{digest}  {dest.name}\n")
        return Download(dest, dest.stat().st_size, digest, from_cache=False, resumed=resumed)

    def _server_size(self, url: str) -> int | None:
        """The size the server reports (HEAD): tells a finished part file from a stale one."""
        response = self._send("HEAD", url)
        length = response.headers.get("Content-Length")
        return int(length) if length and length.isdigit() else None

    def _send(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
              data: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None,
              stream: bool = False, ok_statuses: frozenset[int] = frozenset({200}),
              final_statuses: frozenset[int] = frozenset()) -> requests.Response:
        """Send one request under the rate limit, retrying what is worth retrying."""
        for attempt in range(self.retry.attempts):
            self.stats.waited_seconds += self.bucket.acquire()
            self.stats.requests += 1
            last_try = attempt + 1 == self.retry.attempts
            try:
                response = self._http.request(method, url, params=params, data=data,
                                              headers=headers, stream=stream,
                                              timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last_try:
                    raise FetchError(url, f"no answer after {self.retry.attempts} tries "
                                          f"({type(exc).__name__}: {exc})") from exc
                self._pause(self.retry.backoff(attempt, self._rng))
                continue
            status = response.status_code
            if status in ok_statuses:
                return response
            if status in final_statuses or status not in self.retry.statuses or last_try:
                raise FetchError(response.url, _describe(response, attempt + 1), status)
            wait = self.retry.backoff(attempt, self._rng)
            asked = retry_after_seconds(response.headers.get("Retry-After"))
            if asked is not None:
                if asked > MAX_RETRY_AFTER:
                    raise FetchError(response.url, f"HTTP {status}: the server asks us to wait "
                                                   f"{asked:.0f} s (Retry-After); try later",
                                     status)
                wait = max(wait, asked)
            response.close()
            self._pause(wait)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _pause(self, seconds: float) -> None:
        self.stats.retries += 1
        self.stats.waited_seconds += seconds
        self._sleep(seconds)


def _describe(response: requests.Response, tries: int) -> str:
    """HTTP status, reason and the start of the body, for an error message."""
    body = response.text[:200].strip()
    after = f" after {tries} tries" if tries > 1 else ""
    said = f": {body}" if body else ""
    return f"HTTP {response.status_code} {response.reason}{after}{said}"


def _total_size(response: requests.Response, offset: int) -> int | None:
    """The full file size from Content-Range (206) or Content-Length plus what we have."""
    content_range = response.headers.get("Content-Range", "")
    if "/" in content_range and content_range.rsplit("/", 1)[1].isdigit():
        return int(content_range.rsplit("/", 1)[1])
    length = response.headers.get("Content-Length")
    return offset + int(length) if length and length.isdigit() else None

