"""``crimeplan serve``: the web service and API over one workspace."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from crimeplan.cli.common import HomeOption, console, fail, home_dir

DATABASE_URL_ENV = "CRIMEPLAN_DATABASE_URL"

DatabaseUrlOption = Annotated[
    str | None,
    typer.Option("--database-url", envvar=DATABASE_URL_ENV,
                 help="Service database, e.g. postgresql+psycopg://user@127.0.0.1/crimeplan "
                      "(default: service.db, SQLite, in the workspace)."),
]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on. Anything but "
                                      "loopback exposes the service: put TLS in front.")
                    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    database_url: DatabaseUrlOption = None,
    tls_cert: Annotated[Path | None, typer.Option("--tls-cert", help="Certificate (PEM) to "
                                                  "serve HTTPS directly.")] = None,
    tls_key: Annotated[Path | None, typer.Option("--tls-key", help="Its private key.")
                       ] = None,
    behind_tls_proxy: Annotated[bool, typer.Option(
        "--behind-tls-proxy", help="A TLS-terminating proxy on this machine forwards to the "
        "service: cookies are Secure, HSTS is sent, X-Forwarded-* from 127.0.0.1 trusted.")
    ] = False,
    home: HomeOption = None,
) -> None:
    """Run the web service (pages and the API under /api/v1) on 127.0.0.1:8000.

    Migrates the service database first. Listens on loopback unless --host says otherwise.
    """
    import uvicorn

    from crimeplan.web.app import create_app
    from crimeplan.web.settings import Settings  # imported here: --help stays fast

    if (tls_cert is None) != (tls_key is None):
        fail("--tls-cert and --tls-key go together")
    settings = Settings(home=home_dir(home).resolve(), database_url=database_url or "",
                        tls=tls_cert is not None or behind_tls_proxy)
    app = create_app(settings)
    if not is_loopback(host):
        console.print(f"[yellow]warning:[/] listening on {escape(host)}: the service is "
                      "reachable from other machines" + ("" if settings.tls else " without TLS"),
                      markup=True)
    scheme = "https" if settings.tls else "http"
    console.print(f"crimeplan service on {scheme}://{host}:{port}/ (database "
                  f"{_redacted(settings.database_url)}); Ctrl-C stops it")
    uvicorn.run(app, host=host, port=port, server_header=False,
                proxy_headers=behind_tls_proxy, forwarded_allow_ips="127.0.0.1",
                ssl_certfile=str(tls_cert) if tls_cert else None,
                ssl_keyfile=str(tls_key) if tls_key else None, log_level="info")


def _redacted(url: str) -> str:
    """The URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
