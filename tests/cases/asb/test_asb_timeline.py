"""An application's clock in working days, hand-computed across Christmas 2026, Easter 2027 and
the early May bank holiday 2027, with Gosport's limits (acknowledge in 10 working days, decide
15 working days after the acknowledgement, meet 20 working days after the decision)."""

from __future__ import annotations

import datetime as dt

from crimeplan.cases.asb.models import Application
from crimeplan.cases.asb.rules import rulebook
from crimeplan.cases.asb.timeline import appeal_open_until, clock, overdue, status

PROCEDURE = rulebook().in_force(dt.date(2027, 1, 1))
D = dt.date


def noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), dt.UTC)


def states(app: Application, today: dt.date) -> dict[str, tuple[dt.date | None, str]]:
    return {s.step: (s.due_on, s.state) for s in clock(app, PROCEDURE, today)}


def test_christmas_and_new_year_push_the_acknowledgement_and_the_decision() -> None:
    # Received Thursday 17 December 2026. Working days: 18, 21, 22, 23, 24 Dec (5); 25 Dec
    # and Monday 28 Dec (Boxing Day substitute) off; 29, 30, 31 Dec (8); 1 Jan off; 4, 5 Jan.
    app = Application(received_at=noon(D(2026, 12, 17)))
    got = states(app, D(2027, 1, 6))
    assert got["acknowledged"] == (D(2027, 1, 5), "overdue")
    # Not yet acknowledged: the decision runs from the acknowledgement's due day, 15 working
    # days after 5 January is 26 January.
    assert got["threshold-decided"] == (D(2027, 1, 26), "due")
    assert got["appeal-decided"] == (None, "not-applicable")
    assert overdue(clock(app, PROCEDURE, D(2027, 1, 6)))
    assert not overdue(clock(app, PROCEDURE, D(2027, 1, 5)))
    assert status(app) == "received"


def test_easter_and_the_early_may_bank_holiday() -> None:
    # Received Monday 15 March 2027; Good Friday 26 March and Easter Monday 29 March are off:
    # the acknowledgement is due 31 March. Acknowledged 19 March: the decision is due 15
    # working days later, 13 April. Decided on 14 April (late): the meeting is due 20 working
    # days later over the early May bank holiday (3 May), on 13 May.
    app = Application(received_at=noon(D(2027, 3, 15)), acknowledged_at=noon(D(2027, 3, 19)),
                      threshold_decided_at=noon(D(2027, 4, 14)), threshold_met=True)
    got = states(app, D(2027, 5, 14))
    assert got["acknowledged"] == (D(2027, 3, 31), "done")
    assert got["threshold-decided"] == (D(2027, 4, 13), "done-late")
    assert got["meeting-held"] == (D(2027, 5, 13), "overdue")
    assert states(app, D(2027, 5, 13))["meeting-held"] == (D(2027, 5, 13), "due")
    assert status(app) == "threshold-met"


def test_no_meeting_when_the_threshold_is_not_met_and_the_appeal_window() -> None:
    app = Application(received_at=noon(D(2027, 3, 15)), acknowledged_at=noon(D(2027, 3, 16)),
                      threshold_decided_at=noon(D(2027, 4, 1)), threshold_met=False)
    got = states(app, D(2027, 6, 1))
    assert got["meeting-held"] == (None, "not-applicable")
    assert status(app) == "threshold-not-met"
    # 20 working days after Thursday 1 April 2027, over Easter Monday (29 March is before):
    # 2, 5, 6, ... : 2 Apr(1), 5-9 (6), 12-16 (11), 19-23 (16), 26-29 (20) -> 29 April.
    assert appeal_open_until(app, PROCEDURE) == D(2027, 4, 29)
    app.appeal_received_at = noon(D(2027, 4, 20))
    got = states(app, D(2027, 6, 1))
    # 15 working days after Tuesday 20 April 2027: 21-23 Apr (3), 26-30 Apr (8), Monday
    # 3 May (early May bank holiday) off, 4-7 May (12), 10-12 May (15) -> 12 May.
    assert got["appeal-decided"] == (D(2027, 5, 12), "overdue")
    assert appeal_open_until(app, PROCEDURE) is None
    assert status(app) == "appeal-received"
