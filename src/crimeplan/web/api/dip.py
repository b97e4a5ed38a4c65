"""The Drug Intervention Programme: tests on arrest, the pathways that follow them, and the
measures a partnership reports.

A pathway belongs to the force that tested; the assessing service named on a positive test,
and every agency that records a step, share it. Measures are aggregates with counts from 1
to 4 withheld.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.dip import measures, pathway
from crimeplan.cases.dip.pathway import ArrestTest, Pathway
from crimeplan.cases.dip.rulebook import rules
from crimeplan.cases.people import Person
from crimeplan.cases.s62 import require_purpose
from crimeplan.web.api import dip_schemas as out
from crimeplan.web.api.iom import PAGE_SIZE, PageNo, paged, person_ref
from crimeplan.web.api.oversight import SMALL_NUMBER
from crimeplan.web.api.people import load as load_person
from crimeplan.web.api.schemas import RecordId
from crimeplan.web.deps import DB, Authorise, authorise, now
from crimeplan.web.policy import Action, Resource, may

router = APIRouter(tags=["dip"], prefix="/dip")
Month = Annotated[str | None, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
                                    description="YYYY-MM (UK time)")]


# --- access ----------------------------------------------------------------------------

def pathway_resource(p: Pathway) -> Resource:
    """A pathway is the testing force's, shared with every agency that takes part."""
    return Resource("dip-pathway", p.id, p.agency_id, p.test.sensitivity,
                    shared_with=p.agencies - {p.agency_id})


def new_pathway_resource(actor: Actor) -> Resource:
    """A pathway to be started: the caller's force's (testing on arrest is a police power,
    PACE s.63B); nobody else's."""
    return Resource("dip-pathway", None,
                    actor.agency_id if actor.agency_kind == "police-force" else None)


def load_pathway(db: Session, actor: Actor, action: Action, pathway_id: str) -> Pathway:
    require_purpose(actor)
    p = pathway.get(db, pathway_id)
    authorise(actor, action, pathway_resource(p))
    return p


def visible_pathways(db: Session, actor: Actor) -> list[Pathway]:
    """Every pathway the caller may read, newest test first."""
    require_purpose(actor)
    found = pathway.load(db, pathway.tests_between(db))
    return sorted((p for p in found if may(actor, Action.DIP_PATHWAY_READ,
                                            pathway_resource(p))),
                  key=lambda p: p.tested_at, reverse=True)


# --- views -----------------------------------------------------------------------------

PATHWAY_FIELDS = ("given_name", "family_name", "arrest", "drug_test", "dip_pathway")


def people_of(db: Session, pathways: list[Pathway]) -> dict[str, Person]:
    ids = {p.person_id for p in pathways}
    return {p.id: p for p in db.scalars(select(Person).where(Person.id.in_(ids)))}


def summary(p: Pathway, person: Person) -> out.PathwaySummary:
    return out.PathwaySummary(id=p.id, person=person_ref(person), agency_id=p.agency_id,
                              offence=p.offence, tested_at=p.tested_at, result=p.result,
                              state=p.state)


def pathway_out(db: Session, actor: Actor, p: Pathway) -> out.PathwayOut:
    """The whole pathway; logged as a consultation."""
    person = db.get(Person, p.person_id)
    pathway.consult(db, actor, p.person_id, PATHWAY_FIELDS)
    ended = p.ended
    return out.PathwayOut(
        **summary(p, person).model_dump(),
        arrested_at=p.arrest.occurred_at if p.arrest else None,
        trigger_offence=bool(p.offence in rules().trigger_offences),
        substances=p.substances, assessment_agency_id=p.assessment_agency_id,
        assessed_at=p.assessed_at, referred_at=p.referred_at, engaged_at=p.engaged_at,
        ended_at=ended.occurred_at if ended else None, end_reason=ended.code if ended else None,
        steps=[out.StepOut(id=e.id, kind=e.kind, code=e.code, occurred_at=e.occurred_at,
                           agency_id=e.agency_id, attended=e.details.get("attended"))
               for e in sorted(p.steps, key=lambda e: e.occurred_at)])


# --- routes ----------------------------------------------------------------------------

@router.get("/rules", response_model=out.DipRulesOut, tags=["code lists"])
def dip_rules(actor: Annotated[Actor, Depends(Authorise(Action.PUBLIC))]) -> out.DipRulesOut:
    """Trigger offences (Act, section and source of each) and the codes of a pathway."""
    r = rules()
    return out.DipRulesOut(
        version=r.version, title=r.title, sources=r.sources,
        trigger_offences=[out.TriggerOffenceOut(**vars(o)) for o in r.trigger_offences.values()],
        minimum_age_on_arrest=r.minimum_age_on_arrest, test_results=r.test_results,
        substances=r.substances, assessments=r.assessments,
        treatment_end_reasons=r.treatment_end_reasons)


@router.get("/pathways", response_model=out.PathwayList)
def list_pathways(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.DIP_PATHWAYS))],
                  state: Annotated[str | None, Query(max_length=30)] = None,
                  result: Annotated[str | None, Query(max_length=20)] = None,
                  month: Month = None, page: PageNo = 1) -> out.PathwayList:
    """Pathways the caller may see, newest test first; each person shown is a logged
    consultation."""
    found = [p for p in visible_pathways(db, actor)
             if (state is None or p.state == state) and (result is None or p.result == result)
             and (month is None or measures.month_of(p.tested_at) == month)]
    shown = paged(found, page)
    people = people_of(db, shown)
    for p in shown:
        pathway.consult(db, actor, p.person_id, ("given_name", "family_name", "drug_test"))
    return out.PathwayList(total=len(found), page=page, page_size=PAGE_SIZE,
                           items=[summary(p, people[p.person_id]) for p in shown])


