"""The benchmark scripts (bench/, not tests themselves) parse their arguments and start."""

from __future__ import annotations

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
