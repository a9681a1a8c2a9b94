"""Mutation score of the code that guards citizens' data (mutmut 3), module by module.

mutmut makes small plausible bugs ("mutants") in the modules listed under [tool.mutmut]
only_mutate in pyproject.toml and runs, for each, only the unit tests that cover the
mutated function; a mutant no test fails on "survived". This script runs mutmut (nice'd,
so it yields to everything else on the machine) and prints the score per module and every
surviving mutant as a diff. --run checks the mutants not checked yet (new or changed
functions) and the survivors again; --rerun checks all of the named modules' mutants again.

Each module is run in its own directory, var/mutation/<module>/ (the repository linked in,
its own pyproject.toml naming only that module and only the test files in TESTS below, its
own mutants/ with the results). mutmut runs, for a mutant, every test that touched the
mutated function; for code that every request passes through (the security headers, the
session check) that is the whole selection, minutes per mutant on two cores. The module's
own test files are enough to judge it, and its score is then a lower bound.

A surviving mutant is either killed by a new test or, when no test can tell it from the
original (an equivalent mutant), explained at its line: `# equivalent: <the mutant, and
why>` as a trailing comment (the report counts it as explained), or, when every mutant of
the line would be equivalent, `# pragma: no mutate` with the reason (no mutants made).

    .venv/bin/python bench/mutation.py --run                      # everything (an hour on 2 cores)
    .venv/bin/python bench/mutation.py --run portal/scoring.py    # one module
    .venv/bin/python bench/mutation.py                            # the last results
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = ROOT / "var" / "mutation"

# The unit tests that judge each module (a module not listed: the configured selection).
AUTH_TESTS = [
    "tests/unit/auth",
    "tests/unit/test_hardening.py",
    "tests/unit/test_preview.py",
    "tests/unit/test_refusals.py",
]
TESTS = {
    # The login modules each have a file of direct tests of their own (fast, no browser
    # flows): mutmut runs every test that touched a mutated function, and with all of
    # AUTH_TESTS a mutant of code that every login passes through took minutes.
    "auth/oidc.py": ["tests/unit/auth/test_oidc_units.py"],
    "auth/session.py": ["tests/unit/auth/test_session.py"],
    "auth/views.py": ["tests/unit/auth/test_views.py"],
    "auth/guards.py": ["tests/unit/auth/test_guards.py"],
    "auth/claims.py": ["tests/unit/auth/test_claims.py", "tests/unit/auth/test_oidc_units.py"],
    "auth/urls.py": ["tests/unit/auth/test_urls.py"],
    "auth/pending.py": ["tests/unit/auth/test_pending.py"],
    "auth/": AUTH_TESTS,
    "planapi/access.py": [
        "tests/unit/planapi/test_access.py",
        "tests/unit/planapi/test_access_log.py",
        "tests/unit/planapi/test_basis_matrix.py",
        "tests/unit/planapi/test_consent_authz.py",
    ],
    "planapi/idempotency.py": ["tests/unit/planapi/test_writes.py"],
    "planapi/freshness.py": ["tests/unit/planapi/test_freshness.py"],
    # What the portal holds for a repeat read: its own tests and the pages that read.
    "portal/clients/overview.py": [
        "tests/unit/test_held_answers.py",
        "tests/unit/test_planapi_calls.py",
    ],
    # The consent, progress and message journeys hand their writes to the outbox too.
    "portal/outbox.py": [
        "tests/unit/test_outbox.py",
        "tests/unit/test_consent.py",
        "tests/unit/test_progress.py",
        "tests/unit/test_messages.py",
        "tests/unit/test_planapi_client.py",
    ],
    "portal/security.py": [
        "tests/unit/test_security_headers.py",
        "tests/unit/test_skeleton.py",
        "tests/unit/test_production.py",
    ],
    "portal/ratelimits.py": [
        "tests/unit/test_ratelimits.py",
        "tests/unit/auth/test_login.py::test_only_failed_callbacks_count_towards_the_login_limit",
    ],
    "portal/login_states.py": ["tests/unit/auth/test_login.py"],
    "portal/uploads.py": ["tests/unit/test_uploads.py", "tests/unit/test_messages.py"],
    "portal/scoring.py": ["tests/unit/test_scoring.py"],
    "portal/cadence.py": ["tests/unit/test_progress_cadence.py"],
    "portal/notices/rules.py": ["tests/unit/notices/test_rules.py"],
    "portal/notices/": ["tests/unit/notices"],
}
# Modules judged by the plan API's tests, checked one mutant at a time: those tests share one
# SQLite file made when their conftest is imported, and mutmut imports it once and forks a
# child per mutant, so two children at once rebuilt and removed each other's database (a
# mutant "killed" by the other child's teardown: seen for two equivalent mutants). The
# notices' sending tests run on that plan API too (its `api_app` fixture).
ONE_AT_A_TIME = {
    "planapi/access.py",
    "planapi/freshness.py",
    "planapi/idempotency.py",
    "portal/notices/service.py",
}
# Not linked into a module's directory: results, caches, and what is written per run.
NOT_LINKED = {"mutants", "var", ".git", ".venv", "pyproject.toml", ".mypy_cache", ".ruff_cache"}

# mutmut's exit codes per mutant, grouped as the score counts them.
KILLED = {1, 3, 24, -24, 36, 37, 152, 255}  # a test failed, timed out, or mypy refused it
TIMED_OUT = {24, -24, 36, 152}  # killed as mutmut counts it; on a loaded machine, check again
SURVIVED = {0}
NO_TESTS = {5, 33}  # no test covers the mutated function: counts as not killed
SKIPPED = {34, 2, None}  # not checked (yet)


def config() -> dict[str, object]:
    """The [tool.mutmut] table of pyproject.toml."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    table: dict[str, object] = data["tool"]["mutmut"]
    return table


