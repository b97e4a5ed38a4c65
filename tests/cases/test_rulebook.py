"""Versioned rule files: the version in force on a day, and bad files named with their line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import Field

from crimeplan.cases.rulebook import Rulebook, RuleFile, load
from crimeplan.errors import BadInput, DataMissing

HEAD = """id: demo
version: "{v}"
title: Demo rules
effective_from: {d}
sources:
  act: An Act, section 1
"""


class Demo(RuleFile):
    limit: int = Field(ge=1)
    limit_source: str


def _write(folder: Path, name: str, version: str, day: str, body: str) -> None:
    (folder / name).write_text(HEAD.format(v=version, d=day) + body, encoding="utf-8")


def test_the_newest_version_in_force_applies(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", "1", "2020-01-01", "limit: 3\nlimit_source: act, s.1\n")
    _write(tmp_path, "b.yaml", "2", "2026-04-01", "limit: 2\nlimit_source: act, s.1\n")
    book = Rulebook(tmp_path, Demo)
    assert book.in_force(dt.date(2026, 3, 31)).limit == 3
    assert book.in_force(dt.date(2026, 4, 1)).limit == 2
    assert book.version("1").limit == 3
    with pytest.raises(DataMissing):
        book.in_force(dt.date(2019, 12, 31))


def test_a_bad_field_is_named_with_its_file_and_line(tmp_path: Path) -> None:
    _write(tmp_path, "bad.yaml", "1", "2020-01-01", "limit_source: act, s.1\nlimit: 0\n")
    with pytest.raises(BadInput) as caught:
        load(tmp_path / "bad.yaml", Demo)
    assert str(caught.value).startswith(f"{tmp_path / 'bad.yaml'} line 8, field limit:")
    assert caught.value.fields[0].field == "limit"


def test_unknown_fields_and_broken_yaml_are_refused(tmp_path: Path) -> None:
    _write(tmp_path, "extra.yaml", "1", "2020-01-01",
           "limit: 2\nlimit_source: act\nlimt: 3\n")
    with pytest.raises(BadInput, match="line 9, field limt"):
        load(tmp_path / "extra.yaml", Demo)
    (tmp_path / "broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(BadInput, match=r"broken\.yaml line 2: not valid YAML"):
        load(tmp_path / "broken.yaml", Demo)


def test_citations_must_name_a_source() -> None:
    rules = Demo(id="d", version="1", title="t", effective_from=dt.date(2020, 1, 1),
                 sources={"act": "An Act"}, limit=1, limit_source="act, s.1")
    rules.check_cited(["act, s.1", "act (words)"])
    with pytest.raises(ValueError, match="guidance"):
        rules.check_cited(["guidance, para 3"])
