"""Stacks in one checkout (the demo, the tests' stacks, the production profile) share no
data directory by accident: everything a stack writes lies under its own `var`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from portal import devstack
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


def test_catalogs_are_compiled_again_only_after_an_edit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    messages = tmp_path / "locales" / "da" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    monkeypatch.setattr(devstack, "ROOT", tmp_path)
    po, mo = messages / "messages.po", messages / "messages.mo"
    po.write_text("msgid ...")
    assert not devstack.catalogs_compiled()  # never compiled
    mo.write_bytes(b"compiled")
    os.utime(mo, (po.stat().st_mtime + 1,) * 2)
    assert devstack.catalogs_compiled()
    os.utime(po, (mo.stat().st_mtime + 1,) * 2)  # edited since
    assert not devstack.catalogs_compiled()
