"""Time-based one-time passwords (RFC 6238, 30 s steps, 6 digits) with enrolment by QR code.

A code is accepted one step either side of now (clock drift) and only for a step later than
the last one used, so an overheard code cannot be replayed.
"""

from __future__ import annotations

import hmac
import time

import pyotp
import segno

STEP = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret, interval=STEP).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The enrolment QR code as an inline SVG element (made here, no outside service)."""
    return str(segno.make(uri, error="m").svg_inline(scale=5, title="QR code to enrol "
                                                     "your authenticator app"))


def code_at(secret: str, when: float) -> str:
    return pyotp.TOTP(secret, interval=STEP).at(int(when))


def matching_step(secret: str, code: str, last_step: int, now: float | None = None) -> int | None:
    """The time step ``code`` belongs to, if it is valid now and newer than ``last_step``."""
    code = code.strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    now = time.time() if now is None else now
    current = int(now) // STEP
    for step in (current - 1, current, current + 1):
        if step > last_step and hmac.compare_digest(code_at(secret, step * STEP), code):
            return step
    return None
