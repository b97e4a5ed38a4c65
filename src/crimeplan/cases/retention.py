"""Retention review dates under the Management of Police Information (MoPI) review groups.

The groups and their periods live in a versioned rules file (``rules/mopi-review-*.yaml``),
each citing its paragraph of the College of Policing's APP; the newest version is used. A
case's review date is counted from its last review (groups 1 and 2) or from the last time
its subject came to notice (group 3's clear period); whether a review is due, due soon or
not yet due is derived from that date and today, never stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

RULES = Path(__file__).with_name("rules")
#: How far ahead a review counts as due soon.
DUE_SOON = dt.timedelta(days=90)


@dataclass(frozen=True)
class ReviewGroup:
    """One MoPI review group: how often, counted from what, and its source."""

    id: str
    label: str
    review_every_years: int
    counted_from: str
    source: str
    retain_until_age: int | None = None


@dataclass(frozen=True)
class ReviewRules:
    version: str
    title: str
    url: str
    groups: dict[str, ReviewGroup]


def parse(doc: dict[str, Any], name: str) -> ReviewRules:
    """Rules from a parsed file; a ValueError naming the file and the entry that is wrong."""
    try:
        groups = {}
        for n, g in enumerate(doc["groups"]):
            group = ReviewGroup(id=str(g["id"]), label=str(g["label"]),
                                review_every_years=int(g["review_every_years"]),
                                counted_from=str(g["counted_from"]), source=str(g["source"]),
                                retain_until_age=g.get("retain_until_age"))
            if group.counted_from not in ("last-review", "last-activity"):
                raise ValueError(f"groups[{n}].counted_from: {group.counted_from!r}")
            if group.review_every_years <= 0 or not group.source.strip():
                raise ValueError(f"groups[{n}]: a positive period and a source are required")
            groups[group.id] = group
        return ReviewRules(str(doc["version"]), str(doc["title"]), str(doc["source"]["url"]),
                           groups)
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{name}: invalid MoPI rules: {exc}") from exc


@lru_cache(maxsize=1)
def rules() -> ReviewRules:
    """The newest rules file."""
    newest = sorted(RULES.glob("mopi-review-*.yaml"))[-1]
    return parse(yaml.safe_load(newest.read_text(encoding="utf-8")), newest.name)


def add_years(day: dt.date, years: int) -> dt.date:
    """The same date ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def review_date(group_id: str, last_review: dt.date, last_activity: dt.date) -> dt.date:
    """When a record of the group must next be reviewed."""
    group = rules().groups[group_id]
    start = last_review if group.counted_from == "last-review" else max(last_review,
                                                                        last_activity)
    return add_years(start, group.review_every_years)


def review_state(review_on: dt.date | None, today: dt.date) -> str:
    """``overdue``, ``due-soon``, ``not-due`` or ``none`` (no review date)."""
    if review_on is None:
        return "none"
    if review_on < today:
        return "overdue"
    return "due-soon" if review_on <= today + DUE_SOON else "not-due"
