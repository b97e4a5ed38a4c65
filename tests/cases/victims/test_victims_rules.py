"""The Victims' Code rules file: what it encodes, checked rule by rule against the Code, and
how a bad or overlapping rules file is refused (file, line, field)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
import yaml

from crimeplan.cases.victims.rules import RULES_DIR, in_force, load, rule_sets
from crimeplan.errors import BadInput

BUNDLED = RULES_DIR / "victims-code-2020-v1.yaml"

#: (rule, right, duty holder's agency kind, triggering kinds, clock, standard, enhanced):
#: the time limits of the 2020 Code as its Rights state them (the rules file cites each).
CODE_2020 = [
    # Right 4: referred to a support service within 2 working days of reporting.
    ("r4-referral-to-support-services", 4, "police-force", ("crime-reported",), "occurred",
     2, 2),
    # Right 6: told within 5 working days (1 enhanced) of a suspect being arrested,
    # interviewed under caution, released without charge ...
    ("r6-suspect-arrested-interviewed-or-released", 6, "police-force",
     ("arrest", "interview-under-caution", "no-further-action"), "occurred", 5, 1),
    # ... or released on police bail or under investigation, or bail changed or cancelled.
    ("r6-suspect-bailed-or-released-under-investigation", 6, "police-force",
     ("bail", "bail-changed", "released-under-investigation"), "occurred", 5, 1),
    # Right 6: a decision not to investigate explained within 5 (1) working days.
    ("r6-decision-not-to-investigate", 6, "police-force", ("decision-not-to-investigate",),
     "occurred", 5, 1),
    ("r6-charge-or-out-of-court-disposal", 6, "police-force",
     ("charge", "community-resolution", "adult-caution", "youth-caution",
      "youth-conditional-caution"), "occurred", 5, 1),
    # Right 8 (8.1): hearing time, date and place within 1 working day for all victims of the
    # Witness Care Unit receiving it; bail outcome or warrant within 5 (1).
    ("r8-hearing-details", 8, "police-force", ("first-hearing", "hearing"), "received", 1, 1),
    ("r8-bail-outcome-or-warrant", 8, "police-force",
     ("bail", "bail-changed", "warrant-issued"), "received", 5, 1),
    # Right 9: outcome and sentence within 1 working day of the WCU receiving them.
    ("r9-outcome-and-sentence", 9, "police-force", ("court-outcome", "sentence"), "received",
     1, 1),
    # Right 11: referred to the Victim Contact Scheme within 10 working days of sentence;
    # the Victim Liaison Officer in contact within 20 working days of the referral.
    ("r11-referral-to-victim-contact-scheme", 11, "police-force", ("sentence",), "occurred",
     10, 10),
    ("r11-victim-liaison-officer-contact", 11, "probation", ("referral",), "occurred", 20, 20),
]


def test_the_bundled_rules_encode_the_2020_code() -> None:
    code = load(BUNDLED)
    assert code.id == "victims-code-2020-v1"
    assert code.in_force_from == dt.date(2021, 4, 1) and code.in_force_until is None
    got = [(r.id, r.right, r.duty_holder.agency_kind, r.trigger.kinds, r.clock,
            r.limit_working_days.standard, r.limit_working_days.enhanced) for r in code.rules]
    assert got == CODE_2020
    assert code.rights[4].startswith("To be referred to services that support victims")
    assert set(code.grounds) == {"most-serious-crime", "bereaved-close-relative",
                                 "persistently-targeted", "under-18", "mental-disorder",
                                 "physical-disability", "fear-or-distress"}


def test_every_rule_cites_its_source() -> None:
    for rule in load(BUNDLED).rules:
        assert rule.source.url.startswith("https://www.gov.uk/government/publications/"
                                          "the-code-of-practice-for-victims-of-crime/")
        assert rule.source.paragraph and len(rule.source.checked) > 40, rule.id


def test_triggers_narrow_by_code_and_details() -> None:
    code = load(BUNDLED)
    police_bail = code.rule("r6-suspect-bailed-or-released-under-investigation").trigger
    court_bail = code.rule("r8-bail-outcome-or-warrant").trigger
    assert police_bail.matches("bail", "pre-charge", {}) and police_bail.matches("bail", None, {})
    assert not police_bail.matches("bail", "court", {})
    assert court_bail.matches("bail", "court", {}) and not court_bail.matches("bail", None, {})
    vcs = code.rule("r11-referral-to-victim-contact-scheme").trigger
    specified = {"specified_violent_or_sexual_offence": True}
    assert vcs.matches("sentence", None, {"custodial_months": 12, **specified})
    assert not vcs.matches("sentence", None, {"custodial_months": 11, **specified})
    assert not vcs.matches("sentence", None, {"custodial_months": 24})
    assert not vcs.matches("sentence", None, {"custodial_months": "24", **specified})
    assert not vcs.matches("sentence", None, {"custodial_months": True, **specified})


def test_the_rules_in_force_are_chosen_by_day() -> None:
    assert in_force(dt.date(2021, 3, 31)) is None
    assert in_force(dt.date(2021, 4, 1)).id == "victims-code-2020-v1"
    assert in_force(dt.date(2027, 1, 5)).id == "victims-code-2020-v1"


def _write(folder: Path, name: str, edit) -> Path:
    data = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    edit(data)
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_a_new_code_is_a_new_file_taking_over_on_its_day(tmp_path: Path) -> None:
    shutil.copy(BUNDLED, tmp_path / BUNDLED.name)
    _write(tmp_path, "victims-code-2027-v1.yaml",
           lambda d: d.update(id="victims-code-2027-v1", in_force_from="2027-04-01"))
    with pytest.raises(BadInput, match="still in force when victims-code-2027-v1"):
        rule_sets.__wrapped__(tmp_path)
    _write(tmp_path, BUNDLED.name, lambda d: d.update(in_force_until="2027-04-01"))
    found = rule_sets.__wrapped__(tmp_path)
    assert [r.id for r in found] == ["victims-code-2020-v1", "victims-code-2027-v1"]
    assert found[0].in_force_on(dt.date(2027, 3, 31))
    assert not found[0].in_force_on(dt.date(2027, 4, 1)) and found[1].in_force_on(
        dt.date(2027, 4, 1))


@pytest.mark.parametrize(("edit", "message"), [
    (lambda d: d["rules"][2]["trigger"].update(kinds=["arrested"]),
     r"line \d+, field rules\[2\]\.trigger\.kinds: .*unknown event kinds \['arrested'\]"),
    (lambda d: d["rules"][1]["limit_working_days"].update(enhanced=-1),
     r"field rules\[1\]\.limit_working_days\.enhanced: .*greater than or equal to 0"),
    (lambda d: d["rules"][0].pop("source"), r"field rules\[0\]\.source: Field required"),
    (lambda d: d["rules"][3].update(id=d["rules"][2]["id"]), r"rule ids used twice"),
    (lambda d: d["rules"][0]["duty_holder"].update(agency_kind="court"),
     r"unknown agency kind 'court'"),
    (lambda d: d["rules"][0].update(victim_may_stop=True), r"Extra inputs are not permitted"),
    (lambda d: d.update(id="victims-code-2020-v2"), r"must be the file name"),
])
def test_a_bad_rules_file_is_refused_naming_file_line_and_field(tmp_path: Path, edit,
                                                                message: str) -> None:
    path = _write(tmp_path, BUNDLED.name, edit)
    with pytest.raises(BadInput, match=message) as caught:
        load(path)
    assert caught.value.message.startswith(BUNDLED.name)


def test_the_line_named_is_the_line_of_the_bad_field(tmp_path: Path) -> None:
    text = BUNDLED.read_text(encoding="utf-8").replace("kinds: [crime-reported]",
                                                       "kinds: [crime-reportd]")
    (tmp_path / BUNDLED.name).write_text(text, encoding="utf-8")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "crime-reportd" in t)
    with pytest.raises(BadInput, match=rf"line {line}, field rules\[0\]\.trigger\.kinds"):
        load(tmp_path / BUNDLED.name)


def test_no_code_runs_from_a_rules_file(tmp_path: Path) -> None:
    path = tmp_path / BUNDLED.name
    path.write_text("id: !!python/object/apply:os.system ['touch pwned']\n", encoding="utf-8")
    with pytest.raises(BadInput, match=r"line 1: not valid YAML"):
        load(path)
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()

