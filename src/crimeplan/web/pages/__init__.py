"""Server-rendered pages (GOV.UK Frontend): sign-in with MFA, home per role, administration,
and the data protection officer's views."""

from fastapi import APIRouter

from crimeplan.web.pages import admin, dpo, signin
from crimeplan.web.pages.render import render_error

pages_router = APIRouter(include_in_schema=False)
for _module in (signin, admin, dpo):
    pages_router.include_router(_module.router)

__all__ = ["pages_router", "render_error"]
