"""Load user-supplied code-description documents (CPT pages) from a folder.

``manifest.json`` (optional) names each file's system and code::

    {"documents": [{"file": "000_x.txt", "system": "CPT", "code": "64561"}]}

Without a manifest entry the code comes from the text ("CPT® Code 64561"). A bad
document (empty, binary, not UTF-8, no code, a code already claimed) is reported
as a :class:`LoadWarning` naming the file, and everything else still loads.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from corpus.codes import normalize_code
from corpus.errors import SourceNotFoundError
from corpus.html import html_to_text
from corpus.limits import MAX_DOCUMENT_BYTES
from corpus.pages import parse_page
from corpus.records import SYSTEMS, CodeRecord, LoadWarning, Parent, Source, System

logger = logging.getLogger(__name__)

DOCUMENT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".html", ".htm"})


@dataclass(frozen=True)
class ManifestEntry:
    system: System
    code: str


@dataclass(frozen=True)
class DocumentSet:
    records: tuple[CodeRecord, ...]
    warnings: tuple[LoadWarning, ...]
    hashes: dict[str, str]  # file path -> sha256 of its bytes


def _read_manifest(folder: Path, warnings: list[LoadWarning]) -> dict[str, ManifestEntry]:
    path = folder / "manifest.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["documents"] if isinstance(data, dict) else data
        if not isinstance(entries, list):
            raise TypeError("'documents' is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        warnings.append(LoadWarning(str(path), f"unreadable manifest, ignored ({exc})"))
        return {}
    out: dict[str, ManifestEntry] = {}
    for i, entry in enumerate(entries):
        try:
            name, system = str(entry["file"]), str(entry.get("system", "CPT"))
            if system not in SYSTEMS:
                raise ValueError(f"unknown system {system!r}")
            code = normalize_code(system, str(entry["code"]))
        except (KeyError, TypeError, ValueError) as exc:
            warnings.append(LoadWarning(str(path), f"entry {i} ignored: {exc}"))
            continue
        if not (folder / name).is_file():
            warnings.append(LoadWarning(str(folder / name), "named in manifest.json but missing"))
            continue
        out[name] = ManifestEntry(system, code)
    return out


def decode_document(path: Path, raw: bytes) -> tuple[str | None, str]:
    """(text, problem): text is None when the file cannot be used, with the reason."""
    if not raw.strip():
        return None, "empty file"
    if len(raw) > MAX_DOCUMENT_BYTES:
        return None, f"larger than {MAX_DOCUMENT_BYTES} bytes"
    if b"\x00" in raw[:8192]:
        return None, "binary file (contains NUL bytes)"
    try:
        return raw.decode("utf-8"), ""
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 text (invalid byte at offset {exc.start})"


def load_document(
    path: Path, entry: ManifestEntry | None, warnings: list[LoadWarning], rel: str = ""
) -> CodeRecord | None:
    """One document as a record, or None (with a warning) when it cannot be used.
    ``rel``: its name as readers see it (relative to the documents folder)."""
    raw = path.read_bytes()
    text, problem = decode_document(path, raw)
    if text is None:
        warnings.append(LoadWarning(str(path), f"skipped: {problem}"))
        return None
    is_html = path.suffix.lower() in (".html", ".htm")
    if is_html:
        text, scripts = html_to_text(text)
        if scripts:
            warnings.append(LoadWarning(str(path), f"removed {scripts} <script> element(s)"))
    page = parse_page(text, markdown=is_html or path.suffix.lower() in (".md", ".markdown"))
    if entry is None:
        if not page.codes_in_text:
            warnings.append(
                LoadWarning(str(path), "skipped: no code in manifest.json and none in the text")
            )
            return None
        entry = ManifestEntry("CPT", page.codes_in_text[0])
    if not page.sections:
        warnings.append(LoadWarning(str(path), "skipped: no description text found"))
        return None
    digest = hashlib.sha256(raw).hexdigest()
    attrs = {**page.attributes, "sha256": digest}
    return CodeRecord(
        system=entry.system,
        code=entry.code,
        title=page.title or f"{entry.system} {entry.code}",
        billable=True,
        source=Source("document", str(path), "user-supplied document", rel or path.name),
        source_text=text,
        parents=(Parent(entry.code[:3], f"{entry.system} {entry.code[:3]}xx", "range"),),
        sections=page.sections,
        attributes=attrs,
    )


def load_documents(folder: Path) -> DocumentSet:
    """Every usable document under ``folder`` (recursively), in path order."""
    if not folder.is_dir():
        raise SourceNotFoundError(f"documents folder not found: {folder}")
    warnings: list[LoadWarning] = []
    manifest = _read_manifest(folder, warnings)
    records: list[CodeRecord] = []
    claimed: dict[tuple[str, str], Path] = {}
    hashes: dict[str, str] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix.lower() not in DOCUMENT_SUFFIXES:
            if path.name != "manifest.json":
                warnings.append(
                    LoadWarning(str(path), f"skipped: unsupported type {path.suffix!r}")
                )
            continue
        rel = path.relative_to(folder).as_posix()
        try:
            record = load_document(path, manifest.get(rel), warnings, rel)
        except OSError as exc:
            warnings.append(LoadWarning(str(path), f"skipped: cannot read ({exc})"))
            continue
        if record is None:
            continue
        if record.key in claimed:
            warnings.append(
                LoadWarning(
                    str(path),
                    f"skipped: {record.system} {record.code} is already described by "
                    f"{claimed[record.key]}",
                )
            )
            continue
        claimed[record.key] = path
        hashes[str(path)] = record.attributes["sha256"]
        records.append(record)
    logger.info("%s: %d documents loaded, %d warnings", folder, len(records), len(warnings))
    return DocumentSet(tuple(records), tuple(warnings), hashes)
