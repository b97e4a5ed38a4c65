"""Offline HTML reports: one self-contained file, charts inline, no external references."""
