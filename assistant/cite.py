"""Stage "cite": a ranked code becomes a result with the passages that justify it and the
codes its instructional notes ask for."""

from __future__ import annotations

from collections.abc import Set

from assistant.citations import best_span
from assistant.hierarchy import CodeTree
from assistant.results import Ancestor, Citation, CodeResult, Instruction, RelatedCode
from corpus.links import code_refs
from corpus.records import CodeRecord, SourceLabel
from index.search_index import SearchIndex

RELATIONS = ("code_first", "use_additional_code", "code_also")
INSTRUCTIONS = (
    "excludes1",
    "excludes2",
    "code_first",
    "use_additional_code",
    "code_also",
    "seventh_character",
    "notes",
)


class Citer:
    def __init__(self, index: SearchIndex, tree: CodeTree, per_result: int) -> None:
        self.index = index
        self.tree = tree
        self.per_result = per_result

    def result(
        self,
        row: int,
        score: float,
        chunk_ids: list[int],
        terms: Set[str],
        notes: list[str],
        match: str = "retrieval",
    ) -> CodeResult:
        """The code of ``row`` with citations: the sentences of its best passages that
        share most query ``terms`` (its own passages first)."""
        record = self.index.records[row]
        n = self.per_result
        own = [c for c in chunk_ids if int(self.index.chunks.record_row[c]) == row]
        if not own:
            own = [int(c) for c in self.index.record_chunks[row][:n]]
        citations = []
        for chunk_id in own[:n]:
            chunk = self.index.chunks.get(chunk_id)
            a, b = best_span(record.source_text, chunk.start, chunk.end, terms)
            label = source_label(record, chunk.section)
            citations.append(Citation(record.source_text[a:b], label, chunk.section, a, b))
        return CodeResult(
            code=record.code,
            system=record.system,
            title=record.title,
            score=round(min(1.0, max(0.0, float(score))), 4),
            billable=record.billable,
            citations=tuple(citations),
            notes=tuple(notes),
            match=match,
            related=self.related(record, row),
            parents=tuple(Ancestor(p.code, p.title, p.level) for p in record.parents),
            instructions=self.instructions(record),
        )

    def instructions(self, record: CodeRecord) -> tuple[Instruction, ...]:
        """The instructional notes of the code and of its categories, which apply to it."""
        out: list[Instruction] = []
        sources: list[tuple[CodeRecord, str | None]] = [(record, None)]
        for parent in reversed(record.parents):
            found = self.tree.row(record.system, parent.code)
            if found is not None:
                sources.append((self.index.records[found], parent.code))
        for source, inherited in sources:
            for section in source.sections:
                if section.name not in INSTRUCTIONS:
                    continue
                for line in section.text.split("\n"):
                    if line.strip():
                        codes = tuple(str(ref) for ref in code_refs(line))
                        out.append(Instruction(section.name, line.strip(), codes, inherited))
        return tuple(out)

    def related(self, record: CodeRecord, row: int | None = None) -> tuple[RelatedCode, ...]:
        """Codes that the record's (or its parents') "code first", "use additional code"
        and "code also" notes name; a range or prefix ("N18.1-N18.6") is shown by its
        first code in the index."""
        out: list[RelatedCode] = []
        seen: set[str] = set()
        sources = [record]
        for parent in reversed(record.parents):
            found = self.tree.row(record.system, parent.code)
            if found is not None:
                sources.append(self.index.records[found])
        for source in sources:
            for section in source.sections:
                if section.name not in RELATIONS:
                    continue
                for note in section.text.split("\n"):
                    for ref in code_refs(note):
                        target = self.tree.first_covered(record.system, ref)
                        if target is None:
                            continue
                        code = self.index.records.codes[target]
                        if code in seen or code == record.code:
                            continue
                        seen.add(code)
                        title = self.index.records.titles[target]
                        out.append(RelatedCode(section.name, code, title, note))
        return tuple(out)


def source_label(record: CodeRecord, part: str) -> SourceLabel:
    """How a reader names the source of a passage of ``record``'s ``part``."""
    document = record.source.label if record.source.kind == "document" else None
    return SourceLabel(record.system, record.source.version, record.code, part, document)
