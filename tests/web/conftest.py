"""Fixtures of the service tests (defined in service_world, shared with helpers there)."""

from service_world import app, database_url, settings, world

__all__ = ["app", "database_url", "settings", "world"]
