"""One writer of the policy file at a time: an exclusive lock on the file itself, and its content digest.

The lock is `flock` on the policy file (opened for reading, so a read-only file can be locked too). A writer
replaces the file (a new inode), so a waiter that wakes holding the lock of the replaced file lets go and
locks the new one. Where `fcntl` does not exist (Windows) there is no lock; the digest check still refuses
a write over a file that changed after it was read, so a change is refused, never lost.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover  (Windows)
    fcntl = None  # type: ignore[assignment]


def content_digest(raw: bytes) -> str:
    """The digest a policy file's content is known by (SHA-256, hex)."""
    return hashlib.sha256(raw).hexdigest()


@contextmanager
def policy_lock(path: Path) -> Iterator[None]:
    """Hold the exclusive lock on `path` (an existing file) for the block."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    while True:
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                break  # the lock is on the file now at `path`
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the file was replaced while we waited: lock the new one
    try:
        yield
    finally:
        os.close(fd)  # closing releases the lock
