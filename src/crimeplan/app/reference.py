"""Use cases of the reference data: LSOA and force-area boundaries, deprivation and
populations, loaded in one transaction and recorded before it commits."""

from __future__ import annotations

from pathlib import Path

from crimeplan.app.errors import bad_input
from crimeplan.app.registry import use_case
from crimeplan.cases.actor import Actor
from crimeplan.provenance.runs import RunRecorder
from crimeplan.store import Warehouse
from crimeplan.store.reference import (
    LoadedSource,
    ReferenceLoad,
    ReferenceSummary,
    load_reference,
    reference_summary,
)


@use_case("reference.load", run_kind="reference.load")
def load(actor: Actor, home: Path, folder: Path) -> ReferenceLoad:
    """Load the reference files found in ``folder``, replacing any loaded before, recorded
    with each file's SHA-256 before the warehouse commits."""
    from crimeplan.sources.reference import ReferenceDataError

    with Warehouse(home).writing("reference load") as con, bad_input(ReferenceDataError), \
            RunRecorder(home, "reference.load", actor, parameters={"folder": str(folder)}) as run:

        def record(sources: list[LoadedSource]) -> None:
            for source in sources:
                run.add_hashed_input(source.source_path, source.sha256, role=source.name,
                                     rows=source.rows)
            run.append_now()

        return load_reference(con, folder, before_commit=record)


@use_case("reference.status", run_kind="reference.status")
def status(actor: Actor, home: Path) -> ReferenceSummary | None:
    """Which reference files are loaded and how complete the LSOA table is (None: none)."""
    with RunRecorder(home, "reference.status", actor) as run:
        with Warehouse(home).connect(read_only=True) as con:
            found = reference_summary(con)
        run.set_result("loaded", found is not None)
    return found
