"""``create_app(settings)``: the FastAPI application of one workspace.

The API lives under /api/v1 with its OpenAPI 3.1 document at /api/v1/openapi.json (no
interactive docs: they load scripts from a CDN). Pages are server-rendered; GOV.UK Frontend,
MoJ Frontend and Leaflet are served from ``static/`` (copied from npm by ``make install``).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles

from crimeplan import __version__
from crimeplan.cases.db import Database
from crimeplan.cases.migrate import upgrade
from crimeplan.errors import CrimeplanError
from crimeplan.web import problems
from crimeplan.web.api import admin, auth, oversight, people
from crimeplan.web.identity.tokens import load_or_create_key
from crimeplan.web.pages import pages_router, render_error
from crimeplan.web.security import SecurityMiddleware
from crimeplan.web.settings import Settings

STATIC = Path(__file__).with_name("static")
API = "/api/v1"


def create_app(settings: Settings) -> FastAPI:
    """The application for one workspace, its database migrated to the newest revision."""
    settings.home.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    upgrade(db)
    app = FastAPI(title="crimeplan service", version=__version__,
                  openapi_url=f"{API}/openapi.json", docs_url=None, redoc_url=None,
                  description="Multi-agency crime and case service. Errors are RFC 9457 "
                              "problem documents; personal data needs an X-Purpose code.")
    app.state.settings = settings
    app.state.db = db
    app.state.signing_key = load_or_create_key(settings.keys_dir)
    for router in (auth.router, admin.router, people.router, oversight.router):
        app.include_router(router, prefix=API, responses=problems.RESPONSES)
    app.include_router(pages_router)
    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")
    app.mount("/assets", StaticFiles(directory=STATIC / "vendor" / "assets",
                                     check_dir=False), name="assets")
    _handle_errors(app)
    app.add_middleware(SecurityMiddleware, settings=settings)
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _handle_errors(app: FastAPI) -> None:
    @app.exception_handler(CrimeplanError)
    async def crimeplan_error(request: Request, exc: CrimeplanError) -> Response:
        if _is_api(request):
            return problems.from_error(request, exc)
        return render_error(request, exc)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return problems.from_validation(request, exc)
        return render_error(request, exc)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if _is_api(request):
            return problems.from_http(request, exc)
        return render_error(request, exc)
