"""Records and chunks as plain files: ``records.jsonl`` and ``chunks.npz``.

A chunk is stored as (record row, section, start, end); its text is the record's
``source_text[start:end]``, so the offsets hold by construction after a round trip.
"""

from __future__ import annotations

import json
import os
import weakref
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from corpus.chunking import chunk_source
from corpus.links import CodeRef, code_refs, index_terms, record_links
from corpus.records import Chunk, CodeRecord, Parent, Section, Source
from index.layout import IndexFiles


def record_to_json(r: CodeRecord) -> dict[str, object]:
    return {
        "system": r.system,
        "code": r.code,
        "title": r.title,
        "billable": r.billable,
        "source": [r.source.kind, r.source.location, r.source.version, r.source.name],
        "parents": [[p.code, p.title, p.level] for p in r.parents],
        "sections": [[s.name, s.start, s.end] for s in r.sections],
        "attributes": dict(r.attributes),
        "source_text": r.source_text,
    }


def record_from_json(d: dict[str, object]) -> CodeRecord:
    text = str(d["source_text"])
    source: list[str] = d["source"]  # type: ignore[assignment]
    kind, location, version, name = (*source, "")[:4]
    return CodeRecord(
        system=d["system"],  # type: ignore[arg-type]
        code=str(d["code"]),
        title=str(d["title"]),
        billable=bool(d["billable"]),
        source=Source(kind, location, version, name),  # type: ignore[arg-type]
        source_text=text,
        parents=tuple(Parent(c, t, lv) for c, t, lv in d["parents"]),  # type: ignore[attr-defined]
        sections=tuple(Section(n, text[a:b], a, b) for n, a, b in d["sections"]),  # type: ignore[attr-defined]
        attributes=d["attributes"],  # type: ignore[arg-type]
    )


def write_records(files: IndexFiles, records: Sequence[CodeRecord]) -> None:
    """``records.jsonl`` plus ``records.idx.npy`` (line offsets) and ``records.meta.json``."""
    offsets = np.zeros(len(records) + 1, np.int64)
    with files.records.open("wb") as fh:
        for i, r in enumerate(records):
            fh.write(json.dumps(record_to_json(r), ensure_ascii=False).encode() + b"\n")
            offsets[i + 1] = fh.tell()
    np.save(files.record_offsets, offsets)
    terms: dict[str, list[str]] = {}
    links: dict[str, dict[str, list[str]]] = {}
    for i, r in enumerate(records):
        if r.source.kind == "document":
            continue
        found = index_terms(r)
        if found != (r.title,):
            terms[str(i)] = list(found)
        refs = record_links(r)
        if refs:
            links[str(i)] = {k: [str(ref) for ref in v] for k, v in refs.items()}
    meta = {
        "systems": [r.system for r in records],
        "codes": [r.code for r in records],
        "titles": [r.title for r in records],
        "billable": [r.billable for r in records],
        "terms": terms,  # row -> index terms, where they are more than the title
        "links": links,  # row -> instructional note kind -> code references
    }
    files.record_meta.write_text(json.dumps(meta, ensure_ascii=False))


