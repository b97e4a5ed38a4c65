"""The access policy: the one place that says who may do what. Deny by default.

A decision follows from the caller's role (or, for another agency's system, its scopes), the
agency, their relationship to the record (self, allocated worker, owning agency, agency it is
shared with), the record's sensitivity and the purpose given. Each action lists its grants; no
grant, no access. A grant may also name fields to redact.

The web layer answers a denied record with 404 (its existence is not disclosed), a denied
action with 403, and a caller without credentials with 401. Every route declares its action
(see ``deps.Authorise``); a test fails if one does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from crimeplan.cases.actor import Actor


class Action(StrEnum):
    """Everything a route can do, named for the policy."""

    PUBLIC = "public"
    SIGNED_IN = "signed-in"
    AGENCY_LIST = "agency.list"
    AGENCY_CREATE = "agency.create"
    USER_LIST = "user.list"
    USER_READ = "user.read"
    USER_CREATE = "user.create"
    CLIENT_LIST = "client.list"
    CLIENT_CREATE = "client.create"
    PERSON_LIST = "person.list"
    PERSON_CREATE = "person.create"
    PERSON_READ = "person.read"
    PERSON_UPDATE = "person.update"
    PERSON_SHARE = "person.share"
    PERSON_LINK = "person.link"
    PERSON_ERASE = "person.erase"
    PERSON_HISTORY = "person.history"
    PERSON_EXPORT = "person.export"
    AUDIT_VERIFY = "audit.verify"
    STATS_READ = "stats.read"
    # --- POLE services, record linkage and case work (issue #13, core) ---
    PERSON_RELATE = "person.relate"
    PERSON_TIMELINE = "person.timeline"
    LOCATION_CREATE = "location.create"
    LOCATION_READ = "location.read"
    LOCATION_UPDATE = "location.update"
    EVENT_CREATE = "event.create"
    EVENT_READ = "event.read"
    EVENT_UPDATE = "event.update"
    CASE_LIST = "case.list"
    CASE_CREATE = "case.create"
    CASE_READ = "case.read"
    CASE_UPDATE = "case.update"
    CASE_SHARE = "case.share"
    RETENTION_LIST = "retention.list"
    RETENTION_REVIEW = "retention.review"
    LINKAGE_RUN = "linkage.run"
    LINK_PROPOSAL_LIST = "link-proposal.list"
    LINK_PROPOSAL_DECIDE = "link-proposal.decide"

    # --- Victims' Code compliance (issue #13 item 5) ---
    VICTIM_RULES = "victim.rules"
    VICTIM_COMPLIANCE = "victim.compliance"
    VICTIM_LIST = "victim.list"
    VICTIM_CREATE = "victim.create"
    VICTIM_READ = "victim.read"
    VICTIM_UPDATE = "victim.update"
    VICTIM_NEEDS_READ = "victim.needs.read"
    VICTIM_NEEDS_WRITE = "victim.needs.write"
    VICTIM_OBLIGATIONS = "victim.obligations"
    VICTIM_OUTCOME = "victim.obligation.outcome"

    # --- Integrated Offender Management and the Drug Intervention Programme (#13) ---
    IOM_COHORT = "iom.cohort"
    IOM_CASE_READ = "iom.case.read"
    IOM_REFER = "iom.refer"
    IOM_MANAGE = "iom.manage"
    IOM_NOMINATIONS = "iom.nominations"
    IOM_DECIDE = "iom.decide"
    IOM_ACTIONS = "iom.actions"
    IOM_ACTION_COMPLETE = "iom.action.complete"
    IOM_OUTCOMES = "iom.outcomes"
    DIP_PATHWAYS = "dip.pathways"
    DIP_PATHWAY_READ = "dip.pathway.read"
    DIP_TEST = "dip.test"
    DIP_STEP = "dip.step"
    DIP_MEASURES = "dip.measures"
    # --- end IOM and DIP ---

    # --- early intervention and ASB case reviews (issue #13 items 4 and 6) ---
    EI_ELIGIBILITY_LIST = "early-intervention.eligibility.list"
    EI_CHILD_READ = "early-intervention.child.read"
    EI_STATUS_RECORD = "early-intervention.status.record"
    EI_FAMILY_LIST = "early-intervention.family.list"
    EI_REFERRAL_CREATE = "early-intervention.referral.create"
    EI_REFERRAL_LIST = "early-intervention.referral.list"
    EI_REFERRAL_UPDATE = "early-intervention.referral.update"
    EI_FIGURES = "early-intervention.figures"
    ASB_COMPLAINT_CREATE = "asb.complaint.create"
    ASB_QUEUE_LIST = "asb.queue.list"
    ASB_REVIEW_CREATE = "asb.review.create"
    ASB_REVIEW_LIST = "asb.review.list"
    ASB_REVIEW_READ = "asb.review.read"
    ASB_REVIEW_UPDATE = "asb.review.update"
    ASB_FIGURES = "asb.figures"

    # --- issue #12 pages: analysis, hotspot map, transparency, run log ---
    ANALYSIS_READ = "analysis.read"
    HOTSPOTS_READ = "hotspots.read"
    TRANSPARENCY_READ = "transparency.read"
    RUNS_READ = "runs.read"
    # --- end issue #12 pages ---

    # --- exchange: change events, subscriptions, dead letters (issue #14) ---
    EVENTS_READ = "exchange.events.read"
    SUBSCRIPTION_MANAGE = "exchange.subscription.manage"
    DEAD_LETTER_MANAGE = "exchange.dead-letter.manage"
    # --- end exchange ---


class Relationship(StrEnum):
    """How the caller stands to a record, closest first."""

    SELF = "self"
    ALLOCATED = "allocated"
    AGENCY = "agency"
    SHARED = "shared"
    NONE = "none"


@dataclass(frozen=True)
class Resource:
    """What the policy needs to know of a record (or of a record about to be created)."""

    kind: str
    id: str | None = None
    agency_id: str | None = None
    sensitivity: str = "standard"
    allocated: frozenset[str] = frozenset()
    shared_with: frozenset[str] = frozenset()
    #: For a user account: the role it has or will have.
    role: str | None = None


@dataclass(frozen=True)
class Grant:
    """One way to be allowed: by role or by scope, within relationships, sensitivities and
    purposes (None: any), redacting some fields."""

    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    relationships: frozenset[Relationship] | None = None
    sensitivities: frozenset[str] | None = None
    purposes: frozenset[str] | None = None
    redact: frozenset[str] = frozenset()
    #: Roles this grant may not create (an agency administrator cannot make a system admin).
    not_roles: frozenset[str] = frozenset()
    #: Kinds of agency the caller must belong to (None: any), e.g. youth justice services.
    agency_kinds: frozenset[str] | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    redact: frozenset[str] = field(default_factory=frozenset)


def _g(roles: str = "", scopes: str = "", rel: str | None = None, sens: str | None = None,
       purposes: str | None = None, redact: str = "", not_roles: str = "",
       kinds: str | None = None) -> Grant:
    return Grant(roles=frozenset(roles.split()), scopes=frozenset(scopes.split()),
                 relationships=None if rel is None else frozenset(
                     Relationship(r) for r in rel.split()),
                 sensitivities=None if sens is None else frozenset(sens.split()),
                 purposes=None if purposes is None else frozenset(purposes.split()),
                 redact=frozenset(redact.split()), not_roles=frozenset(not_roles.split()),
                 agency_kinds=None if kinds is None else frozenset(kinds.split()))


ALL_ROLES = "system-admin agency-admin analyst case-worker dpo pcc-viewer"
CARE = "case-management safeguarding offender-management victim-support investigation"
OVERSIGHT = "data-protection subject-access"

#: Grants per action. An action absent from this table is denied to everyone.
RULES: dict[Action, tuple[Grant, ...]] = {
    Action.SIGNED_IN: (_g(roles=ALL_ROLES),),
    Action.AGENCY_LIST: (_g(roles=ALL_ROLES),),
    Action.AGENCY_CREATE: (_g(roles="system-admin"),),
    Action.USER_LIST: (_g(roles="system-admin agency-admin dpo"),),
    Action.USER_READ: (_g(roles="system-admin"),
                       _g(roles="agency-admin dpo", rel="agency self"),
                       _g(roles=ALL_ROLES, rel="self")),
    Action.USER_CREATE: (_g(roles="system-admin"),
                         _g(roles="agency-admin", rel="agency", not_roles="system-admin")),
    Action.CLIENT_LIST: (_g(roles="system-admin agency-admin"),),
    Action.CLIENT_CREATE: (_g(roles="system-admin"), _g(roles="agency-admin", rel="agency")),
    Action.PERSON_LIST: (_g(roles="case-worker dpo"),),
    Action.PERSON_CREATE: (_g(roles="case-worker", rel="agency", purposes=CARE),
                           _g(scopes="people:write", rel="agency", purposes=CARE)),
    Action.PERSON_READ: (
        _g(roles="case-worker", rel="allocated", purposes=CARE),
        _g(roles="case-worker", rel="agency", sens="standard", purposes=CARE),
        _g(roles="case-worker", rel="shared", sens="standard", purposes=CARE, redact="pnc_id"),
        _g(roles="dpo", rel="agency", purposes=OVERSIGHT),
        _g(scopes="people:read", rel="agency", sens="standard", purposes=CARE),
        _g(scopes="people:read", rel="shared", sens="standard", purposes=CARE, redact="pnc_id"),
    ),
    Action.PERSON_UPDATE: (
        _g(roles="case-worker", rel="allocated", purposes=CARE),
        _g(roles="case-worker", rel="agency", sens="standard", purposes=CARE),
    ),
    Action.PERSON_SHARE: (
        _g(roles="case-worker", rel="allocated agency",
           purposes="information-sharing safeguarding"),
    ),
    Action.PERSON_LINK: (
        _g(roles="case-worker", rel="allocated agency shared", sens="standard", purposes=CARE),
    ),
    Action.PERSON_ERASE: (_g(roles="dpo", rel="agency", purposes="data-protection"),),
    Action.PERSON_HISTORY: (_g(roles="dpo", rel="agency", purposes=OVERSIGHT),),
    Action.PERSON_EXPORT: (_g(roles="dpo", rel="agency", purposes="subject-access"),),
    Action.AUDIT_VERIFY: (_g(roles="system-admin dpo"),),
    Action.STATS_READ: (_g(roles="analyst pcc-viewer system-admin"),
                        _g(scopes="stats:read")),
    # --- POLE services, record linkage and case work (issue #13, core) ---
    # Relations change both records: the caller must be allowed to update each one.
    Action.PERSON_RELATE: (
        _g(roles="case-worker", rel="allocated", purposes=CARE),
        _g(roles="case-worker", rel="agency", sens="standard", purposes=CARE),
    ),
    # A timeline starts from a record the caller may read; each entry is checked again.
    Action.PERSON_TIMELINE: (
        _g(roles="case-worker", rel="allocated", purposes=CARE),
        _g(roles="case-worker", rel="agency shared", sens="standard", purposes=CARE),
        _g(scopes="people:read", rel="agency shared", sens="standard", purposes=CARE),
    ),
    Action.LOCATION_CREATE: (_g(roles="case-worker", rel="agency", purposes=CARE),
                             _g(scopes="people:write", rel="agency", purposes=CARE)),
    Action.LOCATION_READ: (_g(roles="case-worker", rel="agency", purposes=CARE),
                           _g(scopes="people:read", rel="agency", purposes=CARE)),
    Action.LOCATION_UPDATE: (_g(roles="case-worker", rel="agency", purposes=CARE),),
    # Events: the recording agency, and agencies a participant's record is shared with.
    Action.EVENT_CREATE: (_g(roles="case-worker", rel="agency", purposes=CARE),
                          _g(scopes="people:write", rel="agency", purposes=CARE)),
    Action.EVENT_READ: (
        _g(roles="case-worker", rel="allocated", purposes=CARE),
        _g(roles="case-worker", rel="agency shared", sens="standard", purposes=CARE),
        _g(scopes="people:read", rel="agency shared", sens="standard", purposes=CARE),
    ),
    Action.EVENT_UPDATE: (_g(roles="case-worker", rel="allocated agency", purposes=CARE),),
    # Cases: the owning agency and the agencies it is shared with.
    Action.CASE_LIST: (_g(roles="case-worker"),),
    Action.CASE_CREATE: (_g(roles="case-worker", rel="agency", purposes=CARE),),
    Action.CASE_READ: (
        _g(roles="case-worker", rel="allocated", purposes=CARE),
        _g(roles="case-worker", rel="agency shared", sens="standard", purposes=CARE),
        _g(roles="dpo", rel="agency", purposes=OVERSIGHT),
        # an agency's system fetching a case shared with it (the exchange's detailurl)
        _g(scopes="people:read", rel="agency shared", sens="standard", purposes=CARE),
    ),
    Action.CASE_UPDATE: (
        _g(roles="case-worker", rel="allocated", purposes=CARE),
        _g(roles="case-worker", rel="agency shared", sens="standard", purposes=CARE),
    ),
    Action.CASE_SHARE: (
        _g(roles="case-worker", rel="allocated agency",
           purposes="information-sharing safeguarding"),
    ),
    # MoPI retention review: the owning agency's data protection officer.
    Action.RETENTION_LIST: (_g(roles="dpo"),),
    Action.RETENTION_REVIEW: (_g(roles="dpo", rel="agency", purposes="data-protection"),),
    # Record linkage: a run compares every record (run by the data protection officer);
    # a proposal is decided by a case worker who may link at least one of its records.
    Action.LINKAGE_RUN: (_g(roles="dpo", purposes="data-protection"),),
    Action.LINK_PROPOSAL_LIST: (_g(roles="case-worker"),),
    Action.LINK_PROPOSAL_DECIDE: (
        _g(roles="case-worker", rel="allocated agency shared", sens="standard",
           purposes=CARE),
        _g(roles="case-worker", rel="allocated", purposes=CARE),
    ),

    # --- Integrated Offender Management and the Drug Intervention Programme (#13) ---
    # Lists are open to case workers and filtered record by record. An IOM case is seen by
    # its agency and the agencies it is shared with (the IOM partners), restricted ones by
    # the lead worker only; an action's owning agency sees that action and nothing else of
    # the case. New IOM cases are led by police or probation, DIP tests are taken by police:
    # the resource of a record to be created names the caller's agency only when it is one
    # (see web.api.iom and web.api.dip). Aggregates are for everyone who reads figures.
    Action.IOM_COHORT: (_g(roles="case-worker"),),
    Action.IOM_CASE_READ: (_g(roles="case-worker", rel="allocated", purposes=CARE),
                           _g(roles="case-worker", rel="agency shared", sens="standard",
                              purposes=CARE)),
    Action.IOM_REFER: (_g(roles="case-worker", rel="agency", purposes=CARE),),
    Action.IOM_MANAGE: (_g(roles="case-worker", rel="allocated", purposes=CARE),
                        _g(roles="case-worker", rel="agency shared", sens="standard",
                           purposes=CARE)),
    Action.IOM_NOMINATIONS: (_g(roles="case-worker"),),
    Action.IOM_DECIDE: (_g(roles="case-worker", rel="agency", purposes=CARE),),
    Action.IOM_ACTIONS: (_g(roles="case-worker", rel="allocated agency shared", purposes=CARE),),
    Action.IOM_ACTION_COMPLETE: (_g(roles="case-worker", rel="allocated agency shared",
                                    purposes=CARE),),
    Action.IOM_OUTCOMES: (_g(roles="analyst pcc-viewer system-admin case-worker"),
                          _g(scopes="stats:read")),
    Action.DIP_PATHWAYS: (_g(roles="case-worker"),),
    Action.DIP_PATHWAY_READ: (_g(roles="case-worker", rel="agency shared", sens="standard",
                                 purposes=CARE),),
    Action.DIP_TEST: (_g(roles="case-worker", rel="agency", purposes=CARE),),
    Action.DIP_STEP: (_g(roles="case-worker", rel="agency shared", sens="standard",
                         purposes=CARE),),
    Action.DIP_MEASURES: (_g(roles="analyst pcc-viewer system-admin case-worker"),
                          _g(scopes="stats:read")),
    # --- end IOM and DIP ---

    # --- issue #12 pages: aggregates for analysts and the PCC's office; the run log (who ran
    # which analysis, forecast or risk model) for the DPO and the system administrator ---
    Action.ANALYSIS_READ: (_g(roles="analyst pcc-viewer"), _g(scopes="stats:read")),
    Action.HOTSPOTS_READ: (_g(roles="analyst pcc-viewer"), _g(scopes="stats:read")),
    Action.TRANSPARENCY_READ: (_g(roles="analyst pcc-viewer dpo system-admin"),),
    Action.RUNS_READ: (_g(roles="dpo system-admin"),),
    # --- end issue #12 pages ---

    # --- exchange (issue #14): the feed shows each caller only events about records it may
    # read (web.api.exchange filters with the read action); systems manage their agency's
    # subscriptions and dead letters ---
    Action.EVENTS_READ: (_g(roles="case-worker", purposes=CARE),
                         _g(scopes="people:read", purposes=CARE)),
    Action.SUBSCRIPTION_MANAGE: (_g(scopes="people:read", rel="agency", purposes=CARE),),
    Action.DEAD_LETTER_MANAGE: (_g(scopes="people:read", rel="agency", purposes=CARE),),
    # --- end exchange ---
}

# --- Victims' Code compliance (issue #13 item 5) -------------------------------------------
#: Purposes of victims' care; the agencies that owe the Code's duties; those who may see a
#: victim's needs assessment (a housing provider the case is shared with may not).
VICTIM_CARE = "victim-support safeguarding case-management investigation"
CODE_DUTY_HOLDERS = "police-force victim-service probation"
NEEDS_AGENCIES = "police-force victim-service"


def _victim_grants(kinds: str | None = None, dpo: bool = False) -> tuple[Grant, ...]:
    """Case workers allocated to the victim, or of the owning agency or one the case was
    shared with (standard records), for victims' purposes; the DPO for oversight."""
    return (_g(roles="case-worker", rel="allocated", purposes=VICTIM_CARE, kinds=kinds),
            _g(roles="case-worker", rel="agency shared", sens="standard", purposes=VICTIM_CARE,
               kinds=kinds),
            *((_g(roles="dpo", rel="agency", purposes=OVERSIGHT),) if dpo else ()))


