"""Start the whole demo stack — plan API, MitID simulator, portal — as real processes.

Used by the README's demo command (`python -m portal.devstack`) and by the end-to-end
tests, so both run exactly the same servers: gunicorn, real HTTP on loopback, SQLite files.
`python -m portal.devstack --production` (scripts/prod.sh) runs the same servers with the
production config: PostgreSQL and Redis from the environment, hashed precompressed static
files, as many workers as gunicorn.conf.py picks for the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


_HANDED_OUT: set[int] = set()


def apt_need(binary: str, package: str) -> None:
    """Install Debian's `package` if `binary` is missing (scripts/apt_need.sh; nothing when
    it is there): what the bench scripts drive, wrk and Chromium, on a fresh machine."""
    subprocess.run(["bash", str(ROOT / "scripts" / "apt_need.sh"), binary, package], check=True)


def free_port() -> int:
    """A port nothing listens on now that this process has not handed out before: the
    kernel may give the same free port twice in a row, and two servers of one stack then
    shared it (CI, 2026-12-02: the simulator answered on the plan API's port)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


def catalogs_compiled() -> bool:
    """Every message catalog compiled since it was last changed (setup.sh compiles them; a
    stack compiles them again only after an edit, not at every start)."""
    sources = list((ROOT / "locales").glob("*/LC_MESSAGES/*.po"))
    return bool(sources) and all(
        po.with_suffix(".mo").exists()
        and po.with_suffix(".mo").stat().st_mtime >= po.stat().st_mtime
        for po in sources
    )


# A warm parent for a gunicorn server (Server.keep_warm): imports and builds the app named
# by its first gunicorn argument once, then for each line "go" on stdin forks a child that
# runs gunicorn with those arguments (loading the app again takes milliseconds in it, and
# only then binds the port) and writes the child's pid to the file descriptor in argv[1].
_ZYGOTE = """
import importlib, os, signal, sys
report, argv = int(sys.argv[1]), sys.argv[2:]
module, _, call = argv[0].partition(":")
app = importlib.import_module(module)
if call.endswith("()"):
    built = getattr(app, call[:-2])()
    extension = getattr(built, "extensions", {}).get("sqlalchemy")
    if extension is not None:  # no connection of this throwaway app crosses a fork
        with built.app_context():
            for engine in extension.engines.values():
                engine.dispose()
import gunicorn.app.wsgiapp
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children
for line in sys.stdin:
    if line.strip() != "go":
        continue
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.setsid()
            os.close(report)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            sys.argv = ["gunicorn", *argv]
            gunicorn.app.wsgiapp.run()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            os._exit(code)
    os.write(report, b"%d\\n" % pid)
"""


class _Forked:
    """A server process forked by a warm parent: not our child, so watched by its pid."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = -1
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        end = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if end is not None and time.monotonic() > end:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0.0)
            time.sleep(0.02)
        return code


@dataclass
class Server:
    name: str
    argv: list[str]
    env: dict[str, str]
    health_url: str | None
    log: Path
    process: subprocess.Popen[bytes] | _Forked | None = None
    spare: subprocess.Popen[bytes] | None = None  # the warm parent (keep_warm)
    _pids: BinaryIO = field(init=False, repr=False)

    def start(self, timeout: float = 30.0) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.process = self._go_spare()
        if self.process is None:
            with self.log.open("ab") as log:
                self.process = subprocess.Popen(
                    self.argv,
                    cwd=ROOT,
                    env=self.env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log}")
            if self.health_url is None:  # no HTTP: alive after a moment is good enough
                time.sleep(0.5)
                if self.process.poll() is None:
                    return
                continue
            try:
                if httpx.get(self.health_url, timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not become healthy; see {self.log}")

    def keep_warm(self) -> None:
        """From now on start from a warm parent that has imported and built the app once: a
        (re)start then takes the time to fork, bind and fork the workers, not the seconds
        of importing the app again. Gunicorn servers only; stop() ends the parent too."""
        if Path(self.argv[0]).name != "gunicorn" or self.spare is not None:
            return
        self.log.parent.mkdir(parents=True, exist_ok=True)
        read, write = os.pipe()
        with self.log.open("ab") as log:
            self.spare = subprocess.Popen(
                [str(BIN / "python"), "-c", _ZYGOTE, str(write), *self.argv[1:]],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.PIPE,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                pass_fds=(write,),
            )
        os.close(write)
        self._pids = os.fdopen(read, "rb")

    def _go_spare(self) -> _Forked | None:
        """A server forked by the warm parent; None if there is none (or it died)."""
        spare = self.spare
        if spare is None or spare.stdin is None or spare.poll() is not None:
            return None
        try:
            spare.stdin.write(b"go\n")
            spare.stdin.flush()
            line = self._pids.readline()  # at once: the parent only forks
        except OSError:
            line = b""
        if not line.strip():
            self.discard_spare()
            return None
        return _Forked(int(line))

    def discard_spare(self) -> None:
        spare, self.spare = self.spare, None
        if spare is None:
            return
        if spare.stdin is not None:
            with contextlib.suppress(OSError):
                spare.stdin.close()  # the parent's loop ends
        if spare.poll() is None:
            os.killpg(spare.pid, signal.SIGKILL)
            spare.wait()
        self._pids.close()

    def stop(self, *, discard_spare: bool = True) -> None:
        """Stop gracefully (and the spare process too, unless told to keep it for a start)."""
        if discard_spare:
            self.discard_spare()
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def crash(self) -> None:
        """Stop at once, as a power cut would: no request finishes, nothing is tidied up (a
        graceful stop waits for keep-alive connections, seconds each time)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None


@dataclass
class Stack:
    var: Path
    portal_port: int = 5000
    planapi_port: int = 5001
    simulator_port: int = 5002
    workers: int | None = 2  # None: gunicorn.conf.py decides from the CPU count
    production: bool = False
    outbox_interval: float = 1.0  # seconds between the outbox deliverer's rounds
    # The notice worker (huey consumer) and the stand-ins for SMTP, SMS gateway and Digital
    # Post; ports 0 pick free ones.
    notices: bool = True
    notices_port: int = 0
    smtp_port: int = 0
    extra_env: dict[str, str] = field(default_factory=dict)
    servers: dict[str, Server] = field(default_factory=dict)

    @property
    def portal_url(self) -> str:
        return f"http://127.0.0.1:{self.portal_port}"

    @property
    def planapi_url(self) -> str:
        return f"http://127.0.0.1:{self.planapi_port}"

    @property
    def simulator_url(self) -> str:
        return f"http://127.0.0.1:{self.simulator_port}"

    @property
    def notices_url(self) -> str:
        """The stand-ins' page listing every e-mail, SMS and Digital Post letter sent."""
        return f"http://127.0.0.1:{self.notices_port}"

    @property
    def notices_dir(self) -> Path:
        return self.var / "notices"

    def __post_init__(self) -> None:
        self.notices_port = self.notices_port or free_port()
        self.smtp_port = self.smtp_port or free_port()

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "PYTHONUNBUFFERED": "1",
            "PORTAL_ENV": "development",
            "PORTAL_SECRET_KEY": "demo-secret-not-for-production",
            "PORTAL_DATABASE_URL": f"sqlite:///{self.var / 'portal.db'}",
            # Each stack its own session files: two stacks in one checkout share nothing.
            "PORTAL_SESSION_DIR": str(self.var / "sessions"),
            "PLANAPI_DATABASE_URL": f"sqlite:///{self.var / 'planapi.db'}",
            "PLANAPI_SERVICE_TOKEN": "dev-planapi-token",
            "PLANAPI_URL": self.planapi_url,
            "SIMULATOR_BASE_URL": self.simulator_url,
            "SIMULATOR_PORTAL_URL": self.portal_url,
            "OIDC_ISSUER": f"{self.simulator_url}/mitid",
            "WORKFORCE_ISSUER": f"{self.simulator_url}/workforce",
            "OIDC_CLIENT_ID": "mit-overblik",
            "OIDC_CLIENT_SECRET": "dev-oidc-secret",
            "WORKFORCE_CLIENT_ID": "mit-overblik-medarbejder",
            "WORKFORCE_CLIENT_SECRET": "dev-workforce-secret",
            "OIDC_CLAIM_PRESET": "nemlogin",
            # Links in notices, the OIDC redirect and calendar links (never the Host header);
            # "localhost" answers too, for a person who types it.
            "PORTAL_PUBLIC_BASE_URL": self.portal_url,
            "PORTAL_TRUSTED_HOSTS": "localhost",
            "PORTAL_SMTP_PORT": str(self.smtp_port),
            "PORTAL_SMS_URL": f"{self.notices_url}/sms",
            "PORTAL_DIGITAL_POST_SPOOL": str(self.notices_dir / "digital-post"),
            "PORTAL_NOTICES_QUEUE_URL": f"sqlite:///{self.var / 'notices-queue.db'}",
            "PORTAL_NOTICES_TICK_SECONDS": "2",
        }
        if self.production:
            env["PORTAL_ENV"] = "production"
            env["PORTAL_STATIC_BUILD_DIR"] = str(self.var / "static")
            if os.environ.get("PORTAL_REDIS_URL"):  # the notice queue on Redis, like sessions
                env["PORTAL_NOTICES_QUEUE_URL"] = os.environ["PORTAL_REDIS_URL"]
                env["PORTAL_NOTICES_TICK_SECONDS"] = "60"
        env.update(self.extra_env)
        return env

    def _gunicorn(self, target: str, port: int, workers: int | None, threads: int = 4) -> list[str]:
        # gunicorn.conf.py holds the production settings; the stack picks port and size.
        size = ["--workers", str(workers)] if workers else []
        return [
            str(BIN / "gunicorn"),
            target,
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{port}",
            *size,
            "--threads",
            str(threads),
            "--graceful-timeout",
            "5",
        ]

    def build(self) -> None:
        env = self.env()
        logs = self.var / "logs"
        self.servers = {
            "planapi": Server(
                "plan API",
                self._gunicorn("planapi:create_app()", self.planapi_port, self.workers),
                env,
                f"{self.planapi_url}/healthz",
                logs / "planapi.log",
            ),
            "simulator": Server(
                "MitID simulator",
                self._gunicorn("auth.simulator:create_app()", self.simulator_port, 1, 8),
                env,
                f"{self.simulator_url}/mitid/.well-known/openid-configuration",
                logs / "simulator.log",
            ),
            "portal": Server(
                "portal",
                self._gunicorn("portal:create_app()", self.portal_port, self.workers),
                env,
                f"{self.portal_url}/healthz",
                logs / "portal.log",
            ),
            # Delivers what citizens sent while the plan API was down (portal/outbox.py).
            "outbox": Server(
                "outbox deliverer",
                [
                    *(str(BIN / "flask"), "--app", "portal", "outbox", "run"),
                    *("--interval", str(self.outbox_interval)),
                ],
                env,
                None,
                logs / "outbox.log",
            ),
        }
        if self.notices:
            self.servers["standins"] = Server(
                "demo mail catcher and SMS gateway",
                [
                    *(str(BIN / "python"), "-m", "portal.notices.standins"),
                    *("--dir", str(self.notices_dir), "--smtp-port", str(self.smtp_port)),
                    *("--http-port", str(self.notices_port)),
                ],
                env,
                f"{self.notices_url}/sms.json",
                logs / "standins.log",
            )
            # Follows the plan API's change feed and sends notices (portal/notices/jobs.py).
            self.servers["notices"] = Server(
                "notice worker",
                [str(BIN / "flask"), "--app", "portal", "notices", "worker"],
                env,
                None,
                logs / "notices.log",
            )

    def prepare(self) -> None:
        """Fresh databases with demo data, compiled catalogs (and static build in production)."""
        self.var.mkdir(parents=True, exist_ok=True)
        for name in ("planapi.db", "portal.db", "notices-queue.db"):
            (self.var / name).unlink(missing_ok=True)
        env = self.env()
        flask = str(BIN / "flask")
        if not catalogs_compiled():
            run = [flask, "--app", "portal", "translate", "compile"]
            subprocess.run(run, cwd=ROOT, env=env, check=True, capture_output=True)
        # Two databases, two processes side by side (each mostly imports and waits).
        steps = [
            [flask, "--app", "planapi", "load-demo"],
            [flask, "--app", "portal", "init-db"],
        ]
        if self.production:
            steps.append([flask, "--app", "portal", "static", "build"])
        with ThreadPoolExecutor(len(steps)) as pool:
            runs = [
                pool.submit(
                    subprocess.run, argv, cwd=ROOT, env=env, check=True, capture_output=True
                )
                for argv in steps
            ]
        for done in runs:
            done.result()  # the first failure, as before

    def start(self) -> None:
        ports = (
            self.planapi_port,
            self.simulator_port,
            self.portal_port,
            self.notices_port,
            self.smtp_port,
        )
        if len(set(ports)) != len(ports):
            raise RuntimeError(f"two servers of one stack on one port: {ports}")
        # A server already on the port would answer the health check in place of ours.
        for port in ports[:3]:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    raise RuntimeError(f"port {port} is in use (another stack running?)")
        self.build()
        # The HTTP servers side by side (each waits for its own health check); the workers
        # without one (outbox, notices) after them, as they talk to the others at once.
        http = [server for server in self.servers.values() if server.health_url]
        with ThreadPoolExecutor(len(http)) as pool:
            starts = [pool.submit(server.start) for server in http]
        for done in starts:
            done.result()  # raises the first failure
        for server in self.servers.values():
            if not server.health_url:
                server.start()

    def stop(self) -> None:
        # Graceful stops take a second or more each: all at once.
        with ThreadPoolExecutor(max(1, len(self.servers))) as pool:
            stops = [pool.submit(server.stop) for server in self.servers.values()]
        for done in stops:
            done.result()


