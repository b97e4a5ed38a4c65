"""Headers every response carries, a request id, and refusal of cross-site form posts.

The Content-Security-Policy allows only this origin's own files: no inline script or style,
no framing.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crimeplan.web.settings import Settings

UNSAFE = frozenset({b"POST", b"PUT", b"PATCH", b"DELETE"})


CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'")


def security_headers(settings: Settings) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Cache-Control": "no-store",
    }
    if settings.tls:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


class SecurityMiddleware:
    """Adds the headers and an X-Request-ID; refuses unsafe requests from another site."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.headers = security_headers(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        static = scope["path"].startswith(("/static/", "/assets/"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    if static and name == "Cache-Control":
                        value = "public, max-age=3600"
                    headers.setdefault(name, value)
                headers["X-Request-ID"] = request_id
            await send(message)

        if scope["method"].encode() in UNSAFE and _cross_site(scope):
            await _refuse(send_with_headers)
            return
        await self.app(scope, receive, send_with_headers)


def _cross_site(scope: Scope) -> bool:
    """A browser says the request comes from another site or origin: Fetch metadata when it
    sends it (the Origin of a form post may be "null" under a strict referrer policy), else
    the Origin header. Clients that are not browsers send neither."""
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
    site = headers.get("sec-fetch-site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = headers.get("origin")
    if origin is None:
        return False
    return origin == "null" or urlsplit(origin).netloc != headers.get("host", "")


async def _refuse(send: Send) -> None:
    body = (b'{"type":"urn:crimeplan:problem:forbidden","title":"Not allowed","status":403,'
            b'"detail":"cross-site request refused"}')
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
