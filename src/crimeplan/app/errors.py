"""The library's own errors, as the kinds of ``crimeplan.errors`` every shell understands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from crimeplan.errors import BadInput


@contextmanager
def bad_input(*kinds: type[Exception]) -> Iterator[None]:
    """Raise any error of ``kinds`` inside the block as BadInput, with the same message (it
    names the file, row and field where the library knows them)."""
    try:
        yield
    except kinds as exc:
        raise BadInput(str(exc)) from exc
