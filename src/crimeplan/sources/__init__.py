"""Readers that turn outside formats into records of the common data standard."""
