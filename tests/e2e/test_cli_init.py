"""The database stays out of git: this repository's .gitignore, and `opsdesk init`'s reminder elsewhere."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.e2e.conftest import Run

REPOSITORY = Path(__file__).resolve().parents[2]
NOTE = "note: keep the database out of git: add `opsdesk.db*` to .gitignore"


def test_the_repository_ignores_the_database_but_not_the_policy(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    shutil.copy(REPOSITORY / ".gitignore", tmp_path / ".gitignore")
    names = ["opsdesk.db", "opsdesk.db-wal", "opsdesk.db-shm", "opsdesk.db-journal", "opsdesk.yaml"]
    found = subprocess.run(
        ["git", "check-ignore", *names], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert found.stdout.splitlines() == names[:4]


def test_init_in_a_git_work_tree_says_to_keep_the_database_out(opsdesk: Run, workdir: Path) -> None:
    (workdir / ".git").mkdir()
    written = opsdesk("init", env={"OPSDESK_DATABASE_URL": ""})
    assert written.returncode == 0, written.stderr
    assert written.stdout.splitlines()[1].startswith(NOTE)
    (workdir / ".gitignore").write_text("opsdesk.db*\n", encoding="utf-8")
    again = opsdesk("init", "--force", env={"OPSDESK_DATABASE_URL": ""})
    assert again.returncode == 0, again.stderr
    assert NOTE not in again.stdout
