"""The IOM and DIP rules files: what they hold, that every entry cites its source, and that a
broken copy is refused with the file, line and field named."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from crimeplan.cases import rulefile
from crimeplan.cases.dip import rulebook as dip_rules
from crimeplan.cases.iom import rulebook as iom_rules
from crimeplan.errors import BadInput


def _text(package: str, name: str) -> str:
    return resources.files(package).joinpath("rules", name).read_text(encoding="utf-8")


def test_iom_rules_hold_the_three_cohorts_and_seven_pathways() -> None:
    r = iom_rules.rules()
    assert list(r.cohorts) == ["fixed", "flex", "free"]
    assert all(c.definition and "s.2" in c.source for c in r.cohorts.values())
    assert "neighbourhood crime" in r.cohorts["fixed"].definition
    assert set(r.pathways) == {"accommodation", "education-training-employment", "health",
                               "substance-misuse", "finance-benefit-debt", "children-families",
                               "attitudes-thinking-behaviour"}
    assert r.is_neighbourhood_crime("Domestic-Burglary") and r.is_neighbourhood_crime("robbery")
    assert not r.is_neighbourhood_crime("shoplifting")
    assert r.review_interval_days == 91
    assert {"guidance", "strategy", "pathways", "neighbourhood_crime"} <= set(r.sources)


def test_dip_rules_list_schedule_6_with_act_and_section() -> None:
    r = dip_rules.rules()
    assert len(r.trigger_offences) == 21
    theft = r.trigger_offences["theft"]
    assert (theft.act, theft.section, theft.source) == ("Theft Act 1968", "s.1", "cjcsa para 1")
    assert r.trigger_offences["class-a-possession"].condition.startswith("committed in respect")
    assert r.trigger_offences["begging"].act == "Vagrancy Act 1824"
    assert all(o.source.startswith("cjcsa para") for o in r.trigger_offences.values())
    assert r.minimum_age_on_arrest == 18 and r.age_source == "pace s.63B(3)(a)"
    assert set(r.substances) == {"opiates", "cocaine"}
    assert set(r.test_results) == {"positive", "negative", "refused"}


@pytest.mark.parametrize(("package", "name"), [("crimeplan.cases.iom", iom_rules.CURRENT),
                                                ("crimeplan.cases.dip", dip_rules.CURRENT)])
def test_every_coded_entry_cites_a_source(package: str, name: str) -> None:
    raw = yaml.safe_load(_text(package, name))
    lists = [v for v in raw.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
    assert len(lists) >= 4
    assert all(str(entry.get("source", "")).strip() for entry in (e for v in lists for e in v))


def _broken(old: str, new: str) -> str:
    text = _text("crimeplan.cases.iom", iom_rules.CURRENT)
    assert old in text
    return text.replace(old, new, 1)


def test_a_rule_without_its_source_is_refused_naming_line_and_field() -> None:
    text = _broken('    label: Fixed\n', '    label: Fixed\n    source: ""\n')
    text = text.replace('    source: "guidance s.2 \'IOM operational framework structure: Fixed, '
                        'Flex & Free\'; strategy"\n', "", 1)
    line = 1 + text[:text.index("  - id: fixed")].count("\n")
    with pytest.raises(BadInput) as caught:
        iom_rules.parse(rulefile.parse(text, "copy.yaml"), "copy.yaml")
    assert caught.value.message == f"copy.yaml line {line}: source: is required"
    assert caught.value.fields[0].field == "source"


def test_a_duplicate_code_is_refused() -> None:
    text = _broken("  - id: flex\n", "  - id: fixed\n")
    with pytest.raises(BadInput, match=r"copy.yaml line \d+: cohorts.id: duplicate id 'fixed'"):
        iom_rules.parse(rulefile.parse(text, "copy.yaml"), "copy.yaml")


def test_a_cohort_needs_its_definition_and_reviews_a_positive_interval() -> None:
    raw = rulefile.parse(_text("crimeplan.cases.iom", iom_rules.CURRENT), "copy.yaml")
    raw["cohorts"][2]["definition"] = ""
    with pytest.raises(BadInput, match=r"cohorts\.free\.definition"):
        iom_rules.parse(raw, "copy.yaml")
    raw = rulefile.parse(_text("crimeplan.cases.iom", iom_rules.CURRENT), "copy.yaml")
    raw["review"]["interval_days"] = 0
    with pytest.raises(BadInput, match=r"review\.interval_days"):
        iom_rules.parse(raw, "copy.yaml")


def test_dip_results_must_be_the_three_of_pace() -> None:
    raw = rulefile.parse(_text("crimeplan.cases.dip", dip_rules.CURRENT), "copy.yaml")
    raw["test_results"] = raw["test_results"][:2]
    with pytest.raises(BadInput, match="test_results: must be exactly"):
        dip_rules.parse(raw, "copy.yaml")


def test_yaml_that_would_run_code_is_refused() -> None:
    with pytest.raises(BadInput, match="not valid YAML"):
        rulefile.parse("x: !!python/object/apply:os.system ['true']\n", "evil.yaml")