RULES.update({
    Action.VICTIM_RULES: (_g(roles=ALL_ROLES), _g(scopes="stats:read")),
    Action.VICTIM_COMPLIANCE: (_g(roles="agency-admin analyst case-worker pcc-viewer"),
                               _g(scopes="stats:read")),
    Action.VICTIM_LIST: (_g(roles="case-worker"),),
    Action.VICTIM_CREATE: (
        _g(roles="case-worker", rel="allocated", purposes=VICTIM_CARE, kinds="police-force"),
        _g(roles="case-worker", rel="agency", sens="standard", purposes=VICTIM_CARE,
           kinds="police-force")),
    Action.VICTIM_READ: _victim_grants(dpo=True),
    Action.VICTIM_UPDATE: _victim_grants(CODE_DUTY_HOLDERS),
    Action.VICTIM_NEEDS_READ: _victim_grants(NEEDS_AGENCIES),
    Action.VICTIM_NEEDS_WRITE: _victim_grants(NEEDS_AGENCIES),
    Action.VICTIM_OBLIGATIONS: (_g(roles="case-worker"),),
    Action.VICTIM_OUTCOME: _victim_grants(CODE_DUTY_HOLDERS),
})


# --- early intervention and ASB case reviews (issue #13 items 4 and 6) ---------------------
#: Youth justice services see children's eligibility, across agencies' records (the YJS is
#: the partnership's own service, Crime and Disorder Act 1998 s.39); restricted records only
#: when allocated. Councils (children's services, early help) record the statuses that
#: exclude a child and see family links. The lead agencies of ASB case reviews (council or
#: police) see the threshold queue; every relevant body sees the reviews it is party to. The
#: PCC's office sees aggregates only.
YJS, CHILDREN = "youth-justice", "youth-justice local-authority"
ASB_LEADS = "local-authority police-force"
ASB_BODIES = "local-authority police-force housing-provider health"
AGGREGATES = "analyst pcc-viewer system-admin"
RULES.update({
    Action.EI_ELIGIBILITY_LIST: (_g(roles="case-worker", kinds=YJS, purposes=CARE),),
    Action.EI_CHILD_READ: (
        _g(roles="case-worker", kinds=YJS, rel="allocated", purposes=CARE),
        _g(roles="case-worker", kinds=YJS, sens="standard", purposes=CARE),
    ),
    Action.EI_STATUS_RECORD: (
        _g(roles="case-worker", kinds=CHILDREN, rel="allocated", purposes=CARE),
        _g(roles="case-worker", kinds=CHILDREN, sens="standard", purposes=CARE),
    ),
    Action.EI_FAMILY_LIST: (_g(roles="case-worker", kinds=CHILDREN, purposes=CARE),),
    Action.EI_REFERRAL_CREATE: (
        _g(roles="case-worker", kinds=YJS, rel="allocated", purposes=CARE),
        _g(roles="case-worker", kinds=YJS, sens="standard", purposes=CARE),
    ),
    Action.EI_REFERRAL_LIST: (_g(roles="case-worker", kinds=YJS, purposes=CARE),),
    Action.EI_REFERRAL_UPDATE: (
        _g(roles="case-worker", kinds=YJS, rel="allocated agency", purposes=CARE),),
    Action.EI_FIGURES: (_g(roles=AGGREGATES), _g(roles="case-worker", kinds=YJS),
                        _g(scopes="stats:read")),
    Action.ASB_COMPLAINT_CREATE: (
        _g(roles="case-worker", kinds=ASB_BODIES, rel="allocated", purposes=CARE),
        _g(roles="case-worker", kinds=ASB_BODIES, rel="agency shared", sens="standard",
           purposes=CARE),
    ),
    Action.ASB_QUEUE_LIST: (_g(roles="case-worker", kinds=ASB_LEADS, purposes=CARE),),
    Action.ASB_REVIEW_CREATE: (
        _g(roles="case-worker", kinds=ASB_LEADS, rel="agency", purposes=CARE),),
    Action.ASB_REVIEW_LIST: (_g(roles="case-worker", kinds=ASB_BODIES, purposes=CARE),),
    Action.ASB_REVIEW_READ: (
        _g(roles="case-worker", kinds=ASB_BODIES, rel="agency shared", purposes=CARE),),
    Action.ASB_REVIEW_UPDATE: (
        _g(roles="case-worker", kinds=ASB_LEADS, rel="agency", purposes=CARE),),
    Action.ASB_FIGURES: (_g(roles=AGGREGATES), _g(roles="case-worker", kinds=ASB_BODIES),
                         _g(scopes="stats:read")),
})


