"""Hybrid retrieval: exact code lookup + dense (FAISS) + lexical (BM25), fused per code."""

from __future__ import annotations

import bisect
import dataclasses
import logging
import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from assistant.candidates import Fused, PerRecord
from assistant.citations import best_span
from assistant.conventions import resolve_billable, title_fit
from assistant.errors import QueryError, UnknownCodeError, UnknownSystemError
from assistant.query import MAX_QUERY_CHARS, QueryAnalysis, analyze
from assistant.results import Citation, CodeResult, RelatedCode, SearchResponse
from assistant.retrieve import Retrieval
from assistant.spelling import Vocabulary
from assistant.weights import WEIGHTS, Weights
from corpus.records import SYSTEMS, CodeRecord
from index.embedding.base import Embedder
from index.lexical import tokenize
from index.search_index import SearchIndex

logger = logging.getLogger(__name__)

MAX_K = 100

RELATIONS = ("code_first", "use_additional_code", "code_also")
# "(N32.81)", "(Z16.-)", "(B95-B97)": the first code of a reference in a note
CODE_REF = re.compile(r"\(([A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?(?:\.-)?)(?:-[A-Z0-9.\-]+)?[,)]")


def _unknown_system(system: str) -> str:
    return f"unknown code system {system!r}; use one of {', '.join(SYSTEMS)}"


@dataclass(frozen=True)
class SearchOptions:
    """Which techniques run (for ablations) and the weights every stage reads."""

    use_dense: bool = True
    use_lexical: bool = True
    use_expansion: bool = True
    use_qualifiers: bool = True
    resolve_billable: bool = True
    fusion: str = "convex"  # or "rrf"
    weights: Weights = WEIGHTS


@dataclass
class Ranked:
    """Stage "conventions" output: candidate codes with adjusted scores, best first."""

    rows: list[int]
    scores: dict[int, float]
    per_record: PerRecord
    notes: dict[int, list[str]]


