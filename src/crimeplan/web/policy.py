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


@dataclass(frozen=True)
class Decision:
    allowed: bool
    redact: frozenset[str] = field(default_factory=frozenset)


def _g(roles: str = "", scopes: str = "", rel: str | None = None, sens: str | None = None,
       purposes: str | None = None, redact: str = "", not_roles: str = "") -> Grant:
    return Grant(roles=frozenset(roles.split()), scopes=frozenset(scopes.split()),
                 relationships=None if rel is None else frozenset(
                     Relationship(r) for r in rel.split()),
                 sensitivities=None if sens is None else frozenset(sens.split()),
                 purposes=None if purposes is None else frozenset(purposes.split()),
                 redact=frozenset(redact.split()), not_roles=frozenset(not_roles.split()))


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
}


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