def relationship(actor: Actor, resource: Resource) -> Relationship:
    """The caller's closest relationship to a record."""
    if resource.kind == "user" and actor.user_id is not None and resource.id == actor.user_id:
        return Relationship.SELF
    if actor.user_id is not None and actor.user_id in resource.allocated:
        return Relationship.ALLOCATED
    if actor.agency_id is not None and actor.agency_id == resource.agency_id:
        return Relationship.AGENCY
    if actor.agency_id is not None and actor.agency_id in resource.shared_with:
        return Relationship.SHARED
    return Relationship.NONE


def _holds(actor: Actor, grant: Grant) -> bool:
    if grant.agency_kinds is not None and actor.agency_kind not in grant.agency_kinds:
        return False
    if actor.user_id is not None:
        return actor.role in grant.roles
    if actor.client_id is not None:
        return bool(grant.scopes) and grant.scopes <= actor.scopes
    return False


def decide(actor: Actor, action: Action, resource: Resource | None = None) -> Decision:
    """Whether ``actor`` may do ``action`` (to ``resource``, when there is one).

    Without a resource only the role or scope is checked: "may this caller attempt this at
    all?" With one, relationship, sensitivity and purpose must fit too. Public actions are
    open to all.
    """
    if action is Action.PUBLIC:
        return Decision(True)
    for grant in RULES.get(action, ()):
        if not _holds(actor, grant):
            continue
        if resource is None:
            return Decision(True)
        if grant.relationships is not None and (
                relationship(actor, resource) not in grant.relationships):
            continue
        if grant.sensitivities is not None and resource.sensitivity not in grant.sensitivities:
            continue
        if grant.purposes is not None and actor.purpose not in grant.purposes:
            continue
        if resource.role is not None and resource.role in grant.not_roles:
            continue
        return Decision(True, grant.redact)
    return Decision(False)


def may(actor: Actor, action: Action, resource: Resource | None = None) -> bool:
    return decide(actor, action, resource).allowed
