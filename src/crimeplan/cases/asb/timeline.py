"""An application's status and clock, derived from its timestamps and the procedure's time
limits in working days (``crimeplan.cases.clock``), never stored.

Each timed step is due a number of working days after the step it is timed from; when that
step has not happened yet, the count runs from its own due day, so a late acknowledgement
shows the decision as already at risk. A step is ``done`` (on or before its due day),
``done-late``, ``due`` (not yet done, not yet late), ``overdue`` or ``not-applicable`` (no
meeting when the threshold was not met; no appeal decision without an appeal).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crimeplan.cases.asb.models import Application
from crimeplan.cases.asb.rules import Procedure
from crimeplan.cases.clock import add_working_days
from crimeplan.cases.months import uk_date


@dataclass(frozen=True)
class StepClock:
    """One step: when it was done, when it was due, and its state on the day asked."""

    step: str
    done_on: dt.date | None
    due_on: dt.date | None
    state: str
    working_days: int | None = None
    start: str | None = None


def _applies(application: Application, step: str) -> bool:
    if step == "meeting-held":
        return application.threshold_met is not False
    if step in ("appeal-received", "appeal-decided"):
        return application.appeal_received_at is not None
    return True


def clock(application: Application, procedure: Procedure, today: dt.date) -> list[StepClock]:
    """Every step of the application in order, with its state on ``today``."""
    days: dict[str, dt.date | None] = {}
    out = []
    for step in ("received", "acknowledged", "threshold-decided", "meeting-held",
                 "appeal-received", "appeal-decided"):
        at = application.done_at(step)
        done = uk_date(at) if at is not None else None
        limit = procedure.limit(step)
        if not _applies(application, step):
            days[step] = None
            out.append(StepClock(step, None, None, "not-applicable"))
            continue
        due = None
        if limit is not None and days.get(limit.start) is not None:
            start_day = days[limit.start]
            assert start_day is not None
            due = add_working_days(start_day, limit.working_days)
        days[step] = done or due
        if done is not None:
            state = "done-late" if due is not None and done > due else "done"
        elif due is not None and today > due:
            state = "overdue"
        else:
            state = "due"
        out.append(StepClock(step, done, due, state,
                             limit.working_days if limit else None,
                             limit.start if limit else None))
    return out


def status(application: Application) -> str:
    """Where the application is, from its latest step."""
    if application.appeal_decided_at is not None:
        return "appeal-decided"
    if application.appeal_received_at is not None:
        return "appeal-received"
    if application.meeting_held_at is not None:
        return "review-held"
    if application.threshold_decided_at is not None:
        return "threshold-met" if application.threshold_met else "threshold-not-met"
    if application.acknowledged_at is not None:
        return "acknowledged"
    return "received"


def overdue(steps: list[StepClock]) -> bool:
    return any(s.state == "overdue" for s in steps)


def appeal_open_until(application: Application, procedure: Procedure) -> dt.date | None:
    """The last day an appeal may be made: so many working days after the threshold decision
    (when not met) or the review meeting."""
    if application.appeal_received_at is not None:
        return None
    decided = application.meeting_held_at or (
        application.threshold_decided_at if application.threshold_met is False else None)
    if decided is None:
        return None
    return add_working_days(uk_date(decided), procedure.appeal_window_working_days)
