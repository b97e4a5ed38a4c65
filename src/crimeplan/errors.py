"""One error type for the whole library, with the kinds every shell maps to its own terms.

The CLI turns a kind into an exit code and the web layer into an HTTP status and an RFC 9457
problem document; ``fields`` carries field-level codes (``{"field": "email", "code":
"required"}``) so a form or another agency's system can point at exactly what was wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorKind(StrEnum):
    """What went wrong, in words the caller can act on."""

    BAD_INPUT = "bad-input"
    NOT_FOUND = "not-found"
    FORBIDDEN = "forbidden"
    CONFLICT = "conflict"
    DATA_MISSING = "data-missing"
    UNAUTHENTICATED = "unauthenticated"


#: Exit code of a command that stops on each kind (2 is Click's own code for bad usage).
EXIT_CODES: dict[ErrorKind, int] = {
    ErrorKind.BAD_INPUT: 2,
    ErrorKind.NOT_FOUND: 3,
    ErrorKind.FORBIDDEN: 4,
    ErrorKind.CONFLICT: 5,
    ErrorKind.DATA_MISSING: 6,
    ErrorKind.UNAUTHENTICATED: 7,
}


@dataclass(frozen=True)
class FieldProblem:
    """One field that was wrong: its name, a stable code and a sentence for people."""

    field: str
    code: str
    message: str = ""


class CrimeplanError(Exception):
    """Base of every error crimeplan raises on purpose."""

    kind: ErrorKind = ErrorKind.BAD_INPUT

    def __init__(self, message: str, *, fields: tuple[FieldProblem, ...] = (),
                 kind: ErrorKind | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields
        if kind is not None:
            self.kind = kind

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.kind]


class BadInput(CrimeplanError):
    kind = ErrorKind.BAD_INPUT


class NotFound(CrimeplanError):
    kind = ErrorKind.NOT_FOUND


class Forbidden(CrimeplanError):
    kind = ErrorKind.FORBIDDEN


class Conflict(CrimeplanError):
    kind = ErrorKind.CONFLICT


class DataMissing(CrimeplanError):
    kind = ErrorKind.DATA_MISSING


class Unauthenticated(CrimeplanError):
    kind = ErrorKind.UNAUTHENTICATED
