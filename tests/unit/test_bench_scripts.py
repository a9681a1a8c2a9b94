"""The benchmark scripts (bench/, not tests themselves) parse their arguments and start."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from portal.config import ROOT


@pytest.mark.parametrize("script", ["throughput.py", "page_weight.py", "lighthouse.py"])
def test_bench_script_explains_itself(script: str) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "--url" in result.stdout
    assert "usage:" in result.stdout


def _dist_tag(spec: str) -> bool:
    """'latest', 'next': a name the registry resolves today, not a version range."""
    return bool(re.fullmatch(r"[A-Za-z][\w.-]*", spec)) and spec not in ("x", "X")


def test_the_lighthouse_lockfile_installs_as_pinned_from_a_clean_clone() -> None:
    """`npm ci` refuses a lock that no longer satisfies a dependency asked for as a dist tag
    ("third-party-web": "latest" once 'latest' moved on): every such spec must be pinned
    by an override in package.json to the version the lock holds."""
    package = json.loads((ROOT / "bench" / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "bench" / "package-lock.json").read_text(encoding="utf-8"))
    packages = lock["packages"]
    assert packages[""]["devDependencies"] == package["devDependencies"]
    overrides = package.get("overrides", {})
    tagged = []
    for path, meta in packages.items():
        owner = path.rsplit("node_modules/", 1)[-1]
        for dependency, spec in meta.get("dependencies", {}).items():
            if not _dist_tag(spec):
                continue
            tagged.append(dependency)
            installed = packages.get(f"{path}/node_modules/{dependency}") or packages.get(
                f"node_modules/{dependency}"
            )
            assert installed, f"{owner} needs {dependency}, which the lock lacks"
            pinned = overrides.get(owner, {}).get(dependency)
            assert pinned == installed["version"], (
                f"{owner} asks for {dependency}@{spec}: pin it in package.json's overrides"
                f' as "{installed["version"]}" (the locked version)'
            )
    assert tagged, "the lock asks for nothing by dist tag: drop the overrides"


def test_mutation_script_explains_itself_and_its_configuration_parses() -> None:
    """The mutation run is too slow for CI; its command line and configuration are not."""
    script = str(ROOT / "bench" / "mutation.py")
    help_text = subprocess.run(
        [sys.executable, script, "--help"], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    assert "usage:" in help_text and "--run" in help_text
    checked = subprocess.run(
        [sys.executable, script, "--check"], capture_output=True, text=True, timeout=60, check=False
    )
    assert checked.returncode == 0, checked.stderr
    assert re.search(r"mutation configuration OK: \d+ modules", checked.stdout)


def test_a_survivor_is_explained_only_by_a_comment_on_the_line_it_changes() -> None:
    explained = _bench_script("mutation").explained
    # As bench/mutation.py prints mutmut's diff: the original line, then the mutant.
    marked = (
        '      -    base = str(get("URL") or "")  # equivalent: or "XXXX" (no host)\n'
        '      +    base = str(get("URL") or "XXXX")  # equivalent: or "XXXX" (no host)'
    )
    assert explained(marked)
    unmarked = (
        '      -    base = str(get("URL") or "")\n      +    base = str(get("URL") or "XXXX")'
    )
    assert not explained(unmarked)
    # A comment on a line the mutant leaves alone explains nothing.
    context = "       # equivalent: said of another line\n" + unmarked
    assert not explained(context)
    # Nor does a mutant that writes the words in (only the original line counts).
    assert not explained('      -    x = ""\n      +    x = "# equivalent"')


def _bench_script(name: str) -> ModuleType:
    """bench/<name>.py loaded as a module (bench/ is scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "bench" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _throughput() -> ModuleType:
    return _bench_script("throughput")


def _fake_process(
    proc: Path, pid: int, ppid: int, ticks: int, title: str, socket: str = ""
) -> None:
    (proc / str(pid) / "fd").mkdir(parents=True)
    # utime stime cutime cstime are the 14th to 17th fields; a title may hold spaces
    fields = ["S", str(ppid)] + ["0"] * 9 + [str(ticks), "0", "0", "0"] + ["0"] * 5
    (proc / str(pid) / "stat").write_text(f"{pid} ({title}) {' '.join(fields)}\n")
    (proc / str(pid) / "fd" / "0").symlink_to("/dev/null")
    if socket:
        (proc / str(pid) / "fd" / "3").symlink_to(f"socket:[{socket}]")


def test_throughput_finds_each_group_by_its_listening_port_and_gives_no_verdict_without_one(
    tmp_path: Path,
) -> None:
    """gunicorn's process title drops the --bind address: a group found by command line
    summed to 0 ms and read as "within" the CPU budget. Groups are found by the socket that
    listens on their port; a port with no process is unknown, never 0, and gets no verdict."""
    bench = _throughput()
    proc = tmp_path / "proc"
    (proc / "net").mkdir(parents=True)
    header = (
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt  uid ...\n"
    )
    tail = " 00000000:00000000 00:00000000 00000000     0        0"
    listen = f"   0: 0100007F:1F40 00000000:0000 0A{tail} 4711 1\n"
    # a connection *to* 8001 (state 01, established) is not a process serving it
    client = f"   1: 0100007F:A000 0100007F:1F41 01{tail} 4712 1\n"
    (proc / "net" / "tcp").write_text(header + listen + client)
    (proc / "net" / "tcp6").write_text(header)
    _fake_process(proc, 10, 1, 5, "gunicorn: master [portal:create_app()]", "4711")
    _fake_process(proc, 11, 10, 300, "gunicorn: worker [portal:create_app()]", "4711")
    _fake_process(proc, 12, 11, 7, "weasyprint helper")
    _fake_process(proc, 20, 1, 999, "gunicorn: master [planapi:create_app()]", "4712")

    ticks = bench.cpu_ticks({"portal": 8000, "planapi": 8001}, proc)
    assert ticks == {"portal": 5 + 300 + 7, "planapi": None}

    measured = bench.Result(
        "overview", 10, 1.0, 1.0, 1.0, 1.0, 0, 100, {"portal": 3.0}, ("planapi",)
    )
    verdict = bench.cpu_verdict(measured)
    assert "NO VERDICT" in verdict and "planapi" in verdict
    assert "within" not in verdict
    complete = bench.Result("overview", 10, 1.0, 1.0, 1.0, 1.0, 0, 100, {"portal": 3.0})
    assert bench.cpu_verdict(complete).endswith("3.0 ms per request ≤ 10 ms: within")


class _Stopped(Exception):
    """Raised by the stand-ins below: the script got as far as the test needs."""


@pytest.mark.parametrize("name", ["page_weight", "lighthouse"])
def test_a_chromium_bench_installs_debians_chromium_first_unless_given_another(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a fresh machine /usr/bin/chromium is missing until the tests have run once: the
    README's bench commands failed with "executable doesn't exist" (as throughput.py does
    for wrk, the script installs it through scripts/apt_need.sh, which does nothing when
    it is there)."""
    import portal.devstack

    script = _bench_script(name)
    runs: list[list[str]] = []

    def run(argv: list[str], **kwargs: object) -> None:
        runs.append(argv)
        raise _Stopped

    def log_in(*args: object, **kwargs: object) -> None:
        raise _Stopped

    monkeypatch.setattr(subprocess, "run", run)  # the scripts install through devstack
    monkeypatch.setattr(portal.devstack, "log_in", log_in)
    monkeypatch.setattr(script, "LIGHTHOUSE", ROOT / "bench" / "package.json", raising=False)
    with pytest.raises(_Stopped):
        script.main([])
    assert runs == [
        ["bash", str(ROOT / "scripts" / "apt_need.sh"), "/usr/bin/chromium", "chromium"]
    ]

    runs.clear()
    with pytest.raises(_Stopped):  # stopped at the login: nothing installed
        script.main(["--chromium", "/opt/chrome/chrome"])
    assert runs == []
