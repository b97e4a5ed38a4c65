"""Whole crimeplan instances for the tests: a service database with an agency and an API
client, and ``crimeplan serve`` running over it in its own process on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from crimeplan.cases.accounts import ApiClient
from crimeplan.cases.actor import Actor
from crimeplan.cases.agencies import Agency
from crimeplan.cases.db import Database, default_url
from crimeplan.cases.migrate import upgrade
from crimeplan.web.identity import passwords

SECRET = "an instance client secret for the tests only"
_hash: list[str] = []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Instance:
    """One agency's crimeplan: its workspace, database and (when started) its process."""

    name: str
    home: Path
    kind: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    agency_id: str = ""
    clients: dict[str, str] = field(default_factory=dict)
    #: Its service database; empty: SQLite in its workspace.
    database: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database_url(self) -> str:
        return self.database or default_url(self.home)

    def db(self) -> Database:
        database = Database(self.database_url)
        upgrade(database)
        return database

    def setup(self, guests: dict[str, str] | None = None) -> None:
        """Its own agency, and an agency with a people:read client for each guest
        (name → agency kind) that will fetch from it."""
        if not _hash:
            _hash.append(passwords.hash_password(SECRET))
        db = self.db()
        with db.session() as s:
            own = Agency(name=self.name, kind=self.kind)
            s.add(own)
            s.flush()
            self.agency_id = own.id
            for guest, kind in (guests or {}).items():
                agency = Agency(name=guest, kind=kind)
                s.add(agency)
                s.flush()
                client = ApiClient(agency_id=agency.id, name=f"{guest} system",
                                   secret_hash=_hash[0], scopes="people:read")
                s.add(client)
                s.flush()
                self.clients[guest] = client.id
        db.dispose()

    def start(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        log = (self.home / "serve.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "crimeplan", "serve", "--home", str(self.home), "--port",
             str(self.port)], stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "CRIMEPLAN_DATABASE_URL": self.database})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/api/v1/health", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start: {(self.home / 'serve.log').read_text()}")

    def kill(self) -> None:
        """kill -9: no shutdown, no flush, nothing."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None


def care(agency_id: str) -> Actor:
    """The agency's own case system writing to its database."""
    return Actor(agency_id=agency_id, client_id="case-system", scopes=frozenset(
        {"people:write"}), purpose="case-management")