class RecordStore(Sequence[CodeRecord]):
    """Records read lazily from ``records.jsonl``: codes, titles, flags, index terms and
    instructional-note links stay in memory."""

    def __init__(self, files: IndexFiles) -> None:
        self.path = path = files.records
        self.offsets = np.load(files.record_offsets)
        meta = json.loads(files.record_meta.read_text(encoding="utf-8"))
        self.systems: list[str] = meta["systems"]
        self.codes: list[str] = meta["codes"]
        self.titles: list[str] = meta["titles"]
        self.billable = np.array(meta["billable"], dtype=bool)
        self._terms: dict[str, list[str]] = meta["terms"]
        self._links: dict[str, dict[str, list[str]]] = meta["links"]
        self._parsed_links: dict[int, dict[str, tuple[CodeRef, ...]]] = {}
        if not (len(self.codes) == len(self.titles) == len(self.offsets) - 1):
            raise ValueError(f"{path}: record index and metadata disagree")
        self._fd = os.open(path, os.O_RDONLY)  # os.pread: safe from several threads
        # closed with the store (after a reload, when its last request is done), so the
        # descriptor does not keep a deleted index version on disk
        self.close = weakref.finalize(self, os.close, self._fd)
        self._cache: dict[int, CodeRecord] = {}

    def __len__(self) -> int:
        return len(self.codes)

    def __getitem__(self, i: int) -> CodeRecord:  # type: ignore[override]
        cached = self._cache.get(i)
        if cached is not None:
            return cached
        a, b = int(self.offsets[i]), int(self.offsets[i + 1])
        record = record_from_json(json.loads(os.pread(self._fd, b - a, a)))
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[i] = record
        return record

    def terms(self, i: int) -> tuple[str, ...]:
        """The names a coder looks record ``i`` up by (see ``corpus.links.index_terms``)."""
        found = self._terms.get(str(i))
        return tuple(found) if found else (self.titles[i],)

    def links(self, i: int) -> dict[str, tuple[CodeRef, ...]]:
        """Record ``i``'s instructional notes as code references, by note kind."""
        found = self._parsed_links.get(i)
        if found is None:
            found = {
                kind: tuple(ref for text in refs for ref in code_refs(f"({text})"))
                for kind, refs in self._links.get(str(i), {}).items()
            }
            self._parsed_links[i] = found
        return found


class ChunkTable:
    """All chunks as parallel arrays; :meth:`get` builds a :class:`Chunk` on demand."""

    def __init__(
        self,
        records: Sequence[CodeRecord],
        record_row: np.ndarray,
        section: np.ndarray,
        start: np.ndarray,
        end: np.ndarray,
        ordinal: np.ndarray,
        section_names: list[str],
    ) -> None:
        self.records = records
        self.record_row = record_row
        self.section = section
        self.start = start
        self.end = end
        self.ordinal = ordinal  # position of the chunk within its record
        self.section_names = section_names

    def __len__(self) -> int:
        return len(self.record_row)

    @classmethod
    def from_chunks(cls, records: Sequence[CodeRecord], chunks: Sequence[Chunk]) -> ChunkTable:
        row_of = {r.key: i for i, r in enumerate(records)}
        names: dict[str, int] = {}
        return cls(
            records,
            np.array([row_of[(c.system, c.code)] for c in chunks], np.int32),
            np.array([names.setdefault(c.section, len(names)) for c in chunks], np.int16),
            np.array([c.start for c in chunks], np.int32),
            np.array([c.end for c in chunks], np.int32),
            np.array([int(c.chunk_id.rsplit(":", 1)[1]) for c in chunks], np.int32),
            list(names),
        )

    def get(self, i: int) -> Chunk:
        r = self.records[int(self.record_row[i])]
        a, b = int(self.start[i]), int(self.end[i])
        text = r.source_text[a:b]
        return Chunk(
            chunk_id=f"{r.system}:{r.code}:{int(self.ordinal[i])}",
            system=r.system,
            code=r.code,
            section=self.section_names[int(self.section[i])],
            text=text,
            source=chunk_source(r),
            start=a,
            end=b,
            embed_text=text,
        )

    def save(self, path: Path) -> None:
        with path.open("wb") as fh:
            np.savez(
                fh,
                record_row=self.record_row,
                section=self.section,
                start=self.start,
                end=self.end,
                ordinal=self.ordinal,
                section_names=np.array(self.section_names),
            )

    @classmethod
    def load(cls, path: Path, records: Sequence[CodeRecord]) -> ChunkTable:
        with np.load(path) as d:
            return cls(
                records,
                d["record_row"],
                d["section"],
                d["start"],
                d["end"],
                d["ordinal"],
                [str(s) for s in d["section_names"]],
            )
