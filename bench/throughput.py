"""Throughput and latency of a logged-in citizen's pages, against a trivial Flask route.

Drives the stack that scripts/prod.sh runs (gunicorn, production config, PostgreSQL, Redis,
reference plan API) with wrk (Debian package, installed if missing) on loopback: the
overview, plan and appointments pages at 1, 10 and 50 concurrent users, each user a keep-
alive connection sending the session cookie of one citizen logged in through the MitID
simulator. The ceiling is a one-line Flask route (bench/ceiling.py) under the same
gunicorn.conf.py, started here for the run. Also counts the plan-API calls each page makes,
from the plan API's access log, and the CPU time each page costs per request in every
process group (portal, plan API, PostgreSQL, Redis: user + system time of each group's
processes and their reaped children, from /proc) — work done, which a shared machine's load
does not distort the way it distorts latency. Budgets: overview p95 ≤ 100 ms at 10 users,
≤ 10 ms CPU per overview across all processes.

    scripts/prod.sh &                       # in another terminal
    .venv/bin/python bench/throughput.py    # --help for options
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from portal.devstack import BIN, ROOT, free_port, log_in

PAGES = {"overview": "/overblik", "plan": "/min-plan", "appointments": "/aftaler"}
BUDGET_P95_MS = 100.0
BUDGET_CPU_MS = 10.0
GROUPS = ("portal", "planapi", "postgres", "redis")


@dataclass
class Result:
    target: str
    users: int
    rps: float
    p50: float
    p95: float
    p99: float
    failed: int
    requests: int = 0
    cpu_ms: dict[str, float] | None = None  # per request, by process group

    @property
    def cpu_total(self) -> float:
        return sum((self.cpu_ms or {}).values())


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="portal base URL")
    parser.add_argument(
        "--planapi-log",
        type=Path,
        default=ROOT / "var" / "prod" / "logs" / "planapi.log",
        help="the plan API's gunicorn access log (to count its calls per page)",
    )
    parser.add_argument("--persona", default="p-mette", help="citizen to log in as")
    parser.add_argument("--users", default="1,10,50", help="concurrency levels, comma separated")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--workers", type=int, default=0, help="ceiling workers (0: as conf)")
    parser.add_argument("--planapi-port", type=int, default=8001, help="the stack's plan API")
    parser.add_argument("--pg-port", type=int, default=55433, help="the stack's PostgreSQL")
    parser.add_argument("--redis-port", type=int, default=56380, help="the stack's Redis")
    return parser.parse_args(argv)


def count_planapi_calls(client: httpx.Client, path: str, log: Path) -> int | None:
    if not log.is_file():
        return None
    time.sleep(0.5)
    before = log.stat().st_size
    client.get(path).raise_for_status()
    time.sleep(0.5)  # gunicorn writes the access line after the response
    with log.open("rb") as handle:
        handle.seek(before)
        lines = handle.read().decode("utf-8", "replace").splitlines()
    return sum(1 for line in lines if " /v1/" in line)


def _proc_stat(pid: str) -> tuple[int, int] | None:
    """(parent pid, CPU ticks of the process and its reaped children) from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            raw = handle.read().decode("utf-8", "replace")
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # the command name may hold spaces
    return int(fields[1]), sum(int(f) for f in fields[11:15])  # utime stime cutime cstime


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def group_markers(args: argparse.Namespace) -> dict[str, tuple[str, ...]]:
    """What a group's root process has on its command line (other stacks use other ports)."""
    port = args.url.rsplit(":", 1)[-1].strip("/")
    return {
        "portal": ("portal:create_app()", f"127.0.0.1:{port} "),
        "planapi": ("planapi:create_app()", f"127.0.0.1:{args.planapi_port} "),
        "postgres": ("postgres", f"-p {args.pg_port} "),
        "redis": ("redis-server", f":{args.redis_port}"),
    }


def cpu_ticks(markers: dict[str, tuple[str, ...]]) -> dict[str, int]:
    """CPU ticks used so far by each process group: its root process and all descendants."""
    stats: dict[int, tuple[int, int]] = {}
    for name in os.listdir("/proc"):
        if name.isdigit() and (stat := _proc_stat(name)) is not None:
            stats[int(name)] = stat
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    totals: dict[str, int] = {}
    for group, marks in markers.items():
        roots = [
            pid
            for pid in stats
            if all(m in _cmdline(str(pid)) for m in marks)
            and not all(m in _cmdline(str(stats[pid][0])) for m in marks)
        ]
        seen: set[int] = set()
        todo = list(roots)
        while todo:
            pid = todo.pop()
            if pid not in seen:
                seen.add(pid)
                todo.extend(children.get(pid, []))
        totals[group] = sum(stats[pid][1] for pid in seen)
    return totals


