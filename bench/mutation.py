"""How many deliberate bugs in the core invariants the suite notices (``make mutation``).

Copies the tree (the working tree, or ``--ref`` of git) to a temporary directory, checks that the
tests named by the mutants pass there unmutated, then applies each mutant of ``bench/mutants.py``
in the copy, one at a time, runs its tests (SQLite variants, ``-x``) and restores the file. A
mutant is *killed* when its tests fail (or hang past ``--timeout``), *survived* when they pass,
*n/a* when its snippet is not in that version of the code. The working tree is never modified.

Run it inside a private network namespace, so that tests on fixed ports cannot meet other runs:

    unshare -n sh -c 'ip link set lo up && .venv/bin/python bench/mutation.py [--ref main]'
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mutants import MUTANTS, Mutant  # bench/ is not a package

ROOT = Path(__file__).resolve().parent.parent
# Only SQLite: the private network namespace has no PostgreSQL.
SELECT = "not postgres"


@dataclass
class Result:
    mutant: Mutant
    outcome: str  # killed | survived | n/a
    seconds: float
    detail: str = ""


def copy_tree(dest: Path, ref: str | None) -> None:
    if ref is not None:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", ref],
                                 check=True, capture_output=True).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(dest, filter="data")
        return
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], check=True, capture_output=True).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def run_tests(tree: Path, tests: list[str], timeout_s: float) -> tuple[bool | None, str]:
    """True if the tests pass, False if they fail, None if they hang past the timeout."""
    present = [t for t in tests if (tree / t).exists()]
    if not present:
        return True, "no such tests in this tree"
    # The copy's packages must win over the editable install of the working tree.
    env = {**os.environ, "PYTHONPATH": str(tree), "LAPOR_HUB_HYPOTHESIS_PROFILE": "ci"}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
               "-k", SELECT, *present]
    try:
        done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True,
                              timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout_s:.0f} s"
    lines = done.stdout.strip().splitlines()
    failed = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    return done.returncode == 0, (failed or lines or [""])[-1 if not failed else 0][:160]


def apply(tree: Path, mutant: Mutant) -> str | None:
    """The original text of the mutated file, or None if no snippet of the mutant is in it."""
    path = tree / mutant.path
    if not path.exists():
        return None
    original = path.read_text()
    for old, new in mutant.edits:
        if original.count(old) == 1:
            path.write_text(original.replace(old, new))
            return original
    return None


def mutate(tree: Path, mutant: Mutant, timeout_s: float) -> Result:
    started = time.monotonic()
    original = apply(tree, mutant)
    if original is None:
        return Result(mutant, "n/a", 0.0, "snippet not found")
    try:
        passed, detail = run_tests(tree, list(mutant.tests), timeout_s)
    finally:
        (tree / mutant.path).write_text(original)
    outcome = "survived" if passed else "killed"
    return Result(mutant, outcome, time.monotonic() - started, detail)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", help="a git ref to test instead of the working tree")
    parser.add_argument("--only", default="",
                        help="mutants whose name contains one of these (comma-separated)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per mutant")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated run")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--check", action="store_true", help="only say which mutants apply")
    args = parser.parse_args()
    wanted = [part.strip() for part in args.only.split(",")]
    mutants = [m for m in MUTANTS if any(part in m.name for part in wanted)]
    if args.check:
        with tempfile.TemporaryDirectory(prefix="lapor-hub-mutation-") as tmp:
            copy_tree(Path(tmp), args.ref)
            for mutant in mutants:
                found = apply(Path(tmp), mutant) is not None
                print(f"{'applies' if found else 'n/a':8} {mutant.path}: {mutant.name}")
                if found:
                    copy_tree(Path(tmp), args.ref)
        return
    with tempfile.TemporaryDirectory(prefix="lapor-hub-mutation-") as tmp:
        tree = Path(tmp)
        copy_tree(tree, args.ref)
        if not args.no_baseline:
            tests = sorted({t for m in mutants for t in m.tests})
            passed, detail = run_tests(tree, tests, args.timeout * 2)
            if not passed:
                raise SystemExit(f"the unmutated tests do not pass ({detail}): nothing to measure")
        results = []
        for mutant in mutants:
            result = mutate(tree, mutant, args.timeout)
            results.append(result)
            print(f"{result.outcome:9} {result.seconds:6.1f}s  [{mutant.invariant}] {mutant.name}"
                  f"{'  — ' + result.detail if result.outcome != 'killed' else ''}", flush=True)
    applicable = [r for r in results if r.outcome != "n/a"]
    killed = sum(r.outcome == "killed" for r in applicable)
    print(f"\n{args.ref or 'working tree'}: {killed} of {len(applicable)} mutants killed"
          f" ({len(results) - len(applicable)} not applicable)")
    for r in applicable:
        if r.outcome == "survived":
            print(f"  survived: [{r.mutant.invariant}] {r.mutant.name}")
    if args.json is not None:
        args.json.write_text(json.dumps(
            {"ref": args.ref, "killed": killed, "applicable": len(applicable),
             "results": [{"name": r.mutant.name, "invariant": r.mutant.invariant,
                          "outcome": r.outcome, "seconds": round(r.seconds, 1),
                          "detail": r.detail} for r in results]}, indent=2))


if __name__ == "__main__":
    main()