def log_in(portal_url: str, identity: str, *, timeout: float = 15.0) -> httpx.Client:
    """A citizen logged in through the MitID simulator (for scripts that drive the stack).

    Returns an httpx client holding the portal's session cookie; `identity` is a persona id.
    """
    client = httpx.Client(base_url=portal_url, follow_redirects=True, timeout=timeout)
    form = client.get("/log-ind")
    form.raise_for_status()
    landed = client.post(str(form.url), data={"identity": identity, "level": "substantial"})
    if landed.status_code != 200 or landed.url.path != "/overblik":
        raise RuntimeError(f"login as {identity} failed: {landed.status_code} {landed.url}")
    return client


DEMO_LOGINS = """
Test logins (fictitious people; choose them on the MitID simulator's page):
  Citizen, 41, ressourceforløb, consent expiring   Mette Lund Sørensen  090685-2990
  Citizen, 24, youth unit                          Jonas Holm Nielsen   140302-9990
  Parent acting for Emma (15, efterskole)          Anders Kjær Poulsen  120379-2990
  Citizen with no plan                             Freja Dam            281196-2990
  Citizen who withdrew consent                     Karim Hassan         030590-2990
  Power of attorney for Mette (plan, appointments) Bent Nielsen         170852-2990
  Caseworker (employee login)                      Lene Bach            lene.bach
  Caseworker with no citizens (employee login)     Peter Holm           peter.holm
"""