def modules() -> list[str]:
    return [str(p) for p in config()["only_mutate"]]  # type: ignore[attr-defined]


def check() -> list[str]:
    """What is wrong with the configuration (nothing when it can run)."""
    problems = []
    table = config()
    for name in ("source_paths", "only_mutate", "pytest_add_cli_args_test_selection"):
        if not table.get(name):
            problems.append(f"[tool.mutmut] {name} is missing")
    for path in modules():
        if not (ROOT / path).is_file():
            problems.append(f"only_mutate names {path}, which does not exist")
        if not any(path.startswith(f"{s}/") for s in table.get("source_paths", [])):  # type: ignore[attr-defined]
            problems.append(f"{path} is outside source_paths")
    selection: list[str] = list(table.get("pytest_add_cli_args_test_selection", []))  # type: ignore[call-overload]
    for path in [*selection, *(p for paths in TESTS.values() for p in paths)]:
        if not (ROOT / path.split("::")[0]).exists():
            problems.append(f"the test selection names {path}, which does not exist")
    try:
        from importlib.metadata import version

        if not version("mutmut").startswith("3."):
            problems.append(f"mutmut {version('mutmut')} is installed; this needs mutmut 3")
    except ImportError:
        problems.append("mutmut is not installed (bash scripts/setup.sh dev)")
    return problems


def selected(names: list[str]) -> list[str]:
    """The configured modules matching the command line (a file, or a folder's files)."""
    if not names:
        return modules()
    chosen = []
    for name in names:
        name = name.rstrip("/")
        match = [m for m in modules() if m == name or m.startswith(f"{name}/")]
        if not match:
            raise SystemExit(f"{name} is not one of the modules in [tool.mutmut] only_mutate")
        chosen += [m for m in match if m not in chosen]
    return chosen


def glob_of(module: str) -> str:
    """mutmut's mutant-name pattern for one module: auth/oidc.py → auth.oidc.*"""
    dotted = module.removesuffix(".py").replace("/", ".").removesuffix(".__init__")
    return f"{dotted}.x*"


def tests_for(module: str) -> list[str]:
    for prefix, paths in TESTS.items():
        if module == prefix or (prefix.endswith("/") and module.startswith(prefix)):
            return paths
    return [str(p) for p in config()["pytest_add_cli_args_test_selection"]]  # type: ignore[attr-defined]


