"""MoPI review dates from the versioned rules file, hand-computed."""

from __future__ import annotations

import datetime as dt

import pytest

from crimeplan.cases import retention


def test_rules_cite_their_source_for_every_group() -> None:
    rules = retention.rules()
    assert rules.version == "2026-1"
    assert rules.url.startswith("https://www.college.police.uk/app/information-management")
    assert set(rules.groups) == {"group-1", "group-2", "group-3"}
    assert all(g.source.startswith("Review, retention and disposal: Group")
               for g in rules.groups.values())
    assert rules.groups["group-1"].retain_until_age == 100


def test_review_dates_by_hand() -> None:
    opened, last_event = dt.date(2020, 3, 1), dt.date(2023, 7, 14)
    # groups 1 and 2: every 10 years from the last review, whatever happened since
    assert retention.review_date("group-1", opened, last_event) == dt.date(2030, 3, 1)
    assert retention.review_date("group-2", opened, last_event) == dt.date(2030, 3, 1)
    # group 3: a clear period of 6 years from the last time the person came to notice
    assert retention.review_date("group-3", opened, last_event) == dt.date(2029, 7, 14)
    assert retention.review_date("group-3", opened, dt.date(2019, 1, 1)) == dt.date(2026, 3, 1)
    # 29 February counts to 28 February in a year without one
    assert retention.add_years(dt.date(2024, 2, 29), 6) == dt.date(2030, 2, 28)


def test_review_states_are_derived_from_the_date() -> None:
    today = dt.date(2026, 6, 1)
    assert retention.review_state(None, today) == "none"
    assert retention.review_state(dt.date(2026, 5, 31), today) == "overdue"
    assert retention.review_state(dt.date(2026, 6, 1), today) == "due-soon"
    assert retention.review_state(dt.date(2026, 8, 30), today) == "due-soon"   # 90 days
    assert retention.review_state(dt.date(2026, 8, 31), today) == "not-due"


def test_a_broken_rules_file_is_named() -> None:
    doc = {"version": "x", "title": "t", "source": {"url": "u"},
           "groups": [{"id": "g", "label": "G", "review_every_years": 6,
                       "counted_from": "whenever", "source": "s"}]}
    with pytest.raises(ValueError, match=r"mopi-review-x.yaml: invalid MoPI rules: "
                                         r"groups\[0\].counted_from"):
        retention.parse(doc, "mopi-review-x.yaml")
    doc["groups"][0].update(counted_from="last-review", source=" ")
    with pytest.raises(ValueError, match="a positive period and a source are required"):
        retention.parse(doc, "mopi-review-x.yaml")
