"""``crimeplan exchange``: deliver this system's change events, and follow other agencies'."""

from __future__ import annotations

from typing import Annotated

import typer

from crimeplan.cli.common import HomeOption, console, fail
from crimeplan.cli.serve import DatabaseUrlOption

app = typer.Typer(help="Exchange with other agencies' systems: deliver webhooks, follow "
                       "peers' change feeds.", no_args_is_help=True)

PeerUrl = Annotated[str, typer.Option("--peer", help="The peer's base URL, e.g. "
                                      "https://probation.example")]


def _database(home: HomeOption, database_url: str | None):  # type: ignore[no-untyped-def]
    from crimeplan.cli.service import _database as service_database

    return service_database(home, database_url)


def _actor():  # type: ignore[no-untyped-def]
    from crimeplan.app.actors import cli_actor

    return cli_actor("information-sharing")


@app.command("deliver")
def deliver(
    public_url: Annotated[str, typer.Option("--public-url", help="The URL other systems "
                                            "reach this one at (the events' source and the "
                                            "base of their detailurl).")],
    once: Annotated[bool, typer.Option("--once", help="Send what is due, then stop.")] = False,
    database_url: DatabaseUrlOption = None,
    home: HomeOption = None,
) -> None:
    """Send webhook deliveries (crimeplan serve also sends them while it runs)."""
    from crimeplan.app import exchange as use

    sent = use.deliver(_actor(), _database(home, database_url), public_url, once=once)
    console.print(f"{sent} deliveries sent")


@app.command("add-peer")
def add_peer(
    peer: PeerUrl,
    client_id: Annotated[str, typer.Option("--client-id", help="Our client id at the peer.")],
    client_secret: Annotated[str, typer.Option(
        "--client-secret", envvar="CRIMEPLAN_PEER_CLIENT_SECRET",
        help="Our client secret at the peer (or the CRIMEPLAN_PEER_CLIENT_SECRET variable).")],
    purpose: Annotated[str, typer.Option("--purpose", help="Why we receive its events: a "
                                         "purpose code (offender-management, …).")
                       ] = "information-sharing",
    webhook_secret: Annotated[str | None, typer.Option(
        "--webhook-secret", help="The whsec_… secret of our webhook subscription there.")
    ] = None,
    database_url: DatabaseUrlOption = None,
    home: HomeOption = None,
) -> None:
    """Record a peer to follow, with the client credentials it issued this system."""
    from crimeplan.app import exchange as use
    from crimeplan.errors import CrimeplanError

    try:
        view = use.add_peer(_actor(), _database(home, database_url), peer, client_id,
                            client_secret, purpose, webhook_secret)
    except CrimeplanError as exc:
        fail(exc.message, exc.exit_code)
    console.print(f"peer {view.url} (client {view.client_id}, purpose {view.purpose})")


@app.command("peers")
def peers(database_url: DatabaseUrlOption = None, home: HomeOption = None) -> None:
    """List the peers this system follows, with their cursors."""
    from crimeplan.app import exchange as use

    for view in use.peers(_actor(), _database(home, database_url)):
        console.print(f"{view.url}  client {view.client_id}  purpose {view.purpose}  "
                      f"cursor {view.cursor}  webhooks {'yes' if view.webhooks else 'no'}")


@app.command("follow")
def follow(
    peer: PeerUrl,
    client_id: Annotated[str | None, typer.Option(
        "--client-id", help="Record or update the peer with these credentials first.")] = None,
    client_secret: Annotated[str | None, typer.Option(
        "--client-secret", envvar="CRIMEPLAN_PEER_CLIENT_SECRET", help="Its secret.")] = None,
    purpose: Annotated[str, typer.Option("--purpose", help="Purpose code, with --client-id.")
                       ] = "information-sharing",
    once: Annotated[bool, typer.Option("--once", help="Apply one page, then stop.")] = False,
    database_url: DatabaseUrlOption = None,
    home: HomeOption = None,
) -> None:
    """Apply a peer's change feed from our cursor, fetching records with our own credentials.

    Ctrl-C stops; a restart resumes where it left off.
    """
    from crimeplan.app import exchange as use
    from crimeplan.errors import CrimeplanError

    db = _database(home, database_url)
    try:
        if client_id is not None:
            if client_secret is None:
                fail("--client-id needs --client-secret")
            use.add_peer(_actor(), db, peer, client_id, client_secret, purpose)
        seen = use.follow(_actor(), db, peer, once=once)
    except CrimeplanError as exc:
        fail(exc.message, exc.exit_code)
    except KeyboardInterrupt:
        return
    console.print(f"{seen} events applied from {peer}")
