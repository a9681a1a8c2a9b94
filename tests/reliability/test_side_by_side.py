"""Two stacks on one machine start, run and stop without touching each other.

gunicorn 25+ opens a control socket at one default path per user
($XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/gunicorn.ctl); every server shared it, and
stopping one removed the others'. gunicorn.conf.py turns it off (nothing here uses it).
"""

from __future__ import annotations

from pathlib import Path

import httpx

from portal.devstack import log_in
from tests.reliability.conftest import ReliabilityStack, new_stack


def healthy(stack: ReliabilityStack) -> bool:
    try:
        return all(
            httpx.get(url, timeout=3).status_code == 200
            for url in (f"{stack.portal_url}/healthz", f"{stack.planapi_url}/healthz")
        )
    except httpx.HTTPError:
        return False


def test_two_stacks_run_side_by_side_and_stop_alone(tmp_path: Path) -> None:
    home, runtime = tmp_path / "home", tmp_path / "run"
    home.mkdir()
    runtime.mkdir()
    # Where gunicorn's default control socket would go, for every server of both stacks.
    shared = {"HOME": str(home), "XDG_RUNTIME_DIR": str(runtime)}
    first = new_stack(tmp_path / "first", workers=1, extra_env=shared)  # started
    try:
        second = new_stack(tmp_path / "second", workers=1, extra_env=shared)
    except BaseException:
        first.stop()
        raise
    try:
        assert healthy(first) and healthy(second)
        for stack in (first, second):
            log_in(stack.portal_url, "p-jonas").close()
        assert not list(runtime.iterdir()) and not (home / ".gunicorn").exists(), (
            "no server opened the shared default control socket"
        )

        first.stop()
        assert not healthy(first)
        # The other stack is untouched: it still serves and still logs citizens in.
        assert healthy(second)
        log_in(second.portal_url, "p-mette").close()
    finally:
        first.stop()
        second.stop()
