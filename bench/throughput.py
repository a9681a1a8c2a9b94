"""Throughput and latency of a logged-in citizen's pages, against a trivial Flask route.

Drives the stack that scripts/prod.sh runs (gunicorn, production config, PostgreSQL, Redis,
reference plan API) with wrk (Debian package, installed if missing) on loopback: the
overview, plan and appointments pages at 1, 10 and 50 concurrent users, each user a keep-
alive connection sending the session cookie of one citizen logged in through the MitID
simulator. The ceiling is a one-line Flask route (bench/ceiling.py) under the same
gunicorn.conf.py, started here for the run. Also counts the plan-API calls each page makes,
from the plan API's access log, and the CPU time each page costs per request in every
process group (portal, plan API, PostgreSQL, Redis: user + system time of the processes
holding the group's listening port, their descendants and their reaped children, from
/proc) — work done, which a shared machine's load does not distort the way it distorts
latency. Budgets: overview p95 ≤ 100 ms at 10 users, ≤ 10 ms CPU per overview across all
processes; no CPU verdict when a group's port has no process behind it.

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

from portal.devstack import BIN, ROOT, apt_need, free_port, log_in

PAGES = {"overview": "/overblik", "plan": "/min-plan", "appointments": "/aftaler"}
BUDGET_P95_MS = 100.0
BUDGET_CPU_MS = 10.0
GROUPS = ("portal", "planapi", "postgres", "redis")
PROC = Path("/proc")


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
    cpu_ms: dict[str, float] | None = None  # per request, by process group that was found
    missing: tuple[str, ...] = ()  # groups with no process: their CPU is unknown

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


def _proc_stat(pid: str, proc: Path = PROC) -> tuple[int, int] | None:
    """(parent pid, CPU ticks of the process and its reaped children) from /proc/PID/stat."""
    try:
        with open(proc / pid / "stat", "rb") as handle:
            raw = handle.read().decode("utf-8", "replace")
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()  # the command name may hold spaces
    return int(fields[1]), sum(int(f) for f in fields[11:15])  # utime stime cutime cstime


def listening_pids(port: int, proc: Path = PROC) -> set[int]:
    """The processes holding a socket that listens on TCP `port` (IPv4 or IPv6).

    A process group is found by the port it serves, not by its command line: gunicorn sets
    its process title ("gunicorn: master [portal:create_app()]"), which drops the --bind
    address, and every stack on the machine runs the same app names."""
    inodes: set[str] = set()
    for table in ("tcp", "tcp6"):
        try:
            lines = (proc / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            # local_address is HEXIP:HEXPORT; st 0A is LISTEN; field 9 is the socket's inode
            if (
                len(fields) > 9
                and fields[3] == "0A"
                and int(fields[1].rsplit(":", 1)[1], 16) == port
            ):
                inodes.add(f"socket:[{fields[9]}]")
    pids: set[int] = set()
    if not inodes:
        return pids
    for name in os.listdir(proc):
        if not name.isdigit():
            continue
        try:
            fds = os.listdir(proc / name / "fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(proc / name / "fd" / fd) in inodes:
                    pids.add(int(name))
                    break
            except OSError:
                continue
    return pids


def group_ports(args: argparse.Namespace) -> dict[str, int]:
    """The port each process group listens on (the portal's from --url)."""
    port = int(args.url.rsplit(":", 1)[-1].strip("/"))
    return {
        "portal": port,
        "planapi": args.planapi_port,
        "postgres": args.pg_port,
        "redis": args.redis_port,
    }


def cpu_ticks(ports: dict[str, int], proc: Path = PROC) -> dict[str, int | None]:
    """CPU ticks used so far by each process group: the processes that hold its listening
    socket and all their descendants (gunicorn's workers and postgres's backends alike).
    None for a group with no process listening on its port: unknown, not zero."""
    stats: dict[int, tuple[int, int]] = {}
    for name in os.listdir(proc):
        if name.isdigit() and (stat := _proc_stat(name, proc)) is not None:
            stats[int(name)] = stat
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in stats.items():
        children.setdefault(ppid, []).append(pid)
    totals: dict[str, int | None] = {}
    for group, port in ports.items():
        holders = listening_pids(port, proc) & stats.keys()
        seen: set[int] = set()
        todo = list(holders)
        while todo:
            pid = todo.pop()
            if pid not in seen:
                seen.add(pid)
                todo.extend(children.get(pid, []))
        totals[group] = sum(stats[pid][1] for pid in seen) if seen else None
    return totals


def cpu_verdict(result: Result) -> str:
    """The CPU budget line for one overview result; no verdict when a group went unmeasured."""
    if result.missing:
        return (
            f"budget: overview CPU: NO VERDICT, no process found for {', '.join(result.missing)}"
            " (is the stack running on the ports given?)"
        )
    verdict = "within" if result.cpu_total <= BUDGET_CPU_MS else "OVER"
    return (
        f"budget: overview CPU {result.cpu_total:.1f} ms per request ≤ {BUDGET_CPU_MS:.0f} ms:"
        f" {verdict}"
    )


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
    ports: dict[str, int] | None = None,
) -> Result:
    before = cpu_ticks(ports) if ports else {}
    data = wrk(url, users, duration, cookie)
    after = cpu_ticks(ports) if ports else {}
    missing = tuple(g for g in before if before[g] is None or after.get(g) is None)
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
        cpu_ms={
            g: (a - b) * tick_ms / requests
            for g in before
            if (b := before[g]) is not None and (a := after.get(g)) is not None
        }
        or None,
        missing=missing,
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
    apt_need("/usr/bin/wrk", "wrk")
    client = log_in(args.url, args.persona)
    cookie = "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)
    print(f"portal {args.url}, citizen {args.persona}, {args.duration} s per measurement")
    print("load average at the start: " + " ".join(f"{v:.2f}" for v in os.getloadavg()))
    ports = group_ports(args)
    found = cpu_ticks(ports)
    for group, ticks in found.items():
        if ticks is None:
            print(f"warning: nothing listens on port {ports[group]} ({group}): its CPU is unknown")

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
                results.append(measure(name, args.url + path, users, args.duration, cookie, ports))
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
        if r.cpu_ms is not None or r.missing:
            cpu = r.cpu_ms or {}
            cells = "".join(f" {cpu[g]:9.1f}" if g in cpu else f" {'?':>9}" for g in GROUPS)
            total = f"{'?':>9}" if r.missing else f"{r.cpu_total:9.1f}"
            print(f"{r.target:13} {r.users:5d}{cells} {total}")
    for r in [r for r in results if r.target == "overview" and r.users == 10]:
        verdict = "within" if r.p95 <= BUDGET_P95_MS else "OVER"
        print(
            f"\nbudget: overview p95 at 10 users {r.p95:.1f} ms ≤ {BUDGET_P95_MS:.0f} ms: {verdict}"
        )
        print(cpu_verdict(r))
    if any(r.failed for r in results):
        sys.exit("some requests failed (non-2xx/3xx or socket errors)")
    if any(r.missing for r in results):
        sys.exit("some process groups were not found: no CPU verdict")


if __name__ == "__main__":
    main()
