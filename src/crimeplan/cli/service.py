"""``crimeplan service``: administer the service database without the web pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from crimeplan.cli.common import HomeOption, console, fail, home_dir, print_json
from crimeplan.cli.serve import DatabaseUrlOption

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from crimeplan.cases.actor import Actor
    from crimeplan.cases.db import Database

T = TypeVar("T")

app = typer.Typer(help="Administer the web service: migrate its database, add agencies, "
                       "users and API clients, seed the demo.", no_args_is_help=True)


def _database(home: HomeOption, database_url: str | None) -> Database:
    from crimeplan.cases.db import Database, default_url
    from crimeplan.cases.migrate import upgrade

    db = Database(database_url or default_url(home_dir(home)))
    upgrade(db)
    return db


def _local_admin() -> Actor:
    """The person at this machine's shell, acting as system administrator."""
    from crimeplan.app.actors import cli_actor

    return replace(cli_actor("account-administration"), role="system-admin")


def _run(action: Callable[[], T]) -> T:
    """Run ``action``; a crimeplan error becomes a message and its exit code."""
    from crimeplan.errors import CrimeplanError

    try:
        return action()
    except CrimeplanError as exc:
        where = "; ".join(f"{f.field}: {f.message or f.code}" for f in exc.fields)
        fail(exc.message + (f" ({where})" if where else ""), exc.exit_code)


@app.command("migrate")
def migrate(database_url: DatabaseUrlOption = None, home: HomeOption = None) -> None:
    """Bring the service database to the newest schema revision."""
    db = _database(home, database_url)
    from crimeplan.cases.migrate import current

    console.print(f"service database at revision {current(db)}")


@app.command("create-agency")
def create_agency(
    name: Annotated[str, typer.Argument(help="The agency's name.")],
    kind: Annotated[str, typer.Option("--kind", help="police-force, probation, "
                                      "local-authority, health, housing-provider, "
                                      "drug-alcohol-treatment, youth-justice, victim-service "
                                      "or pcc-office.")],
    database_url: DatabaseUrlOption = None,
    home: HomeOption = None,
) -> None:
    """Add an agency; prints its id."""
    from crimeplan.web.identity import accounts

    db = _database(home, database_url)
    with db.session() as s:
        agency = _run(lambda: accounts.create_agency(s, _local_admin(), name, kind))
        console.print(f"agency {agency.id} {agency.name} ({agency.kind_label})")


@app.command("create-user")
def create_user(
    email: Annotated[str, typer.Argument(help="Their email address (the sign-in name).")],
    name: Annotated[str, typer.Option("--name", help="Their full name.")],
    role: Annotated[str, typer.Option("--role", help="system-admin, agency-admin, analyst, "
                                      "case-worker, dpo or pcc-viewer.")],
    agency: Annotated[str, typer.Option("--agency", help="Agency id or exact name.")],
    database_url: DatabaseUrlOption = None,
    home: HomeOption = None,
) -> None:
    """Add an account; prints its first password once (they set up MFA at first sign-in)."""
    from crimeplan.web.identity import accounts

    db = _database(home, database_url)
    with db.session() as s:
        agency_id = _agency_id(s, agency)
        user, password = _run(lambda: accounts.create_user(s, _local_admin(), agency_id, email,
                                                           name, role))
        console.print(f"user {user.id} {user.email} ({user.role_info.label})")
        console.print(f"first password (shown once): {password}", highlight=False)


@app.command("create-client")
def create_client(
    name: Annotated[str, typer.Argument(help="The system's name.")],
    agency: Annotated[str, typer.Option("--agency", help="Agency id or exact name.")],
    scopes: Annotated[str, typer.Option("--scopes", help="Space-separated: people:read "
                                        "people:write stats:read.")] = "",
    database_url: DatabaseUrlOption = None,
    home: HomeOption = None,
) -> None:
    """Register another agency's system as an OAuth2 client; prints its secret once."""
    from crimeplan.web.identity import accounts

    db = _database(home, database_url)
    with db.session() as s:
        agency_id = _agency_id(s, agency)
        client, secret = _run(lambda: accounts.create_client(
            s, _local_admin(), agency_id, name, frozenset(scopes.split())))
        console.print(f"client id: {client.id}\nsecret (shown once): {secret}", highlight=False)


@app.command("seed-demo")
def seed_demo(
    as_json: Annotated[bool, typer.Option("--json", help="Print the accounts as JSON.")
                       ] = False,
    database_url: DatabaseUrlOption = None,
    home: HomeOption = None,
) -> None:
    """Create the demo agencies (Essex), users of every role, an API client and two people.

    Passwords and TOTP secrets are generated, printed and kept in demo-accounts.json (0600)
    in the workspace; a second run prints the same accounts again.
    """
    from crimeplan.web.demo_seed import seed

    db = _database(home, database_url)
    accounts_ = seed(db, home_dir(home))
    if as_json:
        print_json(accounts_)
        return
    console.print("Demo accounts: sign in at /sign-in with the password, then the 6-digit code "
                  "of an authenticator app given the TOTP secret (or, in Python, "
                  "pyotp.TOTP(secret).now()).", soft_wrap=True)
    for a in accounts_["users"]:
        console.print(f"  {a['role']:<13} {a['email']:<41} password {a['password']}  "
                      f"TOTP secret {a['totp_secret']}", highlight=False, soft_wrap=True)
    for c in accounts_["clients"]:
        console.print(f"  API client {c['name']}: id {c['id']} secret {c['secret']} "
                      f"scopes {c['scopes']}", highlight=False, soft_wrap=True)


def _agency_id(session: Session, agency: str) -> str:
    from sqlalchemy import or_, select

    from crimeplan.cases.agencies import Agency

    found = session.scalars(select(Agency).where(or_(Agency.id == agency,
                                                     Agency.name == agency))).all()
    if len(found) != 1:
        fail(f"--agency {agency!r}: no such agency (crimeplan service create-agency adds one)",
             3)
    return str(found[0].id)