def run_dir(module: str) -> Path:
    return RUNS / module.removesuffix(".py").replace("/", ".")


def toml_list(name: str, values: list[str]) -> str:
    return f"{name} = [\n" + "".join(f'    "{v}",\n' for v in values) + "]"


def prepare(module: str) -> Path:
    """The module's own directory: the repository linked in, a pyproject.toml whose mutmut
    table names only this module and its tests, and mutants/ brought up to date."""
    where = run_dir(module)
    where.mkdir(parents=True, exist_ok=True)
    for entry in ROOT.iterdir():
        link = where / entry.name
        if entry.name not in NOT_LINKED and not link.is_symlink():
            link.symlink_to(entry)
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    for name, values in (
        ("only_mutate", [module]),
        ("pytest_add_cli_args_test_selection", tests_for(module)),
    ):
        found = re.search(rf"(?ms)^{name} = \[.*?^\]", text)
        assert found, f"[tool.mutmut] {name} is not a list over several lines"
        text = text[: found.start()] + toml_list(name, values) + text[found.end() :]
    (where / "pyproject.toml").write_text(text, "utf-8")
    # mutmut copies the code it does not mutate, and the tests, only once: refresh what
    # changed since. New or changed tests also make mutmut find again which tests touch
    # which function (its stats), or a rerun would judge the survivors by the old tests.
    tests_changed = False
    for folder in [*config()["source_paths"], "tests"]:  # type: ignore[misc]
        for original in (ROOT / str(folder)).rglob("*.py"):
            copy = where / "mutants" / original.relative_to(ROOT)
            if str(original.relative_to(ROOT)) == module or not copy.parent.exists():
                continue
            if not copy.exists() or copy.stat().st_mtime != original.stat().st_mtime:
                shutil.copy2(original, copy)
                tests_changed |= folder == "tests"
    if tests_changed:
        (where / "mutants" / "mutmut-stats.json").unlink(missing_ok=True)
    return where


def run(chosen: list[str], rerun: bool, children: int) -> int:
    """Check each module's mutants, in its own directory: again (--rerun), or only those
    without a result."""
    failed = 0
    for module in chosen:
        where = prepare(module)
        names = [glob_of(module)]
        meta = where / "mutants" / f"{module}.meta"
        if not rerun and meta.exists():
            codes = json.loads(meta.read_text())["exit_code_by_key"]
            # Not checked yet, and the survivors again (a new test may kill them now).
            names = [name for name, code in codes.items() if code not in KILLED]
            if not names:
                continue
        command = ["nice", "-n", "10", str(Path(sys.executable).parent / "mutmut"), "run"]
        at_once = 1 if module in ONE_AT_A_TIME else children
        command += ["--max-children", str(at_once), *names]
        print(f"== {module} ({', '.join(tests_for(module))})", flush=True)
        print("$", " ".join(command[:8]), "..." * (len(command) > 8), flush=True)
        status = subprocess.call(command, cwd=where)
        if status:
            # mutmut stops a module early when none of its tests touches a mutant: say so,
            # and go on with the next module.
            print(f"mutmut stopped on {module} (exit {status})", flush=True)
            failed = failed or status
    return failed


@dataclass
class Module:
    path: str
    counts: Counter[str] = field(default_factory=Counter)
    survivors: list[str] = field(default_factory=list)
    timed_out: int = 0

    @property
    def checked(self) -> int:
        return self.counts["killed"] + self.counts["survived"] + self.counts["no tests"]

    @property
    def score(self) -> float | None:
        return 100 * self.counts["killed"] / self.checked if self.checked else None


def results(module: str) -> Module:
    result = Module(module)
    meta = run_dir(module) / "mutants" / f"{module}.meta"
    if not meta.exists():
        return result
    codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
    for name, code in sorted(codes.items()):
        if code in KILLED:
            result.counts["killed"] += 1
            result.timed_out += code in TIMED_OUT
        elif code in SURVIVED:
            result.counts["survived"] += 1
            result.survivors.append(name)
        elif code in NO_TESTS:
            result.counts["no tests"] += 1
            result.survivors.append(name)
        elif code in SKIPPED:
            result.counts["not checked"] += 1
        else:  # "suspicious" or a crash: count it as not killed and show it
            result.counts["survived"] += 1
            result.survivors.append(name)
    return result