PROD_PORTS = (("PORTAL", 8000), ("PLANAPI", 8001), ("SIMULATOR", 8002))


def production_stack() -> Stack:
    """The stack on the production config; databases and Redis come from the environment."""
    names = ("PORTAL_DATABASE_URL", "PLANAPI_DATABASE_URL", "PORTAL_REDIS_URL")
    missing = [name for name in names if not os.environ.get(name)]
    if missing:
        sys.exit(f"--production needs {', '.join(missing)} (scripts/prod.sh sets them)")
    redis_url = os.environ["PORTAL_REDIS_URL"]
    extra = {name: os.environ[name] for name in names}
    extra["PORTAL_RATELIMIT_STORAGE_URI"] = redis_url
    # Fresh secrets for this run: the demo ones are published, and production refuses them.
    for name in ("PLANAPI_SERVICE_TOKEN", "OIDC_CLIENT_SECRET", "WORKFORCE_CLIENT_SECRET"):
        extra[name] = os.environ.get(name) or secrets.token_urlsafe(32)
    for name in ("PORTAL_SECRET_KEY", "PORTAL_COOKIE_SECURE", "DEMO_USES_SIMULATOR"):
        if os.environ.get(name):
            extra[name] = os.environ[name]
    ports = [int(os.environ.get(f"PROD_{name}_PORT", default)) for name, default in PROD_PORTS]
    return Stack(
        var=ROOT / "var" / "prod",
        portal_port=ports[0],
        planapi_port=ports[1],
        simulator_port=ports[2],
        workers=None,
        production=True,
        extra_env=extra,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--production", action="store_true", help="production config (see scripts/prod.sh)"
    )
    args = parser.parse_args()
    stack = (
        production_stack()
        if args.production
        else Stack(var=ROOT / "var" / "demo", notices_port=5003, smtp_port=5025)
    )
    stack.prepare()
    try:
        stack.start()
    except RuntimeError as exc:
        stack.stop()
        sys.exit(f"could not start the demo: {exc}")
    print(f"\nMit Overblik is running: {stack.portal_url}")
    print(f"  plan API:        {stack.planapi_url}/openapi.json")
    print(f"  MitID simulator: {stack.simulator_url}/mitid/.well-known/openid-configuration")
    print(f"  Notices sent (e-mail, SMS, Digital Post): {stack.notices_url}/")
    print(f"    files: {stack.notices_dir}/mail/*.eml, sms/*.json, digital-post/*.xml (MeMo)")
    print(DEMO_LOGINS)
    print("Press Ctrl+C to stop.")

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # The servers run in their own sessions; stop them on SIGTERM too, not only on Ctrl+C.
    signal.signal(signal.SIGTERM, stop)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
