"""What the benchmarks share: the installed `opsdesk` command, a free port, a percentile, a database for
one run, a running `opsdesk serve`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from opsdesk.adapters.db.engine import make_engine

OPSDESK = [str(Path(sys.executable).with_name("opsdesk"))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@contextmanager
def bench_database(database: str, folder: Path) -> Iterator[str]:
    """A database URL for one run: a SQLite file in `folder`, or a fresh PostgreSQL schema, dropped after
    (OPSDESK_TEST_POSTGRES_URL, else the local server)."""
    if database == "sqlite":
        yield f"sqlite:///{folder / 'opsdesk.db'}"
        return
    base = os.environ.get("OPSDESK_TEST_POSTGRES_URL") or "postgresql+psycopg://root@127.0.0.1:5432/test"
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with make_engine(base).begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}?options=-csearch_path%3D{schema}"
    finally:
        with make_engine(base).begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def serving(folder: Path, env: dict[str, str], workers: int) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """`opsdesk serve --workers N` in `folder`, once it is ready (and a second more); stopped after."""
    port = free_port()
    server = subprocess.Popen(
        [*OPSDESK, "serve", "--port", str(port), "--workers", str(workers)],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        time.sleep(1)
        yield server, port
    finally:
        server.terminate()
        server.wait(timeout=30)
