"""The conformance kit: checks that any agency's endpoint speaks the exchange standard.

Run against a base URL (``crimeplan standard check URL``): the error format (RFC 9457 problem
documents, 401 with ``WWW-Authenticate``), and with client credentials the token endpoint, the
feed (page and every event valid against the published v1 schemas, sequences increasing per
subject, a bounded long poll), the detail of an event, the subscription API (a ``whsec_``
secret of 32 bytes, rotation, deletion) and, when the endpoint sends any within the wait,
webhook deliveries to a loopback receiver verified by the Standard Webhooks scheme.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import requests
from jsonschema import Draft202012Validator
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from crimeplan.standard.exchange import entities, entity_schema
from crimeplan.web.problems import Problem

PROBLEM = "application/problem+json"


@dataclass(frozen=True)
class Result:
    """One check: passed, failed or skipped, and why."""

    name: str
    status: str
    detail: str = ""


class Failed(Exception):
    """A check's expectation not met."""


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


def _validator(name: str) -> Draft202012Validator:
    model, codes = entities()[name]
    return Draft202012Validator(entity_schema(name, model, codes))


def _problem(response: requests.Response, status: int) -> None:
    _expect(response.status_code == status,
            f"expected {status}, got {response.status_code}")
    _expect(response.headers.get("content-type", "").startswith(PROBLEM),
            f"content-type {response.headers.get('content-type')!r}, not {PROBLEM}")
    body = response.json()
    Draft202012Validator(Problem.model_json_schema()).validate(body)
    _expect(body["status"] == status, "the problem's status differs from the response's")


@dataclass
class Delivered:
    """One request a loopback inbox took: its headers (lower-case names) and body."""

    headers: dict[str, str]
    body: bytes


