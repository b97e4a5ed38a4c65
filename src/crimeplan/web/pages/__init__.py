"""Server-rendered pages (GOV.UK Frontend): sign-in with MFA, home per role, administration,
and the data protection officer's views."""

from fastapi import APIRouter

from crimeplan.web.pages import admin, analysis, dip, dpo, iom, pole, signin, transparency, victims
from crimeplan.web.pages import asb as asb_pages  # issue 13: ASB case reviews
from crimeplan.web.pages import early_intervention as ei_pages  # issue 13: early intervention
from crimeplan.web.pages.render import render_error

pages_router = APIRouter(include_in_schema=False)
for _module in (signin, admin, dpo, analysis, transparency, pole, victims, iom, dip):
    pages_router.include_router(_module.router)
for _module in (ei_pages, asb_pages):  # issue 13: early intervention and ASB case reviews
    pages_router.include_router(_module.router)

__all__ = ["pages_router", "render_error"]
