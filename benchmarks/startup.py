"""Start-up benchmark: ``crimeplan --help``, ``--version`` and ``ingest --help`` as whole
processes, against ``python -c pass``.

Like hyperfine: each command runs once to warm the file cache, then ``--repeats`` times; the
median and the fastest wall time are reported with the peak resident memory of the process
(from ``wait4``, so each figure is that one process's own).

Target: ``crimeplan --help`` under 1 s.
Run: ``.venv/bin/python benchmarks/startup.py [--repeats N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

#: The ``crimeplan`` console script of the running environment.
CRIMEPLAN = str(Path(sys.executable).with_name("crimeplan"))


@dataclass(frozen=True)
class ProcessRun:
    """One whole process: wall seconds from spawn to exit, CPU seconds (user + system, all
    threads: steadier than wall time on a shared machine) and peak resident memory."""

    seconds: float
    cpu_seconds: float
    peak_mib: float


def time_process(command: list[str], env: dict[str, str] | None = None) -> ProcessRun:
    """Run a command to completion (output discarded; a failure raises) and measure it."""
    with tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, env=env)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = code = os.waitstatus_to_exitcode(status)
        if code != 0:
            stderr.seek(0)
            message = stderr.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"{' '.join(command)} exited {code}: {message}")
    return ProcessRun(seconds, usage.ru_utime + usage.ru_stime,
                      usage.ru_maxrss / 1024)  # ru_maxrss is in KiB on Linux


def repeat(command: list[str], repeats: int, warmup: int = 1,
           env: dict[str, str] | None = None) -> dict[str, float]:
    """Median and fastest wall time, median CPU time and the largest peak memory over
    ``repeats`` runs."""
    for _ in range(warmup):
        time_process(command, env)
    runs = [time_process(command, env) for _ in range(repeats)]
    return {"median_s": statistics.median(r.seconds for r in runs),
            "min_s": min(r.seconds for r in runs),
            "cpu_s": statistics.median(r.cpu_seconds for r in runs),
            "peak_mib": max(r.peak_mib for r in runs)}


COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "crimeplan --help": [CRIMEPLAN, "--help"],
    "crimeplan --version": [CRIMEPLAN, "--version"],
    "crimeplan ingest --help": [CRIMEPLAN, "ingest", "--help"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M')}, load average "
          f"{os.getloadavg()[0]:.2f}")
    results = {name: repeat(command, args.repeats) for name, command in COMMANDS.items()}
    base = results["python -c pass"]["median_s"]
    for name, r in results.items():
        r["vs_python"] = r["median_s"] / base
        print(json.dumps({"command": name, **{k: round(v, 3) for k, v in r.items()}}))
    print(f"{'command':<26}{'median':>9}{'fastest':>9}{'CPU':>9}{'peak RSS':>11}"
          f"{'x python':>10}")
    for name, r in results.items():
        print(f"{name:<26}{r['median_s']:>8.3f}s{r['min_s']:>8.3f}s{r['cpu_s']:>8.3f}s"
              f"{r['peak_mib']:>7.0f} MiB{r['vs_python']:>9.1f}x")
    verdict = "meets" if results["crimeplan --help"]["median_s"] < 1 else "MISSES"
    print(f"crimeplan --help: {verdict} the 1 s target; load average now "
          f"{os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