@dataclass
class LoopbackInbox:
    """A webhook receiver on 127.0.0.1 (``with LoopbackInbox() as inbox``): takes POSTs at
    ``inbox.url``, keeps them in ``inbox.received`` and answers with ``statuses`` in turn,
    then 204."""

    statuses: list[int] = field(default_factory=list)
    received: list[Delivered] = field(default_factory=list)

    def __enter__(self) -> LoopbackInbox:
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # the http.server API
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                inbox.received.append(Delivered(
                    {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(inbox.statuses.pop(0) if inbox.statuses else 204)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/conformance"

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class Kit:
    """The checks against one endpoint."""

    def __init__(self, url: str, client_id: str | None = None,
                 client_secret: str | None = None, purpose: str = "information-sharing",
                 webhook_wait: float = 0.0, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.credentials = (client_id, client_secret) if client_id and client_secret else None
        self.purpose, self.webhook_wait, self.timeout = purpose, webhook_wait, timeout
        self.http = requests.Session()
        self.token: str | None = None
        self.events: list[dict[str, Any]] = []

    def _get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.url + path, timeout=self.timeout, **kwargs)

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "X-Purpose": self.purpose}

    def run(self) -> list[Result]:
        checks: list[tuple[str, Callable[[], str], bool]] = [
            ("errors: 401 problem document", self.unauthenticated, False),
            ("token: client credentials", self.token_endpoint, True),
            ("errors: 400/422 problem documents", self.bad_requests, True),
            ("feed: page and event envelopes", self.feed, True),
            ("feed: long poll is bounded", self.long_poll, True),
            ("detail: fetch with own credentials", self.detail, True),
            ("subscriptions: secret, rotation, deletion", self.subscriptions, True),
            ("webhooks: signatures verify", self.webhooks, True),
        ]
        results = []
        for name, check, needs_token in checks:
            skip = ("needs --client-id and --client-secret" if self.credentials is None
                    else "no token" if self.token is None and check != self.token_endpoint
                    else "") if needs_token else ""
            if skip:
                results.append(Result(name, "skipped", skip))
                continue
            try:
                results.append(Result(name, "passed", check()))
            except (Failed, requests.RequestException, ValueError, KeyError) as exc:
                results.append(Result(name, "failed", f"{type(exc).__name__}: {exc}"))
        return results

    def unauthenticated(self) -> str:
        response = self._get("/api/v1/events")
        _problem(response, 401)
        _expect(response.headers.get("www-authenticate", "").lower().startswith("bearer"),
                "no WWW-Authenticate: Bearer header")
        return "401 application/problem+json with WWW-Authenticate: Bearer"

    def token_endpoint(self) -> str:
        assert self.credentials is not None
        response = self.http.post(self.url + "/api/v1/oauth/token", timeout=self.timeout,
                                  data={"grant_type": "client_credentials",
                                        "client_id": self.credentials[0],
                                        "client_secret": self.credentials[1]})
        _expect(response.status_code == 200, f"token endpoint answered {response.status_code}")
        body = response.json()
        _expect(body.get("token_type") == "Bearer" and bool(body.get("access_token")),
                "no Bearer access_token")
        self.token = body["access_token"]
        return f"a Bearer token for {body.get('expires_in')} s"

    def bad_requests(self) -> str:
        _problem(self._get("/api/v1/events", headers={"Authorization": f"Bearer {self.token}"}),
                 400)
        _problem(self._get("/api/v1/events", params={"limit": 0}, headers=self._auth()), 422)
        return "a missing purpose is 400, a bad parameter 422, both problem documents"

    def feed(self) -> str:
        response = self._get("/api/v1/events", params={"limit": 1000}, headers=self._auth())
        _expect(response.status_code == 200, f"feed answered {response.status_code}")
        page = response.json()
        _validator("feed-page").validate(page)
        envelope, last = _validator("change-event"), {}
        for event in page["events"]:
            envelope.validate(event)
            _expect(event["sequence"] > last.get(event["subject"], 0),
                    f"sequence of {event['subject']} goes back at event {event['id']}")
            last[event["subject"]] = event["sequence"]
            _expect(event["detailurl"].startswith(("http://", "https://")),
                    "detailurl is not an absolute http(s) URL")
        self.events, self.cursor = page["events"], page["next"]
        return f"{len(page['events'])} events valid, next = {page['next']}"

    def long_poll(self) -> str:
        started = time.monotonic()
        response = self._get("/api/v1/events", params={"after": self.cursor, "wait": 1},
                             headers=self._auth())
        elapsed = time.monotonic() - started
        _expect(response.status_code == 200, f"long poll answered {response.status_code}")
        _expect(elapsed < 1 + 10, f"a 1-second long poll took {elapsed:.1f} s")
        return f"wait=1 answered in {elapsed:.1f} s"

    def detail(self) -> str:
        if not self.events:
            return "no events visible to this client: nothing to fetch"
        event = self.events[-1]
        response = self.http.get(event["detailurl"], headers=self._auth(),
                                 timeout=self.timeout)
        if response.status_code == 404:
            _problem(response, 404)
            return "the subject is gone or no longer ours: 404 problem document"
        _expect(response.status_code == 200, f"detail answered {response.status_code}")
        kind = event["subject"].split("/")[0]
        if kind in entities():
            _validator(kind).validate(response.json())
        return f"{event['subject']} fetched" + (" and valid" if kind in entities() else "")

    def _subscribe(self, url: str) -> dict[str, Any]:
        response = self.http.post(self.url + "/api/v1/exchange/subscriptions",
                                  json={"url": url, "types": []}, headers=self._auth(),
                                  timeout=self.timeout)
        _expect(response.status_code == 201, f"subscribing answered {response.status_code}")
        body = response.json()
        secret = body["secret"]
        _expect(secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) >= 24,
                "the secret is not whsec_ and base64 of at least 24 bytes")
        return dict(body)

    def subscriptions(self) -> str:
        sub = self._subscribe("http://127.0.0.1:9/conformance-unused")
        path = f"/api/v1/exchange/subscriptions/{sub['id']}"
        rotated = self.http.post(self.url + path + "/rotate-secret", headers=self._auth(),
                                 timeout=self.timeout)
        _expect(rotated.status_code == 200 and rotated.json()["secret"] != sub["secret"],
                "rotation did not give a new secret")
        gone = self.http.delete(self.url + path, headers=self._auth(), timeout=self.timeout)
        _expect(gone.status_code == 204, f"deleting answered {gone.status_code}")
        return "created with a whsec_ secret, rotated, deleted"

    def webhooks(self) -> str:
        with LoopbackInbox() as inbox:
            sub = self._subscribe(inbox.url)
            try:
                deadline = time.monotonic() + self.webhook_wait
                while not inbox.received and time.monotonic() < deadline:
                    time.sleep(0.2)
            finally:
                self.http.delete(f"{self.url}/api/v1/exchange/subscriptions/{sub['id']}",
                                 headers=self._auth(), timeout=self.timeout)
        if not inbox.received:
            return f"no delivery within {self.webhook_wait:g} s: signatures not checked"
        envelope = _validator("change-event")
        for delivery in inbox.received:
            try:
                envelope.validate(Webhook(sub["secret"]).verify(delivery.body,
                                                                delivery.headers))
            except WebhookVerificationError as exc:
                raise Failed(f"a delivery does not verify: {exc}") from exc
        return f"{len(inbox.received)} deliveries verified and valid"
