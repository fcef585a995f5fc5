"""What the benchmarks share: the installed `opsdesk` command, a free port, a percentile."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

OPSDESK = [str(Path(sys.executable).with_name("opsdesk"))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
