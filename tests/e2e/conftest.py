"""Run the real `opsdesk` command in a child process, as a user would."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def opsdesk(workdir: Path) -> Run:
    def run(
        *arguments: str, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        import os

        environment = {**os.environ, **(env or {})}
        return subprocess.run(
            [sys.executable, "-m", "opsdesk", *arguments],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=workdir,
            env=environment,
            timeout=60,
            check=False,
        )

    return run
