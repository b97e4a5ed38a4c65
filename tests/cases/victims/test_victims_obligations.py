"""Obligations from events: due days hand-computed across Christmas, Easter, the early May bank
holiday and a change of clocks; the states derived from timestamps; the victim's choices
stopping the clock; late and corrected events; regeneration that changes nothing the second
time; and property tests of all three."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from victims_world import (
    LATER,
    Agencies,
    at,
    every,
    make_agencies,
    obligations_of,
    only,
    victim,
)

from crimeplan.cases.clock import is_working_day
from crimeplan.cases.db import Database
from crimeplan.cases.events import Event
from crimeplan.cases.victims import obligations, services
from crimeplan.cases.victims.models import Obligation
from crimeplan.cases.victims.rules import in_force
from crimeplan.provenance.dblog import AuditEntry

D = dt.date
ARREST = "r6-suspect-arrested-interviewed-or-released"
REFERRAL = "r4-referral-to-support-services"


@pytest.fixture
def agencies(db: Database) -> Agencies:
    return make_agencies(db)


def _arrest(s, agencies: Agencies, care, when: dt.datetime, **kw) -> Event:
    return services.record_event(s, agencies.actor(), care, LATER, kind="arrest",
                                 occurred_at=when, **kw)


def test_an_arrest_on_christmas_eve_2026(db: Database, agencies: Agencies) -> None:
    # Thu 24 Dec 2026: Fri 25 Dec and Mon 28 Dec (Boxing Day's substitute) are bank holidays,
    # Fri 1 Jan 2027 too. One working day later is Tue 29 Dec; five is Tue 5 Jan 2027.
    with db.session() as s:
        enhanced = victim(s, agencies, at(2026, 12, 20), grounds=("fear-or-distress",))
        standard = victim(s, agencies, at(2026, 12, 20), grounds=(), name="Sam")
        for care in (enhanced, standard):
            _arrest(s, agencies, care, at(2026, 12, 24, 15))
        fast, _ = only(s, enhanced, ARREST)
        slow, _ = only(s, standard, ARREST)
    assert (fast.enhanced, fast.limit_days, fast.due_on) == (True, 1, D(2026, 12, 29))
    assert (slow.enhanced, slow.limit_days, slow.due_on) == (False, 5, D(2027, 1, 5))
    # Met means met before midnight at the end of the due day, in England (GMT in winter).
    assert fast.due_at == dt.datetime(2026, 12, 30, tzinfo=dt.UTC)
    assert fast.due_month == "2026-12" and slow.due_month == "2027-01"
    assert fast.rules_version == "victims-code-2020-v1"


def test_referral_across_easter_2027(db: Database, agencies: Agencies) -> None:
    # Reported Thu 25 Mar 2027; Good Friday 26 Mar and Easter Monday 29 Mar are holidays:
    # two working days later is Wed 31 Mar.
    with db.session() as s:
        care = victim(s, agencies, at(2027, 3, 25, 9))
        referral, st = only(s, care, REFERRAL)
    assert referral.due_on == D(2027, 3, 31) and referral.limit_days == 2
    assert referral.duty_agency_id == agencies.police and st == "breached"


def test_early_may_bank_holiday_2026(db: Database, agencies: Agencies) -> None:
    # Arrest Fri 1 May 2026; Mon 4 May is the early May bank holiday: 1 working day is Tue 5
    # May, 5 working days are Tue 5, Wed 6, Thu 7, Fri 8, Mon 11 May.
    with db.session() as s:
        enhanced = victim(s, agencies, at(2026, 4, 30), grounds=("under-18",))
        standard = victim(s, agencies, at(2026, 4, 30), grounds=())
        for care in (enhanced, standard):
            _arrest(s, agencies, care, at(2026, 5, 1, 18))
        assert only(s, enhanced, ARREST)[0].due_on == D(2026, 5, 5)
        assert only(s, standard, ARREST)[0].due_on == D(2026, 5, 11)


def test_days_are_counted_in_england_across_the_change_of_clocks(db: Database,
                                                                 agencies: Agencies) -> None:
    # 23:30 UTC on Tue 30 Jun 2026 is 00:30 on Wed 1 Jul in England (BST): the count starts
    # from Wed 1 Jul, so two working days later is Fri 3 Jul, ending at 23:00 UTC.
    with db.session() as s:
        care = victim(s, agencies, dt.datetime(2026, 6, 30, 23, 30, tzinfo=dt.UTC))
        referral, _ = only(s, care, REFERRAL)
    assert referral.due_on == D(2026, 7, 3)
    assert referral.due_at == dt.datetime(2026, 7, 3, 23, 0, tzinfo=dt.UTC)


def test_the_witness_care_clock_runs_from_receipt(db: Database, agencies: Agencies) -> None:
    # Right 9: the outcome is told within 1 working day of the Witness Care Unit receiving
    # it: a verdict on Mon 8 Mar 2027 recorded on Wed 10 Mar is due Thu 11 Mar.
    with db.session() as s:
        care = victim(s, agencies, at(2027, 1, 4))
        verdict = services.record_event(s, agencies.actor(), care, at(2027, 3, 10, 11),
                                        kind="court-outcome", occurred_at=at(2027, 3, 8, 15))
        outcome, _ = only(s, care, "r9-outcome-and-sentence")
    assert outcome.triggered_at == verdict.recorded_at == at(2027, 3, 10, 11)
    assert outcome.due_on == D(2027, 3, 11)


def _state(s, row: Obligation, now: dt.datetime) -> str:
    return s.scalar(select(obligations.state(now)).where(Obligation.id == row.id))


def test_states_are_derived_from_timestamps(db: Database, agencies: Agencies) -> None:
    """An arrest on Mon 1 Feb 2027 at 10:00 for a standard victim is due Mon 8 Feb."""
    arrested = at(2027, 2, 1)
    with db.session() as s:
        cases = {name: victim(s, agencies, at(2027, 1, 25), grounds=(), name=name)
                 for name in ("met", "late", "open", "out", "unable", "na")}
        arrests = {n: _arrest(s, agencies, c, arrested) for n, c in cases.items()}
        police = agencies.actor()
        for name, when in (("met", at(2027, 2, 8, 23, 59)), ("late", at(2027, 2, 9, 0, 1))):
            row, _ = only(s, cases[name], ARREST)
            services.record_outcome(s, police, row, LATER, outcome="met", at=when)
        services.choose(s, police, cases["out"], LATER, kind="opt-out", right=6,
                        recorded_at=at(2027, 2, 3))
        row, _ = only(s, cases["unable"], ARREST)
        services.record_outcome(s, police, row, LATER, outcome="unable", at=at(2027, 2, 5),
                                reason="No working phone number or address")
        row, _ = only(s, cases["na"], ARREST)
        services.record_outcome(s, police, row, LATER, outcome="not-applicable",
                                at=at(2027, 2, 2), reason="Duplicate crime record")
        before, after = at(2027, 2, 8, 23, 59), at(2027, 2, 9, 0, 0)
        got = {n: _state(s, only(s, c, ARREST)[0], after) for n, c in cases.items()}
        assert _state(s, only(s, cases["open"], ARREST)[0], before) == "pending"
        met_row, _ = only(s, cases["met"], ARREST)
        assert met_row.met_event_id is not None
        contact = s.get(Event, met_row.met_event_id)
        assert (contact.kind, contact.code, contact.parent_id) == (
            "contact", "victim-informed", arrests["met"].id)
    assert got == {"met": "met", "late": "met-late", "open": "breached", "out": "opted-out",
                   "unable": "unable", "na": "not-applicable"}


def test_choices_stop_the_clock_from_when_they_were_recorded(db: Database,
                                                             agencies: Agencies) -> None:
    with db.session() as s:
        police = agencies.actor()
        early = victim(s, agencies, at(2027, 2, 1), grounds=())
        services.choose(s, police, early, LATER, kind="opt-out", recorded_at=at(2027, 2, 1, 11))
        _arrest(s, agencies, early, at(2027, 2, 10))
        row, st = only(s, early, ARREST)
        # Opted out of every service before the arrest: stopped as it started.
        assert (row.stopped_at, row.stop_reason, st) == (at(2027, 2, 10), "opted-out",
                                                         "opted-out")
        # Opting out after the due day does not undo a breach.
        late = victim(s, agencies, at(2027, 2, 1), grounds=())
        _arrest(s, agencies, late, at(2027, 2, 10))
        services.choose(s, police, late, LATER, kind="opt-out", recorded_at=at(2027, 3, 1))
        assert only(s, late, ARREST)[1] == "breached"
        # An opt-out of Right 6 leaves Right 4 running; opting back in restarts new clocks.
        back = victim(s, agencies, at(2027, 2, 1, 9), grounds=())
        services.choose(s, police, back, LATER, kind="opt-out", right=6,
                        recorded_at=at(2027, 2, 1, 9, 30))
        _arrest(s, agencies, back, at(2027, 2, 2))
        services.choose(s, police, back, LATER, kind="opt-in", right=6,
                        recorded_at=at(2027, 2, 3))
        _arrest(s, agencies, back, at(2027, 2, 4))
        assert [st for _, st in obligations_of(s, back)[ARREST]] == ["opted-out", "breached"]
        assert only(s, back, REFERRAL)[1] == "breached"
        # An agreed frequency of updates replaces the right's event-by-event limits.
        agreed = victim(s, agencies, at(2027, 2, 1), grounds=())
        services.choose(s, police, agreed, LATER, kind="agreed-frequency", right=6,
                        frequency_days=28, recorded_at=at(2027, 2, 1, 12))
        _arrest(s, agencies, agreed, at(2027, 2, 5))
        row, st = only(s, agreed, ARREST)
        assert (row.stop_reason, st) == ("agreed-frequency", "opted-out")


def test_enhanced_rights_come_from_the_assessment_made_by_then(db: Database,
                                                               agencies: Agencies) -> None:
    with db.session() as s:
        care = victim(s, agencies, at(2027, 6, 1), grounds=())
        _arrest(s, agencies, care, at(2027, 6, 2))
        services.assess(s, agencies.actor("victims"), care, LATER, assessed_at=at(2027, 6, 3),
                        needs=["safety-planning"], grounds=["persistently-targeted"],
                        outcome="specialist-referral")
        _arrest(s, agencies, care, at(2027, 6, 4))
        rows = [row for row, _ in obligations_of(s, care)[ARREST]]
    assert [(r.enhanced, r.limit_days) for r in rows] == [(False, 5), (True, 1)]


def test_a_violent_crime_alone_does_not_make_a_victim_enhanced(db: Database,
                                                               agencies: Agencies) -> None:
    with db.session() as s:
        care = victim(s, agencies, at(2027, 6, 1))  # crime code violent-crime, no assessment
        _arrest(s, agencies, care, at(2027, 6, 2))
        assert only(s, care, ARREST)[0].enhanced is False


def test_a_late_event_starts_its_clock_when_it_happened(db: Database,
                                                        agencies: Agencies) -> None:
    with db.session() as s:
        care = victim(s, agencies, at(2027, 1, 4), grounds=())
        services.record_event(s, agencies.actor(), care, at(2027, 3, 1), kind="arrest",
                              occurred_at=at(2027, 1, 11))
        row, st = only(s, care, ARREST, now=at(2027, 3, 1))
    assert row.due_on == D(2027, 1, 18) and st == "breached"


def test_corrected_events_withdraw_and_restore_obligations(db: Database,
                                                           agencies: Agencies) -> None:
    with db.session() as s:
        police = agencies.actor()
        care = victim(s, agencies, at(2027, 1, 4), grounds=())
        arrest = _arrest(s, agencies, care, at(2027, 1, 5))
        row, _ = only(s, care, ARREST)
        services.record_outcome(s, police, row, LATER, outcome="unable", at=at(2027, 1, 6),
                                reason="Victim abroad")
        arrest.kind = "test-on-arrest"  # recorded as the wrong kind, then corrected
        changes = obligations.regenerate(s, police, care, LATER)
        assert (changes.withdrawn, only(s, care, ARREST)[1]) == (1, "not-applicable")
        arrest.kind = "arrest"
        assert obligations.regenerate(s, police, care, LATER).updated == 1
        row, st = only(s, care, ARREST)
        assert (row.withdrawn_at, row.unable_reason, st) == (None, "Victim abroad", "unable")
        arrest.occurred_at = at(2027, 1, 12)  # the arrest was a week later
        obligations.regenerate(s, police, care, LATER)
        assert only(s, care, ARREST)[0].due_on == D(2027, 1, 19)


def test_every_victim_of_a_crime_has_their_own_obligations(db: Database,
                                                           agencies: Agencies) -> None:
    with db.session() as s:
        first = victim(s, agencies, at(2027, 5, 10), grounds=())
        second = victim(s, agencies, at(2027, 5, 10), grounds=("most-serious-crime",),
                        crime_event_id=first.crime_event_id, name="Second")
        _arrest(s, agencies, first, at(2027, 5, 11))
        row, _ = only(s, second, ARREST)
        services.record_outcome(s, agencies.actor(), row, LATER, outcome="met",
                                at=at(2027, 5, 11, 17))
        assert only(s, second, ARREST)[1] == "met" and only(s, second, ARREST)[0].enhanced
        assert only(s, first, ARREST)[1] == "breached"


def test_the_victim_contact_scheme(db: Database, agencies: Agencies) -> None:
    with db.session() as s:
        police = agencies.actor()
        care = victim(s, agencies, at(2027, 1, 4), grounds=())
        short = services.record_event(s, police, care, LATER, kind="sentence",
                                      occurred_at=at(2027, 9, 1),
                                      details={"custodial_months": 6,
                                               "specified_violent_or_sexual_offence": True})
        assert "r11-referral-to-victim-contact-scheme" not in obligations_of(s, care)
        services.record_event(s, police, care, LATER, kind="sentence", parent_id=short.id,
                              occurred_at=at(2027, 9, 15),
                              details={"custodial_months": 30,
                                       "specified_violent_or_sexual_offence": True})
        # Wed 15 Sep 2027 + 10 working days = Wed 29 Sep.
        referral, st = only(s, care, "r11-referral-to-victim-contact-scheme")
        assert (referral.due_on, st) == (D(2027, 9, 29), "breached")
        services.record_outcome(s, police, referral, LATER, outcome="met",
                                at=at(2027, 9, 20), to_agency_id=agencies.probation)
        # The Victim Liaison Officer: 20 working days from Mon 20 Sep is Mon 18 Oct.
        vlo, st = only(s, care, "r11-victim-liaison-officer-contact")
        assert (vlo.duty_agency_id, vlo.due_on, st) == (agencies.probation, D(2027, 10, 18),
                                                        "breached")
        assert agencies.probation in {share.agency_id for share in care.case.shares}


def test_regenerating_changes_nothing_the_second_time(db: Database,
                                                      agencies: Agencies) -> None:
    with db.session() as s:
        police = agencies.actor()
        care = victim(s, agencies, at(2027, 1, 4), grounds=("under-18",))
        _arrest(s, agencies, care, at(2027, 1, 5))
        services.choose(s, police, care, LATER, kind="opt-out", right=4,
                        recorded_at=at(2027, 1, 4, 11))
        before = {o.id: o.values() for o, _ in every(s, care)}
        entries = s.scalar(select(func.count()).select_from(AuditEntry))
        assert not obligations.regenerate(s, police, care, LATER).any
        after = {o.id: o.values() for o, _ in every(s, care)}
        assert after == before
        assert s.scalar(select(func.count()).select_from(AuditEntry)) == entries


# --- properties ---------------------------------------------------------------------------

instants = st.datetimes(min_value=dt.datetime(2021, 4, 1), max_value=dt.datetime(2035, 12, 31),
                        timezones=st.just(dt.UTC))
RULES = in_force(D(2021, 4, 1)).rules


@given(instants, st.sampled_from(RULES), st.booleans())
def test_a_due_day_is_never_a_weekend_or_bank_holiday(started, rule, enhanced) -> None:
    when = obligations.due(rule, started, enhanced)
    assert is_working_day(when.due_on) and when.due_on > obligations.local_day(started)
    assert obligations.local_day(when.due_at - dt.timedelta(microseconds=1)) == when.due_on


PROPERTY = settings(max_examples=15, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(arrested=st.datetimes(min_value=dt.datetime(2026, 1, 5),
                             max_value=dt.datetime(2028, 12, 20), timezones=st.just(dt.UTC)),
       fraction=st.floats(min_value=0, max_value=0.999), enhanced=st.booleans(),
       met_after=st.none() | st.integers(min_value=0, max_value=20 * 24 * 3600))
def test_opting_out_stops_the_clock(db: Database, arrested, fraction, enhanced,
                                    met_after) -> None:
    """However late ``now`` is, an opt-out recorded before the due day ends keeps an unmet
    obligation opted out (never breached); anything met before the opt-out stays met."""
    agencies = make_agencies(db)
    with db.session() as s:
        care = victim(s, agencies, arrested - dt.timedelta(days=1),
                      grounds=("under-18",) if enhanced else ())
        _arrest(s, agencies, care, arrested)
        row, _ = only(s, care, ARREST)
        out_at = arrested + (row.due_at - arrested) * fraction
        met_at = None if met_after is None else arrested + dt.timedelta(seconds=met_after)
        if met_at is not None:
            services.record_outcome(s, agencies.actor(), row, LATER, outcome="met", at=met_at)
        services.choose(s, agencies.actor(), care, LATER, kind="opt-out", recorded_at=out_at)
        row, st = only(s, care, ARREST)
    assert row.stopped_at == out_at
    if met_at is not None and met_at <= out_at:
        assert st == "met"
    else:
        assert st == "opted-out"


KINDS = ("arrest", "interview-under-caution", "bail", "charge", "first-hearing",
         "court-outcome", "no-further-action", "contact")


@PROPERTY
@given(events=st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 60)), max_size=6),
       grounds=st.sampled_from([(), ("under-18",)]))
def test_regeneration_is_idempotent(db: Database, events, grounds) -> None:
    agencies = make_agencies(db)
    with db.session() as s:
        police = agencies.actor()
        care = victim(s, agencies, at(2026, 11, 2), grounds=grounds)
        parent = None
        for kind, days in events:
            parent = services.record_event(s, police, care, LATER, kind=kind,
                                           occurred_at=at(2026, 11, 3) + dt.timedelta(days),
                                           parent_id=parent).id
        first = {o.id: (o.values(), st) for o, st in every(s, care)}
        assert not obligations.regenerate(s, police, care, LATER).any
        again = {o.id: (o.values(), st) for o, st in every(s, care)}
    assert again == first
