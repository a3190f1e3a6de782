"""Records -> chunks with provenance.

Documents: each section is split on sentence (and list-item) boundaries and packed
into chunks under a token budget; every chunk's text is a real span of the page.
Code-set entries: one chunk per code, spanning the title and the inclusion terms
(the positive text of the entry); its ``embed_text`` adds the parent title for
context, while the chunk itself still points at real text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from corpus.records import Chunk, CodeRecord, Section

DEFAULT_MAX_TOKENS = 120
_TOKEN = re.compile(r"\w+|[^\w\s]")
# A boundary after sentence-final punctuation, or at any line break.
_BOUNDARY = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[•\-–A-Z0-9])|\s*\n\s*")
# Code-set sections embedded with the title; the rest (excludes, notes) is citable only.
POSITIVE_SECTIONS = ("title", "inclusion_terms", "includes")
# Document sections that are not indexed (they repeat the title).
SKIPPED_SECTIONS = frozenset({"procedure_name"})


def chunk_source(record: CodeRecord) -> str:
    """What a chunk's citation names: the document's path, or ``package-file#code``."""
    if record.source.kind == "document":
        return record.source.location
    return f"{record.source.location}#{record.code}"


def estimate_tokens(text: str) -> int:
    """A cheap stand-in for word-piece counting: words and punctuation marks."""
    return len(_TOKEN.findall(text))


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """(start, end) of each sentence or line item of ``text``, shifted by ``offset``."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for m in _BOUNDARY.finditer(text):
        if m.start() > pos:
            spans.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    out = []
    for a, b in spans:
        piece = text[a:b]
        a += len(piece) - len(piece.lstrip())
        b -= len(piece) - len(piece.rstrip())
        if b > a:
            out.append((a + offset, b + offset))
    return out


def _split_long(text: str, start: int, end: int, budget: int) -> Iterator[tuple[int, int]]:
    """Split one over-long sentence on word boundaries."""
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    for i in range(0, len(words), budget):
        group = words[i : i + budget]
        yield group[0][0], group[-1][1]


def pack_spans(source: str, section: Section, max_tokens: int) -> Iterator[tuple[int, int]]:
    """Greedy packing of a section's sentences into spans of at most ``max_tokens``."""
    current: tuple[int, int] | None = None
    used = 0
    for a, b in sentence_spans(section.text, section.start):
        n = estimate_tokens(source[a:b])
        if n > max_tokens:
            if current:
                yield current
                current, used = None, 0
            yield from _split_long(source, a, b, max_tokens)
            continue
        if current and used + n > max_tokens:
            yield current
            current, used = None, 0
        current = (current[0], b) if current else (a, b)
        used += n
    if current:
        yield current


def _document_chunks(record: CodeRecord, max_tokens: int) -> Iterator[Chunk]:
    counter = 0
    for section in record.sections:
        if section.name in SKIPPED_SECTIONS:
            continue
        for a, b in pack_spans(record.source_text, section, max_tokens):
            text = record.source_text[a:b]
            context = "" if section.name == "official_descriptor" else f"{record.title}. "
            yield Chunk(
                chunk_id=f"{record.system}:{record.code}:{counter}",
                system=record.system,
                code=record.code,
                section=section.name,
                text=text,
                source=chunk_source(record),
                start=a,
                end=b,
                embed_text=context + " ".join(text.split()),
            )
            counter += 1


def _entry_chunk(record: CodeRecord) -> Chunk:
    positive = [s for s in record.sections if s.name in POSITIVE_SECTIONS]
    end = max(s.end for s in positive)
    embed = "; ".join(s.text.replace("\n", "; ") for s in positive)
    parent = record.parents[-1] if record.parents else None
    if (
        record.system == "ICD-10-CM"
        and parent is not None
        and parent.level in ("category", "subcategory")
        and parent.title.lower() not in record.title.lower()
    ):
        embed += f" ({parent.title})"
    return Chunk(
        chunk_id=f"{record.system}:{record.code}:0",
        system=record.system,
        code=record.code,
        section="title" if len(positive) == 1 else "title_and_synonyms",
        text=record.source_text[0:end],
        source=chunk_source(record),
        start=0,
        end=end,
        embed_text=embed,
    )


def chunk_record(record: CodeRecord, max_tokens: int = DEFAULT_MAX_TOKENS) -> list[Chunk]:
    if record.source.kind == "document":
        return list(_document_chunks(record, max_tokens))
    return [_entry_chunk(record)]


def chunk_records(
    records: Iterable[CodeRecord], max_tokens: int = DEFAULT_MAX_TOKENS
) -> Iterator[Chunk]:
    for record in records:
        yield from chunk_record(record, max_tokens)