class Retriever:
    """Searches one loaded index with one query embedder, in named stages:
    analyze -> retrieve and fuse -> conventions -> cite."""

    def __init__(
        self, index: SearchIndex, embedder: Embedder, options: SearchOptions | None = None
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.options = options or SearchOptions()
        records = index.records
        self.systems = np.array([SYSTEMS.index(s) for s in records.systems], np.int8)
        self.chunk_system = self.systems[index.chunks.record_row]
        self.sorted_codes: dict[str, tuple[list[str], list[int]]] = {}
        for system in SYSTEMS:
            rows = [i for i, s in enumerate(records.systems) if s == system]
            rows.sort(key=lambda i: records.codes[i])
            self.sorted_codes[system] = ([records.codes[i] for i in rows], rows)
        self.vocabulary = Vocabulary(records.titles)
        self.retrieval = Retrieval(index, embedder, self.chunk_system)

    @property
    def weights(self) -> Weights:
        return self.options.weights

    # -- lookups ---------------------------------------------------------------------
    def record_row(self, system: str, code: str) -> int | None:
        return self.index.by_key.get((system, code))

    def descendants(self, system: str, code: str) -> list[int]:
        """Rows of codes that start with ``code`` (itself excluded)."""
        codes, rows = self.sorted_codes.get(system, ([], []))
        lo = bisect.bisect_right(codes, code)
        hi = bisect.bisect_left(codes, code + "\uffff")
        return rows[lo:hi]

    # -- search ----------------------------------------------------------------------
    def search(
        self, query: str, system: str | None = None, k: int = 10, billable_only: bool = False
    ) -> SearchResponse:
        _validate(query, system, k)
        analysis = analyze(query, self.vocabulary, system)  # stage: analyze
        exact = self._exact(analysis, system)
        if analysis.only_codes and exact:
            return SearchResponse(query, tuple(exact[:k]), analysis.expansions)
        text = analysis.expanded if self.options.use_expansion else analysis.text
        fused = self.retrieve(text, system)  # stage: retrieve and fuse
        ranked = self.conventions(fused, analysis, text)  # stage: conventions
        rows = self._select(ranked.rows, exact, system, k, billable_only)
        results = list(exact)  # stage: cite
        for row in rows:
            result = self._result(
                row,
                ranked.scores[row],
                ranked.per_record.chunks(row),
                analysis,
                ranked.notes.get(row, []),
            )
            similarity = round(ranked.per_record.similarity(row), 4)
            results.append(dataclasses.replace(result, similarity=similarity))
        return SearchResponse(query, tuple(results[:k]), analysis.expansions)

    def retrieve(self, text: str, system: str | None) -> Fused:
        """Candidate chunks of ``text`` (in ``system``, if given) with fused scores."""
        opts = self.options
        return self.retrieval.fused(
            text,
            SYSTEMS.index(system) if system else -1,
            opts.weights,
            use_dense=opts.use_dense,
            use_lexical=opts.use_lexical,
            fusion=opts.fusion,
        )

    def conventions(self, fused: Fused, analysis: QueryAnalysis, text: str) -> Ranked:
        """Per code: its best chunk's score, adjusted by the coding conventions
        (qualifiers, coverage, billable resolution); best first."""
        w = self.weights
        per_record = PerRecord(fused, self.index.chunks.record_row)
        # Only the leading candidates can still reach the top k after the adjustments
        # (which move a score by at most about 0.4): the rest are dropped to stay fast.
        top = np.argsort(-per_record.best, kind="stable")[: w.rerank_candidates]
        scored = dict(
            zip(per_record.rows[top].tolist(), per_record.best[top].tolist(), strict=True)
        )
        records = self.index.records
        if self.options.use_qualifiers:
            # the stems of the searched text (``analysis.terms`` are those of ``expanded``)
            terms = analysis.terms if text == analysis.expanded else frozenset(tokenize(text))
            titles, systems = records.titles, records.systems
            for row in scored:  # code-set titles get the coverage term, CPT pages do not
                scored[row] += title_fit(analysis, terms, titles[row], systems[row] != "CPT", w)
        notes: dict[int, list[str]] = defaultdict(list)
        if self.options.resolve_billable:
            scored = self._resolve(scored, analysis, fused.lexical, notes, per_record)
        rows = sorted(scored, key=lambda r: (-scored[r], records.codes[r]))
        return Ranked(rows, scored, per_record, notes)

    def _select(
        self,
        rows: list[int],
        exact: list[CodeResult],
        system: str | None,
        k: int,
        billable_only: bool,
    ) -> list[int]:
        """The rows to show after the exact matches: billable only on request, each
        system its share when unfiltered."""
        records = self.index.records
        if billable_only:
            rows = [r for r in rows if records.billable[r]]
        exact_keys = {(r.system, r.code) for r in exact}
        rows = [r for r in rows if (records.systems[r], records.codes[r]) not in exact_keys]
        if system is None:
            rows = self._with_quota(rows, k - len(exact))
        return rows[: max(0, k - len(exact))]

    def _with_quota(self, rows: list[int], k: int) -> list[int]:
        """Unfiltered search: each system found gets a fair share of the k places (its
        best codes), the rest go by score; the order stays by score."""
        systems = self.index.records.systems
        present = list(dict.fromkeys(systems[r] for r in rows))
        if len(present) < 2 or k <= 0:
            return rows
        share = max(1, k // len(present))
        chosen: list[int] = []
        for name in present:
            chosen.extend([r for r in rows if systems[r] == name][:share])
        for r in rows:
            if len(chosen) >= k:
                break
            if r not in chosen:
                chosen.append(r)
        keep = set(chosen[:k])
        return [r for r in rows if r in keep]

    def _exact(self, analysis: QueryAnalysis, system: str | None) -> list[CodeResult]:
        out = []
        for sys_name, code in analysis.codes:
            if system and sys_name != system:
                continue
            row = self.record_row(sys_name, code)
            if row is not None:
                out.append(self._result(row, 1.0, [], analysis, [], match="exact"))
        return out

    def _resolve(
        self,
        scored: dict[int, float],
        analysis: QueryAnalysis,
        lexical_scores: np.ndarray | None,
        notes: dict[int, list[str]],
        per_record: PerRecord,
    ) -> dict[int, float]:
        """Replace a non-billable code by its best billable descendant, saying so."""
        records = self.index.records
        terms = analysis.terms
        w = self.weights

        def child_fit(c: int) -> tuple[float, int, str]:
            lex = 0.0
            if lexical_scores is not None:
                chunk_ids = self.index.record_chunks[c]
                lex = float(lexical_scores[chunk_ids].max()) if len(chunk_ids) else 0.0
            fit = title_fit(analysis, terms, records.titles[c], w=w)
            return (fit + 0.001 * lex, -len(records.codes[c]), records.codes[c])

        out, resolutions = resolve_billable(
            scored,
            lambda r: bool(records.billable[r]),
            lambda r: self.descendants(records.systems[r], records.codes[r]),
            child_fit,
            lambda r: (records.systems[r], records.codes[r], records.titles[r]),
            w,
        )
        for res in resolutions:
            per_record.merge(res.child, res.parent)
            notes[res.child].append(res.note)
        return out

    def _result(
        self,
        row: int,
        score: float,
        chunk_ids: list[int],
        analysis: QueryAnalysis,
        notes: list[str],
        match: str = "retrieval",
    ) -> CodeResult:
        record = self.index.records[row]
        n = self.weights.citations_per_result
        own = [c for c in chunk_ids if int(self.index.chunks.record_row[c]) == row]
        if not own:
            own = [int(c) for c in self.index.record_chunks[row][:n]]
        citations = []
        terms = analysis.terms
        for chunk_id in own[:n]:
            chunk = self.index.chunks.get(chunk_id)
            a, b = best_span(record.source_text, chunk.start, chunk.end, terms)
            citations.append(Citation(record.source_text[a:b], chunk.source, chunk.section, a, b))
        return CodeResult(
            code=record.code,
            system=record.system,
            title=record.title,
            score=round(min(1.0, max(0.0, float(score))), 4),
            billable=record.billable,
            citations=tuple(citations),
            notes=tuple(notes),
            match=match,
            related=self.related(record),
        )

    def related(self, record: CodeRecord) -> tuple[RelatedCode, ...]:
        """Codes that the record's (or its parents') instructional notes point to."""
        out: list[RelatedCode] = []
        seen: set[str] = set()
        sources = [record]
        for parent in reversed(record.parents):
            row = self.record_row(record.system, parent.code)
            if row is not None:
                sources.append(self.index.records[row])
        for source in sources:
            for section in source.sections:
                if section.name not in RELATIONS:
                    continue
                for note in section.text.split("\n"):
                    for ref in CODE_REF.finditer(note):
                        code = ref.group(1).rstrip(".-")
                        row = self.record_row(record.system, code)
                        if row is None or code in seen or code == record.code:
                            continue
                        seen.add(code)
                        title = self.index.records.titles[row]
                        out.append(RelatedCode(section.name, code, title, note))
        return tuple(out)

    def record(self, system: str, code: str) -> CodeRecord:
        if system not in SYSTEMS:
            raise UnknownSystemError(_unknown_system(system))
        row = self.record_row(system, code)
        if row is None:
            from corpus.codes import normalize_code

            try:
                row = self.record_row(system, normalize_code(system, code))
            except ValueError:
                row = None
        if row is None:
            raise UnknownCodeError(f"{system} {code} is not in the index")
        return self.index.records[row]


def _validate(query: str, system: str | None, k: int) -> None:
    if not isinstance(query, str) or not query.strip():
        raise QueryError("the query is empty")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"the query has {len(query)} characters; the limit is {MAX_QUERY_CHARS}")
    if system is not None and system not in SYSTEMS:
        raise UnknownSystemError(_unknown_system(system))
    if not 1 <= k <= MAX_K:
        raise QueryError(f"k must be between 1 and {MAX_K}, not {k}")
