"""Files the hub creates that hold secrets or personal data (database, key files, upstream credentials):
readable by the owner only, whatever the process's umask, in directories only the owner can list."""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
DIRECTORY_MODE = 0o700


def private_directory(path: Path) -> None:
    """Create ``path`` (and missing parents) owner-only; an existing directory keeps its mode (it is the
    operator's, and may be shared on purpose, like the working directory)."""
    path.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)


def create_private_file(path: Path) -> bool:
    """Create ``path`` empty and owner-only unless it exists (True: created). For files another library
    opens afterwards (SQLite creates its database with 0644 and copies the database's mode to its
    ``-wal``, ``-shm`` and ``-journal`` files, so an owner-only database keeps those owner-only too)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    os.close(descriptor)
    return True


def write_private_file(path: Path, text: str, *, exclusive: bool = False) -> bool:
    """Write ``text`` to ``path`` owner-only, atomically (readers never see half a file), creating its
    directory owner-only. ``exclusive``: keep an existing file (two processes creating it at once: the
    first one wins and the other keeps the winner's content); returns whether this call wrote the file.
    """
    private_directory(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    # A temporary file left behind by a crashed run keeps its old mode through O_CREAT: set it.
    os.fchmod(descriptor, FILE_MODE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    if not exclusive:
        os.replace(temporary, path)
        return True
    try:
        os.link(temporary, path)
    except FileExistsError:
        return False
    finally:
        temporary.unlink()
    return True