def diff(module: str, name: str) -> str:
    """The mutant's change, as mutmut shows it (- original, + mutant)."""
    answer = subprocess.run(
        [str(Path(sys.executable).parent / "mutmut"), "show", name],
        cwd=run_dir(module),
        capture_output=True,
        text=True,
        check=False,
    )
    lines = answer.stdout.splitlines()
    return "\n".join(
        f"      {line}" for line in lines if line[:1] in "-+" and line[:3] not in ("---", "+++")
    )


EXPLAINED = "# equivalent"


def explained(change: str) -> bool:
    """A survivor is explained when the line it changes says why no test can tell it from
    the original: a trailing `# equivalent: <the mutant, and why>` (the line's other
    mutants are still made and killed; `# pragma: no mutate` would switch them off too)."""
    return any(line.strip().startswith("-") and EXPLAINED in line for line in change.splitlines())


def report(chosen: list[str], show_diffs: bool) -> None:
    print(f"Mutation score, {datetime.now():%Y-%m-%d %H:%M} (mutmut 3, var/mutation/)")
    print(
        f"{'module':28} {'mutants':>7} {'killed':>6} {'survived':>8} {'no test':>7} "
        f"{'score':>7} {'unexplained':>11}"
    )
    total = Module("all")
    changes = {m: {n: diff(m, n) for n in results(m).survivors} for m in chosen}
    unexplained_total = 0
    for result in [*(results(m) for m in chosen), total]:
        if result is not total:
            total.counts.update(result.counts)
            total.timed_out += result.timed_out
            unexplained = sum(not explained(c) for c in changes[result.path].values())
            unexplained_total += unexplained
        else:
            unexplained = unexplained_total
        score = "–" if result.score is None else f"{result.score:.1f} %"
        waiting = result.counts["not checked"]
        print(
            f"{result.path:28} {sum(result.counts.values()):>7} {result.counts['killed']:>6} "
            f"{result.counts['survived']:>8} {result.counts['no tests']:>7} {score:>7} "
            f"{unexplained:>11}"
            + (f"  ({waiting} not checked yet)" if waiting else "")
            + (f"  ({result.timed_out} killed by a timeout)" if result.timed_out else "")
        )
    for module in chosen:
        if changes[module]:
            print(f"\nSurviving in {module}:")
        for name, change in changes[module].items():
            print(f"  {name}" + ("  (explained: equivalent)" if explained(change) else ""))
            if show_diffs:
                print(change)


def main() -> int:
    parser = argparse.ArgumentParser(
        description="Mutation score (mutmut 3) of the modules listed in pyproject.toml "
        "[tool.mutmut] only_mutate; prints the score per module and the surviving mutants.",
    )
    parser.add_argument("modules", nargs="*", help="e.g. portal/scoring.py or auth/ (default: all)")
    parser.add_argument(
        "--run", action="store_true", help="check the mutants not checked yet and the survivors"
    )
    parser.add_argument("--rerun", action="store_true", help="check the modules' mutants again")
    parser.add_argument("--children", type=int, default=2, help="mutants checked at once")
    parser.add_argument("--no-diffs", action="store_true", help="list survivors by name only")
    parser.add_argument(
        "--check", action="store_true", help="only check that the configuration can run"
    )
    args = parser.parse_args()
    problems = check()
    for problem in problems:
        print(problem, file=sys.stderr)
    if args.check or problems:
        if not problems:
            print(f"mutation configuration OK: {len(modules())} modules")
        return 1 if problems else 0
    chosen = selected(args.modules)
    if args.run or args.rerun:
        status = run(chosen, args.rerun, args.children)
        if status:
            return status
    report(chosen, show_diffs=not args.no_diffs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
