"""The demo's accounts: Essex agencies of every kind, a user of every role, an API client and
two person records, with generated passwords and TOTP secrets.

Credentials are written once to ``<home>/demo-accounts.json`` (0600) and shown again on
later runs; nothing here is used outside the demo.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

from crimeplan.cases import records
from crimeplan.cases.accounts import User
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.db import Database
from crimeplan.web.identity import accounts, totp

ACCOUNTS_FILE = "demo-accounts.json"

#: (name, kind) of the demo agencies for the demo area, Essex.
AGENCIES = (
    ("Essex Police (demo)", "police-force"),
    ("Probation Service East of England (demo)", "probation"),
    ("Essex County Council (demo)", "local-authority"),
    ("Mid and South Essex NHS (demo)", "health"),
    ("Essex Homes Housing Association (demo)", "housing-provider"),
    ("Essex Drug and Alcohol Service (demo)", "drug-alcohol-treatment"),
    ("Essex Youth Justice Service (demo)", "youth-justice"),
    ("Essex Victim Care (demo)", "victim-service"),
    ("Office of the Essex Police, Fire and Crime Commissioner (demo)", "pcc-office"),
)

#: (email, name, role, agency kind) of the demo users.
USERS = (
    ("sysadmin@demo.crimeplan.test", "Sam Admin", "system-admin", "police-force"),
    ("agency-admin@demo.crimeplan.test", "Alex Agency", "agency-admin", "police-force"),
    ("analyst@demo.crimeplan.test", "Ana Lyst", "analyst", "police-force"),
    ("police-caseworker@demo.crimeplan.test", "Pat Police", "case-worker", "police-force"),
    ("probation-caseworker@demo.crimeplan.test", "Pip Probation", "case-worker",
     "probation"),
    ("housing-caseworker@demo.crimeplan.test", "Hal Housing", "case-worker",
     "housing-provider"),
    ("dpo@demo.crimeplan.test", "Dana Protection", "dpo", "police-force"),
    ("pcc@demo.crimeplan.test", "Chris Commissioner", "pcc-viewer", "pcc-office"),
)


def seed(db: Database, home: Path) -> dict[str, Any]:
    """Create the demo accounts unless they exist; return every account's credentials."""
    path = home / ACCOUNTS_FILE
    with db.session() as s:
        if s.scalar(select(Agency).where(Agency.name == AGENCIES[0][0])) is not None:
            if path.exists():
                return dict(json.loads(path.read_text(encoding="utf-8")))
            raise SystemExit(f"the demo agencies exist but {path} is gone: "
                             "remove the service database to seed afresh")
        setup = Actor(user_id="demo-seed", role="system-admin",
                      purpose="account-administration")
        agencies = {kind: accounts.create_agency(s, setup, name, kind)
                    for name, kind in AGENCIES}
        users: list[dict[str, Any]] = []
        by_email: dict[str, User] = {}
        for email, name, role, kind in USERS:
            user, password = accounts.create_user(s, setup, agencies[kind].id, email, name,
                                                  role)
            user.totp_secret = totp.new_secret()
            user.totp_enrolled = True
            by_email[email] = user
            users.append({"email": email, "role": role, "agency": agencies[kind].name,
                          "password": password, "totp_secret": user.totp_secret})
        client, secret = accounts.create_client(s, setup, agencies["probation"].id,
                                                "Probation case system (demo)",
                                                frozenset({"people:read"}))
        _people(s, by_email, agencies)
    credentials = {"users": users, "clients": [{"name": client.name, "id": client.id,
                                                "secret": secret,
                                                "scopes": client.scopes}]}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(credentials, fh, indent=2)
    return credentials


def _people(s: Any, by_email: dict[str, User], agencies: dict[str, Agency]) -> None:
    """Two fictional people: one shared with probation, one restricted."""
    worker = by_email["police-caseworker@demo.crimeplan.test"]
    actor = Actor(user_id=worker.id, agency_id=worker.agency_id, role=worker.role,
                  purpose="offender-management", justification="demo data")
    shared = records.create(s, actor, {"given_name": "Jo", "family_name": "Example",
                                       "date_of_birth": dt.date(1990, 1, 1),
                                       "pnc_id": "90/123456X", "category": "convicted"},
                            worker.agency_id)
    records.share(s, replace(actor, purpose="information-sharing"), shared,
                  agencies["probation"].id)
    records.create(s, actor, {"given_name": "Sam", "family_name": "Sample",
                              "category": "victim", "sensitivity": "restricted"},
                   worker.agency_id)
