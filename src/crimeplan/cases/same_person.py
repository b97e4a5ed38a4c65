"""Records of one person held by several agencies: the groups that confirmed links join.

Programmes that count across agencies (one child's exclusions recorded by the council and
their caution recorded by the police; one complainant reporting to police and housing) treat
records joined by a confirmed :class:`~crimeplan.cases.people.Link` as one person. Nothing is
merged: the records stay separate and the grouping is computed when it is needed.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from crimeplan.cases.people import Link


def groups(db: Session, person_ids: Iterable[str]) -> dict[str, frozenset[str]]:
    """For each id given (and each id linked to one), every record confirmed as the same
    person, itself included, following links transitively."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    frontier = set(person_ids)
    seen: set[str] = set()
    for pid in frontier:
        find(pid)
    while frontier:
        seen |= frontier
        batch = list(frontier)
        links = db.execute(select(Link.person_id, Link.other_id).where(
            or_(Link.person_id.in_(batch), Link.other_id.in_(batch)))).all()
        frontier = set()
        for a, b in links:
            parent[find(a)] = find(b)
            frontier |= {a, b} - seen
    members: dict[str, set[str]] = {}
    for pid in parent:
        members.setdefault(find(pid), set()).add(pid)
    return {pid: frozenset(members[find(pid)]) for pid in parent}
