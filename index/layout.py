"""Index directory layout, the files of one version, and the atomic switch between versions.

    <index_dir>/CURRENT          name of the live version (replaced atomically)
    <index_dir>/v-<time>-<id>/   one complete index: manifest.json and its files
    <index_dir>/.tmp-<pid>-<id>/ a build in progress (never read)

:class:`IndexFiles` names every file of a version folder.

A build writes a fresh ``.tmp-`` folder, renames it to ``v-...`` and then replaces
``CURRENT`` with ``os.replace``; a crash or kill at any point leaves the previous
version live. Older versions beyond the previous one are removed after a switch.
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from index.errors import IndexNotFoundError, IndexWriteError

logger = logging.getLogger(__name__)
CURRENT = "CURRENT"


@dataclass(frozen=True)
class IndexFiles:
    """The files of one index version (a ``v-...`` folder, or a build in progress)."""

    folder: Path

    @property
    def manifest(self) -> Path:
        """Model, counts, code-set versions, and the size and sha256 of every other file."""
        return self.folder / "manifest.json"

    @property
    def records(self) -> Path:
        """One JSON record a line (``index.store.write_records``)."""
        return self.folder / "records.jsonl"

    @property
    def record_offsets(self) -> Path:
        """Byte offset of each line of ``records`` (numpy int64, one more than records)."""
        return self.folder / "records.idx.npy"

    @property
    def record_meta(self) -> Path:
        """Systems, codes, titles, billable flags, index terms and note links (JSON)."""
        return self.folder / "records.meta.json"

    @property
    def chunks(self) -> Path:
        """The chunk table (``index.store.ChunkTable``, numpy .npz)."""
        return self.folder / "chunks.npz"

    @property
    def dense(self) -> Path:
        """The FAISS index (``index.dense.DenseIndex``)."""
        return self.folder / "dense.faiss"

    @property
    def dense_map(self) -> Path:
        """Chunk -> row of ``dense`` (chunks with the same embedded text share a row)."""
        return self.folder / "dense_map.npy"

    @property
    def lexical(self) -> Path:
        """Folder of the BM25 index (bm25s's own files and ``chunk_starts.npy``)."""
        return self.folder / "lexical"

    @property
    def pcs_tables(self) -> Path:
        """ICD-10-PCS axis meanings (``corpus.pcs_axes.PcsTables.to_json``), when PCS is
        indexed."""
        return self.folder / "pcs_tables.json"


def write_error(index_dir: Path, exc: OSError) -> IndexWriteError:
    reason = {
        errno.ENOSPC: "the disk is full",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.EDQUOT: "the disk quota is exceeded",
    }.get(exc.errno or 0, str(exc))
    return IndexWriteError(f"cannot write the index in {index_dir}: {reason}")


def current_dir(index_dir: Path) -> Path:
    """The live version's folder; raises IndexNotFoundError when there is none."""
    pointer = index_dir / CURRENT
    if not pointer.is_file():
        raise IndexNotFoundError(
            f"no index in {index_dir}; build one with `medcode index build --index-dir {index_dir}`"
        )
    name = pointer.read_text().strip()
    folder = index_dir / name
    if not name.startswith("v-") or not folder.is_dir():
        raise IndexNotFoundError(f"{pointer} names {name!r}, which does not exist; rebuild")
    return folder


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def new_build_dir(index_dir: Path) -> Path:
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        for stale in index_dir.glob(".tmp-*"):
            pid = stale.name.split("-")[1]
            if pid.isdigit() and not _pid_alive(int(pid)):
                shutil.rmtree(stale, ignore_errors=True)
        folder = index_dir / f".tmp-{os.getpid()}-{secrets.token_hex(4)}"
        folder.mkdir()
        probe = folder / ".probe"
        probe.write_bytes(b"x")
        probe.unlink()
    except OSError as exc:
        raise write_error(index_dir, exc) from exc
    return folder


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(index_dir: Path, build_dir: Path) -> Path:
    """Make ``build_dir`` the live version; returns its final folder."""
    name = f"v-{time.strftime('%Y%m%dT%H%M%S')}-{secrets.token_hex(3)}"
    try:
        for path in build_dir.rglob("*"):
            if path.is_file():
                with path.open("rb") as fh:
                    os.fsync(fh.fileno())
        final = index_dir / name
        os.rename(build_dir, final)
        previous = (
            (index_dir / CURRENT).read_text().strip() if (index_dir / CURRENT).is_file() else ""
        )
        tmp_pointer = index_dir / f".CURRENT.{os.getpid()}"
        tmp_pointer.write_text(name + "\n")
        with tmp_pointer.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_pointer, index_dir / CURRENT)
        _fsync_dir(index_dir)
    except OSError as exc:
        raise write_error(index_dir, exc) from exc
    for old in index_dir.glob("v-*"):
        if old.name not in (name, previous):
            shutil.rmtree(old, ignore_errors=True)
    logger.info("index version %s is live", name)
    return final
