"""The database back end of the audit log: the file log's hash chain, tamper detection, and
appends that stay a chain under concurrency on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from crimeplan.cases.db import Database
from crimeplan.provenance import dblog
from crimeplan.provenance.chain import GENESIS, entry_hash
from crimeplan.provenance.dblog import AuditEntry
from crimeplan.provenance.filelog import AuditLog


def _append(db: Database, n: int) -> None:
    for i in range(n):
        with db.session() as s:
            dblog.append(s, {"kind": "test", "n": i, "subject": {"type": "person",
                                                                      "id": f"p{i}"}})


def test_entries_chain_with_the_file_logs_hash(db: Database) -> None:
    _append(db, 3)
    with db.session() as s:
        rows = list(dblog.entries(s))
        assert [r.seq for r in rows] == [1, 2, 3]
        assert rows[0].prev == GENESIS
        for before, after in pairwise(rows):
            assert after.prev == before.hash
        first = rows[0]
        assert first.hash == entry_hash(1, GENESIS, first.logged_at, first.record)
        assert first.record == {"kind": "test", "n": 0, "subject": {"type": "person",
                                                                     "id": "p0"}}
        assert dblog.head(s) == rows[-1].hash
        assert dblog.verify(s).ok and dblog.verify(s).entries == 3


def test_the_same_records_verify_in_the_file_log(db: Database, tmp_path: Path) -> None:
    """An export of the database chain is a valid file log: one chain format, two stores."""
    _append(db, 4)
    log = AuditLog(tmp_path / "ws")
    log.dir.mkdir(parents=True)
    with db.session() as s:
        entries = [r.as_entry() for r in dblog.entries(s)]
    log.path.write_text("".join(json.dumps(e) + "\n" for e in entries), encoding="utf-8")
    log.head_path.write_text(json.dumps({"count": 4, "hash": entries[-1]["hash"],
                                         "logged_at": entries[-1]["logged_at"]}))
    assert log.verify().ok


def _drop_guards(db: Database) -> None:
    """What someone with the database owner's rights could do first."""
    with db.engine.connect() as con:
        if db.engine.dialect.name == "postgresql":
            con.execute(text("DROP TRIGGER audit_entries_append_only ON audit_entries"))
            con.execute(text("DROP TRIGGER audit_head_append_only ON audit_head"))
        else:
            for name in ("audit_entries_no_update", "audit_entries_no_delete",
                         "audit_head_no_delete"):
                con.execute(text(f"DROP TRIGGER {name}"))
        con.commit()


def test_the_database_refuses_edits_and_deletes(db: Database) -> None:
    _append(db, 2)
    for statement in ("UPDATE audit_entries SET record_json = '{}' WHERE seq = 1",
                      "DELETE FROM audit_entries WHERE seq = 2"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.connect() as con:
            con.execute(text(statement))
            con.commit()
    with db.session() as s:
        assert dblog.verify(s).ok


@pytest.mark.parametrize(("statement", "bad", "problem"), [
    ("UPDATE audit_entries SET record_json = replace(record_json, '\"n\":1', '\"n\":7') "
     "WHERE seq = 2", 2, "edited"),
    ("UPDATE audit_entries SET subject_id = 'someone-else' WHERE seq = 3", 3,
     "indexed columns"),
    ("DELETE FROM audit_entries WHERE seq = 2", 2, "deleted"),
    ("DELETE FROM audit_entries WHERE seq = 4", 4, "truncated"),
])
def test_tampering_is_detected(db: Database, statement: str, bad: int, problem: str) -> None:
    _append(db, 4)
    _drop_guards(db)
    with db.engine.connect() as con:
        con.exec_driver_sql(statement)
        con.commit()
    with db.session() as s:
        result = dblog.verify(s)
    assert not result.ok
    assert result.first_bad_line == bad
    assert problem in str(result.problem)


def test_reordering_is_detected(db: Database) -> None:
    """Swap the contents of entries 2 and 3 (keeping their sequence numbers)."""
    _append(db, 4)
    _drop_guards(db)
    with db.session() as s:
        two, three = (s.get(AuditEntry, 2), s.get(AuditEntry, 3))
        assert two is not None and three is not None
        cols = ("prev", "logged_at", "hash", "record_json", "subject_id")
        a = {c: getattr(two, c) for c in cols}
        b = {c: getattr(three, c) for c in cols}
        two.hash, three.hash = "x" * 64, "y" * 64  # dodge the unique constraint mid-swap
        s.flush()
        for c in cols:
            setattr(two, c, b[c])
            setattr(three, c, a[c])
    with db.session() as s:
        result = dblog.verify(s)
    assert not result.ok and result.first_bad_line == 2


def test_anchor_must_be_in_the_log(db: Database) -> None:
    _append(db, 2)
    with db.session() as s:
        head = dblog.head(s)
        assert dblog.verify(s, anchor=head).ok
        assert not dblog.verify(s, anchor="f" * 64).ok


def test_a_rolled_back_change_leaves_no_entry(db: Database) -> None:
    with pytest.raises(RuntimeError), db.session() as s:
        dblog.append(s, {"kind": "test"})
        raise RuntimeError("the change failed")
    with db.session() as s:
        assert s.scalars(select(AuditEntry)).all() == []
        assert dblog.verify(s).ok


def test_concurrent_appends_stay_one_chain(db: Database) -> None:
    threads, per_thread = 6, 8
    errors: list[BaseException] = []

    def work() -> None:
        try:
            _append(db, per_thread)
        except BaseException as exc:
            errors.append(exc)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    with db.session() as s:
        result = dblog.verify(s)
        assert result.ok, result.problem
        assert result.entries == threads * per_thread
