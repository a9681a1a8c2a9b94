"""The benchmark scripts (bench/, not tests themselves) parse their arguments and start."""

from __future__ import annotations

import json
import re
import subprocess
import sys

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
