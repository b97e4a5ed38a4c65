"""The web service: a JSON API under /api/v1 and server-rendered pages over the library."""
