#!/usr/bin/env python3
"""Set-up and tasks with nothing but Python 3.11+: `python3 tasks.py run` and `python3 tasks.py test`.

Both create ./.venv when needed and install the pinned, hash-checked dependencies from the lock files
(again only when a lock file changed), then:
  run   serves opsdesk (`opsdesk serve` on http://127.0.0.1:8000), first writing the example policy
        (`opsdesk init`) when the folder has none; extra arguments go to opsdesk instead
  test  runs the whole suite: ruff (lint and format), import-linter, then pytest on every core, with
        mypy --strict alongside
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("OPSDESK_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".opsdesk-installed"
RUNTIME_LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
TOOLS_LOCK = ROOT / "requirements-tools.lock"


def _digest(lock: Path) -> str:
    hasher = hashlib.sha256()
    for part in (lock, TOOLS_LOCK, ROOT / "pyproject.toml"):
        hasher.update(part.read_bytes())
    return f"{lock.name}:{hasher.hexdigest()}"


def _step(title: str) -> None:
    print(f"\n== {title}", flush=True)


def _ensure_environment(lock: Path) -> None:
    """Install `lock` into the venv unless it (or the dev lock, a superset) already is."""
    if sys.version_info < (3, 11):  # noqa: UP036  (this file may be run by an older Python)
        sys.exit(f"opsdesk needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    wanted = {_digest(lock)} | ({_digest(DEV_LOCK)} if lock == RUNTIME_LOCK else set())
    if STAMP.exists() and STAMP.read_text().strip() in wanted:
        return
    if not PYTHON.exists():
        _step(f"creating the virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    _step(f"installing the pinned dependencies ({lock.name})")
    started = time.monotonic()
    pip = [str(PYTHON), "-m", "pip", "--disable-pip-version-check", "--quiet"]
    installer = pip
    # uv (pinned by hash like everything else) installs in seconds what takes pip a minute; pip stays the
    # fallback where uv cannot be had.
    tools = subprocess.run(
        [*pip, "install", "--require-hashes", "--no-deps", "-r", str(TOOLS_LOCK)], check=False
    )
    if tools.returncode == 0:
        installer = [str(BIN / "uv"), "pip"]
    # uv compiles bytecode only when asked: without it every process compiles what it imports, each time,
    # where PYTHONDONTWRITEBYTECODE is set.
    where = [] if installer is pip else ["--quiet", "--compile-bytecode", "--python", str(PYTHON)]
    subprocess.run(
        [*installer, "install", *where, "--require-hashes", "--no-deps", "-r", str(lock)], check=True
    )
    subprocess.run(
        [*installer, "install", *where, "--no-deps", "--no-build-isolation", "-e", str(ROOT)], check=True
    )
    STAMP.write_text(_digest(lock) + "\n")
    print(f"   (installed in {time.monotonic() - started:.0f} s)", flush=True)


def _compile_sources() -> None:
    """Bytecode for opsdesk's own modules, kept up to date: where PYTHONDONTWRITEBYTECODE is set, every
    command (and every command a test runs) would otherwise compile each module it imports, each time."""
    subprocess.run([str(PYTHON), "-m", "compileall", "-q", str(ROOT / "src")], check=False)


def run(arguments: list[str]) -> int:
    _ensure_environment(RUNTIME_LOCK)
    _compile_sources()
    opsdesk = str(BIN / "opsdesk")
    if arguments:
        return subprocess.run([opsdesk, *arguments], check=False).returncode
    if not os.environ.get("OPSDESK_CONFIG") and not Path("opsdesk.yaml").exists():
        subprocess.run([opsdesk, "init"], check=True)
    try:
        return subprocess.run([opsdesk, "serve"], check=False).returncode
    except KeyboardInterrupt:
        return 0


def _alongside(title: str, command: list[str], failed: list[str]) -> threading.Thread:
    """Run `command` beside the steps that follow (it needs one core while the tests wait on others);
    its output is printed whole when it ends."""
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def report() -> None:
        output, _ = process.communicate()
        if process.returncode != 0:
            failed.append(title)
        took = time.monotonic() - started
        print(
            f"\n== {title} (alongside the tests)\n{output.rstrip()}\n   ({title}: {took:.0f} s)", flush=True
        )

    thread = threading.Thread(target=report, daemon=True)
    thread.start()
    return thread


def test(arguments: list[str]) -> int:
    _ensure_environment(DEV_LOCK)
    _compile_sources()
    failed: list[str] = []
    typing = _alongside("mypy --strict src", [str(BIN / "mypy"), "--strict", "src"], failed)
    steps = [
        ("ruff: lint", [str(BIN / "ruff"), "check", "src", "tests", "benchmarks", "tasks.py"]),
        ("ruff: format", [str(BIN / "ruff"), "format", "--check", "src", "tests", "benchmarks", "tasks.py"]),
        ("import-linter: contracts", [str(BIN / "lint-imports")]),
        # On every core (pytest-xdist; "worksteal" keeps both busy to the end, where the long tests are);
        # each worker has its own database schema and files.
        ("pytest", [str(PYTHON), "-m", "pytest", "-n", "auto", "--dist", "worksteal", *arguments]),
    ]
    for title, command in steps:
        _step(title)
        started = time.monotonic()
        if subprocess.run(command, cwd=ROOT, check=False).returncode != 0:
            failed.append(title)
        if title != "pytest":  # pytest's own summary stays the last line of a passing run
            print(f"   ({title}: {time.monotonic() - started:.0f} s)", flush=True)
    typing.join()
    if failed:
        # pytest's own summary stays the last line of a passing run; a failing one ends with this.
        print(f"\nFAILED: {', '.join(failed)}")
        return 1
    return 0


def main() -> int:
    tasks = {"run": run, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in tasks:
        print(__doc__)
        return 2
    return tasks[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
