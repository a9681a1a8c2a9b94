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


def test_a_port_is_handed_out_once_even_when_the_kernel_repeats_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    offered = iter([41001, 41001, 41002])

    class Socket:
        def __enter__(self) -> Socket:
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def bind(self, address: tuple[str, int]) -> None:
            self.port = next(offered)

        def getsockname(self) -> tuple[str, int]:
            return ("127.0.0.1", self.port)

    monkeypatch.setattr(devstack, "_HANDED_OUT", set())
    monkeypatch.setattr(devstack.socket, "socket", Socket)
    assert [devstack.free_port(), devstack.free_port()] == [41001, 41002]


def test_a_stack_with_two_servers_on_one_port_refuses_to_start(tmp_path: Path) -> None:
    stack = Stack(var=tmp_path, portal_port=41011, planapi_port=41012, simulator_port=41012)
    with pytest.raises(RuntimeError, match="two servers of one stack on one port"):
        stack.start()
    assert not (tmp_path / "logs").exists(), "nothing was started"
