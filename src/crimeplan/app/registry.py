"""The register of use cases: every function of the application layer, the kind of run record
it appends, and a trace of the use cases a block of code called.

``@use_case("analysis.trends", run_kind="analysis.trends")`` registers a function; a use case
that appends no run record says so with ``run_kind=None`` and its reason (reading the audit log
itself, listing code lists). ``traced()`` lets a test see that a command went through a use
case rather than around it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class UseCase:
    """One use case: its name, function, the run kind it records (None: no run) and why not."""

    name: str
    function: Callable[..., Any]
    run_kind: str | None
    no_run_because: str = ""


#: Every use case, by name.
USE_CASES: dict[str, UseCase] = {}
_trace: ContextVar[list[str] | None] = ContextVar("use_case_trace", default=None)


def use_case(name: str, *, run_kind: str | None,
             no_run_because: str = "") -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Register a use case. Its first argument is the actor."""
    if name in USE_CASES:
        raise ValueError(f"use case {name!r} is registered twice")
    if (run_kind is None) != bool(no_run_because):
        raise ValueError(f"use case {name!r}: say why it records no run, or give its kind")

    def register(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            calls = _trace.get()
            if calls is None:
                return function(*args, **kwargs)
            calls.append(name)
            token = _trace.set(None)  # the shell's call is traced, not the ones it makes
            try:
                return function(*args, **kwargs)
            finally:
                _trace.reset(token)

        USE_CASES[name] = UseCase(name, run, run_kind, no_run_because)
        return run

    return register


@contextmanager
def traced() -> Iterator[list[str]]:
    """The names of the use cases called inside the block (in this thread), in order: the
    outermost calls only, as a shell makes them."""
    calls: list[str] = []
    token = _trace.set(calls)
    try:
        yield calls
    finally:
        _trace.reset(token)


def load_all() -> dict[str, UseCase]:
    """Import every module of the application layer, so the register is complete."""
    import importlib
    import pkgutil

    import crimeplan.app as package

    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{module.name}")
    return USE_CASES
