"""Stacks in one checkout (the demo, the tests' stacks, the production profile) share no
data directory by accident: everything a stack writes lies under its own `var`."""

from __future__ import annotations

from pathlib import Path

from portal.devstack import Stack

WRITTEN = ("PORTAL_DATABASE_URL", "PLANAPI_DATABASE_URL", "PORTAL_SESSION_DIR",
           "PORTAL_NOTICES_QUEUE_URL", "PORTAL_DIGITAL_POST_SPOOL")  # fmt: skip


def test_everything_a_stack_writes_lies_under_its_own_var(tmp_path: Path) -> None:
    stacks = [Stack(var=tmp_path / name, portal_port=1, planapi_port=2, simulator_port=3)
              for name in ("first", "second")]  # fmt: skip
    for stack in stacks:
        env = stack.env()
        for name in WRITTEN:
            assert str(stack.var) in env[name], f"{name}: {env[name]}"
    first, second = (stack.env() for stack in stacks)
    assert all(first[name] != second[name] for name in WRITTEN)
