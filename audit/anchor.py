"""The audit anchor: a file outside the database holding every checkpoint the hub signs.

Someone able to write the database can rewrite audit rows and recompute the chain after them, delete the
tail or delete the whole log, together with the ``audit_checkpoint`` rows that would have told: the
database alone then verifies. What they cannot reach can still tell. The hub appends each checkpoint it
signs (every ``CHECKPOINT_EVERY`` rows, and ``hub audit checkpoint``) to ``HUB_AUDIT_ANCHOR_FILE``, in the
format of ``--export`` (one JWS a line, append-only, fsync'd, created 0600), and ``hub audit verify``
holds the log to it by default. The anchor is only as strong as its storage: keep it where the database's
writers cannot write (another host, an append-only or WORM volume).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from audit.checkpoints import Checkpoint, export_checkpoint, read_checkpoint_file
from foundation.logging import get_logger

log = get_logger(__name__)


class AuditAnchor:
    """Appends checkpoints to the anchor file and reads them back.

    Parameters:
        path: the anchor file; created (0600, with its folder) by the first append.

    ``failures`` counts appends that failed (each is logged): the checkpoint row stands in the database,
    but the anchor does not hold it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.failures = 0

    async def append(self, checkpoint: Checkpoint) -> bool:
        """Append ``checkpoint`` in a worker thread (the fsync must not stall the event loop).

        Never raises: the audit rows it anchors are committed already, and the access they record must not
        fail for it. A failure is logged (the file, the seq and the error; no key material) and counted.
        """
        try:
            await asyncio.to_thread(export_checkpoint, self.path, checkpoint)
        except Exception as error:
            self.failures += 1
            log.error(
                "audit_anchor_append_failed",
                anchor_file=str(self.path),
                seq=checkpoint.seq,
                error=f"{type(error).__name__}: {error}",
            )
            return False
        return True

    def checkpoints(self) -> list[Checkpoint]:
        """The anchored checkpoints, in file order; none while the file does not exist yet (no checkpoint
        signed since it was configured). :class:`foundation.errors.BadRequest` names a malformed line."""
        if not self.path.exists():
            return []
        return read_checkpoint_file(self.path)
