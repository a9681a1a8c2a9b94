"""gunicorn settings for the portal, the plan API and the simulator (production and demo alike).

Every setting can be overridden from the environment (GUNICORN_*) or on the command line,
which wins over this file: the demo stack passes --bind, --workers and --threads.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, str(default)))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:5000")
# gthread workers: requests mostly wait on the plan API, so threads overlap that wait while
# processes use the cores. The portal keeps no state in a process, so any count works.
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9))
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 10)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 0)
# Load the app once in the master, fork the workers from it: faster (re)starts, shared memory.
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"
# Behind a load balancer: trust its X-Forwarded-Proto only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# gunicorn 25+ opens a control socket, by default ~/.gunicorn/gunicorn.ctl: one path shared
# by every server of every stack on the machine, so stopping one removed the others'.
# Nothing here uses it: off, unless GUNICORN_CONTROL_SOCKET names this server's own path.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The path without the query string (no personal data in logs); %(D)s is the time in µs.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(D)sus "%(a)s"'


def post_fork(server: Any, worker: Any) -> None:
    """Give each worker its own database connections: a pool must never cross a fork."""
    app = server.app.wsgi()
    extension = getattr(app, "extensions", {}).get("sqlalchemy")
    if extension is not None:
        with app.app_context():
            for engine in extension.engines.values():
                engine.dispose(close=False)
