"""The events page before and after a change, beside the raw baseline, in interleaved rounds.

On a shared machine the load moves between one run of ``make bench`` and the next; this serves
the raw baseline, the project as it was (a copy of another commit, e.g. ``git archive <commit> |
tar -x -C /tmp/before``) and as it is (this tree), each with gunicorn (one sync worker), and
runs wrk on each in turn, round after round, so that all three see the same load. Prints each
round, then the medians and, for the two projects, the median of each round's ratio to that
round's baseline. Same environment as ``bench/run.py`` (``DATABASE_URL`` or ``SQLITE_PATH``,
``BENCH_PORT_BASE``); ``COMPARE_ROUNDS`` (8) rounds of ``COMPARE_DURATION`` (3) seconds.

    python bench/compare.py /tmp/before
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  # the benchmark's own serve/wrk helpers

PATH = f"/api/v1/events/?page_size=50&date_from={run.WINDOW[0]}&date_to={run.WINDOW[1]}"


def serve(env: dict[str, str], cwd: Path, app: str, offset: int) -> tuple[subprocess.Popen, str]:
    bound = run.port(offset)
    process = subprocess.Popen(
        [str(run.BIN / "gunicorn"), app, "--bind", f"127.0.0.1:{bound}", "--workers", "1",
         "--timeout", "300", "--log-level", "warning"],
        cwd=cwd, env=env,
    )  # fmt: skip
    return process, f"http://127.0.0.1:{bound}"


def main(before: Path) -> None:
    env = run.environment()
    rounds = int(os.environ.get("COMPARE_ROUNDS", "8"))
    duration = int(os.environ.get("COMPARE_DURATION", "3"))
    servers = {
        "baseline": serve(env, run.ROOT, "bench.baseline:app", 1),
        "before": serve(env, before, "config.wsgi", 2),
        "after": serve(env, run.ROOT, "config.wsgi", 3),
    }
    headers = {name: None if name == "baseline" else run.NO_CACHE for name in servers}
    try:
        pages = {
            name: json.loads(run.fetch(url + PATH, headers[name]))
            for name, (_, url) in servers.items()
        }
        ids = {name: [event["id"] for event in page["results"]] for name, page in pages.items()}
        print("the same page from all three:", len(set(map(tuple, ids.values()))) == 1)
        p50: dict[str, list[float]] = {name: [] for name in servers}
        p99: dict[str, list[float]] = {name: [] for name in servers}
        ratios: dict[str, list[float]] = {"before": [], "after": []}
        for _ in range(rounds):
            for name, (_, url) in servers.items():
                result = run.wrk(url + PATH, duration, headers[name])
                p50[name].append(result["p50"])
                p99[name].append(result["p99"])
            for name in ratios:
                ratios[name].append(p50[name][-1] / p50["baseline"][-1])
            print("  ".join(f"{name} {p50[name][-1]:.2f}/{p99[name][-1]:.2f}" for name in servers))
        for name in servers:
            line = f"{name:9} p50 {statistics.median(p50[name]):6.2f} ms  "
            line += f"p99 {statistics.median(p99[name]):6.2f} ms"
            if name in ratios:
                line += f"  {statistics.median(ratios[name]):.2f}x the baseline"
            print(line)
        print("load average", Path("/proc/loadavg").read_text().split()[:3])
    finally:
        for process, _ in servers.values():
            process.terminate()
        for process, _ in servers.values():
            process.wait()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