@router.post("/tests", response_model=out.PathwayOut, status_code=201)
def record_test(body: out.ArrestTestIn, db: DB,
                actor: Annotated[Actor, Depends(Authorise(Action.DIP_TEST))]) -> out.PathwayOut:
    """Record an arrest and its test on arrest (by the force that tested): a trigger offence
    (or an inspector's authorisation), a person 18 or over on arrest."""
    person, _ = load_person(db, actor, Action.PERSON_READ, body.person_id)
    authorise(actor, Action.DIP_TEST, new_pathway_resource(actor))
    p = pathway.record_test(db, actor, person, ArrestTest(
        body.offence, body.arrested_at, body.tested_at, body.result, tuple(body.substances),
        body.inspector_authorised, body.assessment_agency_id), now())
    return pathway_out(db, actor, p)


@router.get("/pathways/{pathway_id}", response_model=out.PathwayOut)
def read_pathway(pathway_id: RecordId, db: DB,
                 actor: Annotated[Actor, Depends(Authorise(Action.DIP_PATHWAY_READ))]
                 ) -> out.PathwayOut:
    """One pathway: the arrest, the test and every step since, with its derived state."""
    return pathway_out(db, actor, load_pathway(db, actor, Action.DIP_PATHWAY_READ, pathway_id))


@router.post("/pathways/{pathway_id}/steps", response_model=out.PathwayOut, status_code=201)
def record_step(pathway_id: RecordId, body: out.StepIn, db: DB,
                actor: Annotated[Actor, Depends(Authorise(Action.DIP_STEP))]
                ) -> out.PathwayOut:
    """Record the next step: an assessment (attended or not), the referral, treatment
    starting or ending (with the reason)."""
    p = load_pathway(db, actor, Action.DIP_STEP, pathway_id)
    pathway.record_step(db, actor, p, body.step, body.occurred_at, now(), body.attended,
                        body.reason)
    return pathway_out(db, actor, p)


# --- measures --------------------------------------------------------------------------

def share_out(s: measures.Share, hidden: bool) -> out.ShareOut:
    if hidden:
        return out.ShareOut(count=None, of=None, rate=None, denominator=s.denominator)
    return out.ShareOut(count=s.count, of=s.of, rate=s.rate, denominator=s.denominator)


def times_out(t: measures.Times, hidden: bool) -> out.TimesOut:
    if hidden:
        return out.TimesOut(n=None, q1=None, median=None, q3=None)
    return out.TimesOut(n=t.n, q1=t.q1, median=t.median, q3=t.q3)


NOTES = [
    "Months are calendar months of the test in UK time; the force is the one that tested.",
    "Refusal rate: refused of tests requested. Positivity: positive of samples given. "
    "Assessed (initial assessment attended), referred and engaged (treatment started): of "
    "positive tests.",
    "Times are days between steps over the pathways that reached both (n): median and "
    "quartiles.",
    "Recent months are incomplete: people tested lately have had less time to reach the "
    "later steps.",
    f"Counts from 1 to {SMALL_NUMBER - 1} are withheld, with whatever would let them be "
    "worked out: the total of tests, shares built on them or leaving a small remainder, times "
    "over a small n, and the same figures in the month's all-forces row.",
]


def measure_rows(db: Session, start: dt.datetime | None, end: dt.datetime | None
                 ) -> list[out.MeasureOut]:
    """The measures with small numbers withheld (see ``measures.withheld``)."""
    names = dict(db.execute(select(Agency.id, Agency.name)).all())
    rows = measures.by_month_and_agency(pathway.load(db, pathway.tests_between(db, start, end)))
    result = []
    for r, hide in zip(rows, measures.withheld_rows(rows, SMALL_NUMBER), strict=True):
        def count(name: str, r: measures.Measures = r, hide: set[str] = hide) -> int | None:
            return None if name in hide else int(getattr(r, name))
        result.append(out.MeasureOut(
            month=r.month, agency_id=r.agency_id,
            agency_name=names.get(r.agency_id, "") if r.agency_id else "All forces",
            tests=count("tests"), positive=count("positive"), negative=count("negative"),
            refused=count("refused"),
            refusal_rate=share_out(r.refusal_rate, "refusal_rate" in hide),
            positivity=share_out(r.positivity, "positivity" in hide),
            assessed=share_out(r.assessed_share, "assessed_share" in hide),
            referred=share_out(r.referred_share, "referred_share" in hide),
            engaged=share_out(r.engaged_share, "engaged_share" in hide),
            test_to_assessment_days=times_out(r.test_to_assessment,
                                              "test_to_assessment" in hide),
            assessment_to_referral_days=times_out(r.assessment_to_referral,
                                                  "assessment_to_referral" in hide),
            referral_to_engagement_days=times_out(r.referral_to_engagement,
                                                  "referral_to_engagement" in hide)))
    return result


@router.get("/measures", response_model=out.MeasuresOut, tags=["oversight"])
def dip_measures(db: DB, actor: Annotated[Actor, Depends(Authorise(Action.DIP_MEASURES))],
                 tested_from: dt.date | None = None, tested_to: dt.date | None = None
                 ) -> out.MeasuresOut:
    """The partnership's measures by month and testing force (aggregates only), each share
    with its denominator and each time with its n."""
    def day(d: dt.date | None) -> dt.datetime | None:
        return None if d is None else dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC)
    rows = measure_rows(db, day(tested_from), day(tested_to))
    return out.MeasuresOut(months=sorted({r.month for r in rows}), rows=rows, notes=NOTES)
