"""The exchange tests run on the service tests' world (tests/web/service_world.py)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))

from service_world import app, database_url, settings, world

__all__ = ["app", "database_url", "settings", "world"]
