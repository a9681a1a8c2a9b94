"""Lighthouse (npm, pinned in bench/package.json) with Debian's Chromium, mobile emulation.

Logs a citizen in through the MitID simulator and passes the session cookie to Lighthouse
with --extra-headers, then audits the overview, plan and questionnaire pages: performance
and accessibility scores, Largest Contentful Paint, Cumulative Layout Shift, Total
Blocking Time. Lighthouse's default mobile profile: Moto G Power, simulated slow 4G, 4x CPU
slowdown. Budgets: performance ≥ 95, accessibility 100.

    scripts/prod.sh &                          # in another terminal
    (cd bench && npm ci)                       # once: installs the pinned Lighthouse
    .venv/bin/python bench/lighthouse.py       # --help for options
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
DEBIAN_CHROMIUM = "/usr/bin/chromium"
LIGHTHOUSE = BENCH / "node_modules" / ".bin" / "lighthouse"
PAGES = {
    "overview": "/overblik",
    "plan": "/min-plan",
    "questionnaire": "/saadan-gaar-det/who-5/besvar",
}
BUDGET = {"performance": 95, "accessibility": 100}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="portal base URL")
    parser.add_argument("--persona", default="p-mette", help="citizen to log in as")
    parser.add_argument("--chromium", default=os.environ.get("CHROME_PATH", DEBIAN_CHROMIUM))
    parser.add_argument("--save", type=Path, help="directory for the full JSON reports")
    return parser.parse_args(argv)


def audit(url: str, cookie: str, chromium: str) -> dict[str, object]:
    argv = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        "--output-path=stdout",
        "--only-categories=performance,accessibility",
        "--form-factor=mobile",
        "--quiet",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
        f"--extra-headers={json.dumps({'Cookie': cookie})}",
    ]
    env = {**os.environ, "CHROME_PATH": chromium}
    out = subprocess.run(argv, check=True, capture_output=True, text=True, env=env).stdout
    return dict(json.loads(out))


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    from portal.devstack import apt_need, log_in

    if args.chromium == DEBIAN_CHROMIUM:  # on a fresh machine: Debian's, as the tests do
        apt_need(DEBIAN_CHROMIUM, "chromium")
    if not LIGHTHOUSE.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=BENCH, check=True)

    client = log_in(args.url, args.persona)
    cookie = "; ".join(f"{c.name}={c.value}" for c in client.cookies.jar)
    print(f"portal {args.url}, citizen {args.persona}, Lighthouse mobile")
    print(f"\n{'page':14} {'perf':>5} {'a11y':>5} {'LCP ms':>8} {'CLS':>6} {'TBT ms':>7}")
    over: list[str] = []
    for name, path in PAGES.items():
        report = audit(args.url + path, cookie, args.chromium)
        final = str(report.get("finalDisplayedUrl") or report.get("finalUrl"))
        if not final.endswith(path):
            sys.exit(f"{path} ended at {final}: not logged in?")
        if args.save:
            args.save.mkdir(parents=True, exist_ok=True)
            (args.save / f"{name}.json").write_text(json.dumps(report))
        categories: dict[str, dict[str, float]] = report["categories"]  # type: ignore[assignment]
        audits: dict[str, dict[str, float]] = report["audits"]  # type: ignore[assignment]
        scores = {c: round(categories[c]["score"] * 100) for c in BUDGET}
        print(
            f"{name:14} {scores['performance']:5d} {scores['accessibility']:5d}"
            f" {audits['largest-contentful-paint']['numericValue']:8.0f}"
            f" {audits['cumulative-layout-shift']['numericValue']:6.3f}"
            f" {audits['total-blocking-time']['numericValue']:7.0f}"
        )
        over += [f"{name} {c} {scores[c]} < {b}" for c, b in BUDGET.items() if scores[c] < b]
        if scores["accessibility"] < 100:
            failing = [
                a["id"]
                for a in report["audits"].values()  # type: ignore[attr-defined]
                if a.get("score") == 0 and a["id"] in _a11y_ids(report)
            ]
            print(f"  accessibility audits failing: {', '.join(failing)}")
    print("\nbudget: performance ≥ 95, accessibility 100")
    if over:
        print("OVER BUDGET: " + "; ".join(over))
        sys.exit(1)


def _a11y_ids(report: dict[str, object]) -> set[str]:
    categories: dict[str, dict[str, list[dict[str, str]]]] = report["categories"]  # type: ignore[assignment]
    return {ref["id"] for ref in categories["accessibility"]["auditRefs"]}


if __name__ == "__main__":
    main()
