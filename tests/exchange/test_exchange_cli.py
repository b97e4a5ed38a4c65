"""``crimeplan exchange``: each command is a shell over its use case, on a service database
given by URL, following a peer served on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from servers import served
from service_world import CLIENT_SECRET, World
from typer.testing import CliRunner

from crimeplan.app.registry import traced
from crimeplan.cases.testing import fresh_url
from crimeplan.cli.main import app as cli

runner = CliRunner()


@pytest.fixture
def sender(app: FastAPI, world: World) -> Iterator[str]:
    with served(app) as url:
        yield url


def _run(*argv: str) -> tuple[str, list[str]]:
    with traced() as calls:
        result = runner.invoke(cli, list(argv))
    assert result.exit_code == 0, result.output
    return result.output, calls


def test_follow_records_the_peer_and_applies_its_feed(world: World, sender: str,
                                                      tmp_path: Path) -> None:
    rx = fresh_url("sqlite", tmp_path)
    client_id = world.personas["probation-system"].actor.client_id
    out, calls = _run("exchange", "follow", "--peer", sender, "--client-id", client_id,
                      "--client-secret", CLIENT_SECRET, "--purpose", "offender-management",
                      "--once", "--database-url", rx)
    assert calls == ["exchange.add-peer", "exchange.follow"]
    assert f"2 events applied from {sender}" in out
    out, calls = _run("exchange", "peers", "--database-url", rx)
    assert calls == ["exchange.peers"]
    assert client_id in out and "cursor" in out and CLIENT_SECRET not in out


def test_add_peer_refuses_an_unknown_purpose(tmp_path: Path) -> None:
    result = runner.invoke(cli, ["exchange", "add-peer", "--peer", "http://127.0.0.1:9",
                                 "--client-id", "c", "--client-secret", "s", "--purpose",
                                 "curiosity", "--database-url", fresh_url("sqlite", tmp_path)])
    assert result.exit_code != 0
    assert "unknown purpose 'curiosity'" in result.output


def test_deliver_once_sends_what_is_due(app: FastAPI, world: World, settings: object) -> None:
    out, calls = _run("exchange", "deliver", "--public-url", "http://127.0.0.1:8000",
                      "--once", "--database-url", app.state.settings.database_url)
    assert calls == ["exchange.deliver"]
    assert "0 deliveries sent" in out