def wrk(url: str, users: int, duration: int, cookie: str) -> dict[str, int]:
    argv = [
        "wrk",
        f"--threads={min(users, 2)}",
        f"--connections={users}",
        f"--duration={duration}s",
        "--timeout=10s",
        f"--script={ROOT / 'bench' / 'wrk_report.lua'}",
        url,
    ]
    if cookie:
        argv[1:1] = ["--header", f"Cookie: {cookie}"]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def measure(
    target: str,
    url: str,
    users: int,
    duration: int,
    cookie: str,
    markers: dict[str, tuple[str, ...]] | None = None,
) -> Result:
    before = cpu_ticks(markers) if markers else {}
    data = wrk(url, users, duration, cookie)
    after = cpu_ticks(markers) if markers else {}
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    requests = max(int(data["requests"]), 1)
    return Result(
        target=target,
        users=users,
        rps=data["requests"] / (data["duration_us"] / 1e6),
        p50=data["p50"] / 1000,
        p95=data["p95"] / 1000,
        p99=data["p99"] / 1000,
        failed=data["socket_errors"] + data["non_2xx_3xx"],
        requests=requests,
        cpu_ms={g: (after[g] - before[g]) * tick_ms / requests for g in before} or None,
    )


def start_ceiling(workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    argv = [str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py")]
    argv += ["--chdir", str(ROOT / "bench"), "--bind", f"127.0.0.1:{port}"]
    argv += ["--access-logfile", "/dev/null"]
    if workers:
        argv += ["--workers", str(workers)]
    process = subprocess.Popen(
        [*argv, "ceiling:create_app()"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}/"
    for _ in range(100):
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            time.sleep(0.1)
    process.terminate()
    raise SystemExit("the ceiling app did not start")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    levels = [int(u) for u in args.users.split(",")]
    subprocess.run(
        ["bash", str(ROOT / "scripts" / "apt_need.sh"), "/usr/bin/wrk", "wrk"], check=True
    )
    client = log_in(args.url, args.persona)
    cookie = "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)
    print(f"portal {args.url}, citizen {args.persona}, {args.duration} s per measurement")
    print("load average at the start: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    markers = group_markers(args)

    print("\nplan-API calls per page view:")
    for name, path in PAGES.items():
        response = client.get(path)
        if response.status_code != 200 or response.url.path != path:
            raise SystemExit(f"{path} answered {response.status_code} at {response.url}")
        calls = count_planapi_calls(client, path, args.planapi_log)
        print(f"  {name:13} {path:12} {'?' if calls is None else calls}")

    ceiling, ceiling_url = start_ceiling(args.workers)
    results: list[Result] = []
    try:
        for users in levels:
            results.append(measure("ceiling", ceiling_url, users, args.duration, ""))
            for name, path in PAGES.items():
                results.append(
                    measure(name, args.url + path, users, args.duration, cookie, markers)
                )
    finally:
        ceiling.terminate()
        ceiling.wait()

    print(f"\n{'target':13} {'users':>5} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}", end="")
    print(f" {'p99 ms':>8} {'failed':>6} {'of ceiling':>10}")
    ceilings = {r.users: r.rps for r in results if r.target == "ceiling"}
    for r in results:
        ratio = r.rps / ceilings[r.users] if ceilings[r.users] else 0.0
        print(
            f"{r.target:13} {r.users:5d} {r.rps:8.1f} {r.p50:8.1f} {r.p95:8.1f} {r.p99:8.1f}"
            f" {r.failed:6d} {ratio:10.1%}"
        )
    print("\nCPU ms per request by process group (user + system, from /proc):")
    print(f"{'target':13} {'users':>5}" + "".join(f" {g:>9}" for g in GROUPS) + f" {'all':>9}")
    for r in results:
        if r.cpu_ms:
            cells = "".join(f" {r.cpu_ms.get(g, 0.0):9.1f}" for g in GROUPS)
            print(f"{r.target:13} {r.users:5d}{cells} {r.cpu_total:9.1f}")
    for r in [r for r in results if r.target == "overview" and r.users == 10]:
        verdict = "within" if r.p95 <= BUDGET_P95_MS else "OVER"
        print(
            f"\nbudget: overview p95 at 10 users {r.p95:.1f} ms ≤ {BUDGET_P95_MS:.0f} ms: {verdict}"
        )
        verdict = "within" if r.cpu_total <= BUDGET_CPU_MS else "OVER"
        print(
            f"budget: overview CPU {r.cpu_total:.1f} ms per request ≤ {BUDGET_CPU_MS:.0f} ms:"
            f" {verdict}"
        )
    if any(r.failed for r in results):
        sys.exit("some requests failed (non-2xx/3xx or socket errors)")


if __name__ == "__main__":
    main()
