"""The demo's accounts: Essex agencies of every kind, a user of every role, an API client and
two person records, with generated passwords and TOTP secrets; then each programme's caseload
(the victims' year of Victims' Code duties).

Credentials are written once to ``<home>/demo-accounts.json`` (0600) and shown again on
later runs; nothing here is used outside the demo.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

from crimeplan.cases import records
from crimeplan.cases.accounts import User
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.asb import demo as asb_demo
from crimeplan.cases.db import Database
from crimeplan.cases.demo import seed_demo
from crimeplan.cases.dip import demo as dip_demo
from crimeplan.cases.early_intervention import demo as ei_demo
from crimeplan.cases.iom import demo as iom_demo
from crimeplan.cases.victims import demo as victims_demo
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
    ("victims-caseworker@demo.crimeplan.test", "Val Victims", "case-worker", "victim-service"),

    # IOM and DIP (#13): the drug and alcohol service's DIP worker
    ("dip-worker@demo.crimeplan.test", "Dee Treatment", "case-worker",
     "drug-alcohol-treatment"),

    # issue 13: early intervention (youth justice) and ASB case reviews (council)
    ("yjs-caseworker@demo.crimeplan.test", "Yan Youth", "case-worker", "youth-justice"),
    ("council-caseworker@demo.crimeplan.test", "Cass Council", "case-worker",
     "local-authority"),
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
        seed_demo(s, agencies, random.Random(13))
        victims_demo.seed_demo(s, agencies, random.Random(13))  # Victims' Code (issue #13.5)

        iom_demo.seed_demo(s, agencies, random.Random(13))  # IOM caseload (#13)
        dip_demo.seed_demo(s, agencies, random.Random(14))  # DIP pathways (#13)

        ei_demo.seed_demo(s, agencies, random.Random(13))  # issue 13: early intervention
        asb_demo.seed_demo(s, agencies, random.Random(14))  # issue 13: ASB case reviews
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
                                       "pnc_id": "1990/0123456K", "category": "convicted"},
                            worker.agency_id)
    records.share(s, replace(actor, purpose="information-sharing"), shared,
                  agencies["probation"].id)
    records.create(s, actor, {"given_name": "Sam", "family_name": "Sample",
                              "category": "victim", "sensitivity": "restricted"},
                   worker.agency_id)
