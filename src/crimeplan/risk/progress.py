"""Progress of long risk steps, reported through a callback so the library itself prints nothing.

A callback ``progress(what, done, total)`` is told, as each step starts, what is being done and
how many of ``total`` steps are complete; the last call has ``done == total``. The CLI shows it
as a progress bar; library callers may pass nothing.
"""

from __future__ import annotations

from collections.abc import Callable

#: ``(what is being done, steps complete, steps in all)``.
Progress = Callable[[str, int, int], None]


def part(progress: Progress | None, before: int, total: int, prefix: str = "") -> Progress | None:
    """A callback for one part of a larger job: the part's step ``done`` (of its own total) is
    reported as step ``before + done`` of the job's ``total``, its text after ``prefix``."""
    if progress is None:
        return None
    return lambda what, done, _total: progress(prefix + what, before + done, total)


class Steps:
    """A job of ``total`` named steps reported in turn: ``start(what)`` as each begins, then
    ``finish(what)`` when all are done."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.done = 0

    def start(self, what: str) -> None:
        if self.progress:
            self.progress(what, self.done, self.total)
        self.done += 1

    def finish(self, what: str) -> None:
        if self.progress:
            self.progress(what, self.total, self.total)
