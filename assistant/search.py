"""Hybrid retrieval: exact code lookup + dense (FAISS) + lexical (BM25), fused per code."""

from __future__ import annotations

import bisect
import dataclasses
import logging
import re
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from assistant.candidates import Fused, PerRecord, tied_ranks
from assistant.citations import best_span
from assistant.errors import QueryError, UnknownCodeError, UnknownSystemError
from assistant.fusion import convex, grouped_ranks, rrf
from assistant.query import MAX_QUERY_CHARS, QueryAnalysis, analyze, title_fit
from assistant.results import Citation, CodeResult, RelatedCode, SearchResponse
from assistant.spelling import Vocabulary
from corpus.records import SYSTEMS, CodeRecord
from index.embedding.base import Embedder
from index.lexical import tokenize
from index.search_index import SearchIndex

logger = logging.getLogger(__name__)

MAX_K = 100
DENSE_CANDIDATES = 64
LEXICAL_CANDIDATES = 100
WEIGHTS = {"dense": 1.0, "lexical": 1.0}
CITATIONS_PER_RESULT = 2
RERANK_CANDIDATES = 200
RESOLVE_CANDIDATES = 25


RELATIONS = ("code_first", "use_additional_code", "code_also")
# "(N32.81)", "(Z16.-)", "(B95-B97)": the first code of a reference in a note
CODE_REF = re.compile(r"\(([A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{1,4})?(?:\.-)?)(?:-[A-Z0-9.\-]+)?[,)]")


def _unknown_system(system: str) -> str:
    return f"unknown code system {system!r}; use one of {', '.join(SYSTEMS)}"


@dataclass(frozen=True)
class SearchOptions:
    dense_candidates: int = DENSE_CANDIDATES
    lexical_candidates: int = LEXICAL_CANDIDATES
    use_dense: bool = True
    use_lexical: bool = True
    use_expansion: bool = True
    use_qualifiers: bool = True
    resolve_billable: bool = True
    fusion: str = "convex"  # or "rrf"
    dense_weight: float = 0.5


class Retriever:
    """Searches one loaded index with one query embedder."""

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
        if not isinstance(query, str) or not query.strip():
            raise QueryError("the query is empty")
        if len(query) > MAX_QUERY_CHARS:
            raise QueryError(
                f"the query has {len(query)} characters; the limit is {MAX_QUERY_CHARS}"
            )
        if system is not None and system not in SYSTEMS:
            raise UnknownSystemError(_unknown_system(system))
        if not 1 <= k <= MAX_K:
            raise QueryError(f"k must be between 1 and {MAX_K}, not {k}")
        analysis = analyze(query, self.vocabulary, system)
        text = analysis.expanded if self.options.use_expansion else analysis.text
        exact = self._exact(analysis, system)
        if analysis.only_codes and exact:
            return SearchResponse(query, tuple(exact[:k]), analysis.expansions)

        sys_id = SYSTEMS.index(system) if system else -1
        fused = self._fuse(text, sys_id)
        per_record = PerRecord(fused, self.index.chunks.record_row)
        # Only the leading candidates can still reach the top k after the adjustments below
        # (which move a score by at most about 0.4): the rest are dropped to stay fast.
        top = np.argsort(-per_record.best, kind="stable")[:RERANK_CANDIDATES]
        scored = dict(
            zip(per_record.rows[top].tolist(), per_record.best[top].tolist(), strict=True)
        )
        if self.options.use_qualifiers:
            # the stems of the searched text (``analysis.terms`` are those of ``expanded``)
            terms = analysis.terms if text == analysis.expanded else frozenset(tokenize(text))
            titles, systems = self.index.records.titles, self.index.records.systems
            for row in scored:  # code-set titles get the coverage term, CPT pages do not
                scored[row] += title_fit(analysis, terms, titles[row], systems[row] != "CPT")

        notes: dict[int, list[str]] = defaultdict(list)
        if self.options.resolve_billable:
            scored = self._resolve_billable(scored, analysis, fused.lexical, notes, per_record)
        rows = sorted(scored, key=lambda r: (-scored[r], self.index.records.codes[r]))
        if billable_only:
            rows = [r for r in rows if self.index.records.billable[r]]
        exact_keys = {(r.system, r.code) for r in exact}
        rows = [
            r
            for r in rows
            if (self.index.records.systems[r], self.index.records.codes[r]) not in exact_keys
        ]
        if system is None:
            rows = self._with_quota(rows, k - len(exact))
        results = list(exact)
        for row in rows[: max(0, k - len(exact))]:
            chunks = per_record.chunks(row)
            similarity = per_record.similarity(row)
            result = self._result(row, scored[row], chunks, analysis, notes.get(row, []))
            results.append(dataclasses.replace(result, similarity=round(similarity, 4)))
        return SearchResponse(query, tuple(results[:k]), analysis.expansions)

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

    def _fuse(self, text: str, sys_id: int) -> Fused:
        """Candidate chunks with scores in [0, 1] from the dense and lexical retrievers,
        BM25 of every chunk, and each candidate's cosine similarity (when dense is on)."""
        opts = self.options
        lexical = self.index.lexical.scores(text) if opts.use_lexical else None
        vector = self.embedder.encode([text]) if opts.use_dense else None
        if opts.fusion == "rrf" or vector is None or lexical is None:
            rankings: dict[str, list[tuple[int, int]]] = {}
            if vector is not None:
                groups = [g.tolist() for g in self._dense_groups(vector, sys_id)]
                rankings["dense"] = grouped_ranks(groups)
            if lexical is not None:
                top = self._lexical_top(lexical, sys_id)
                rankings["lexical"] = tied_ranks(top, lexical[top])
            scores = rrf({name: p for name, p in rankings.items() if p}, WEIGHTS)
            chunks = np.array(sorted(scores), np.int64)
            values = np.array([scores[c] for c in chunks.tolist()], np.float64)
            return Fused(chunks, values, lexical, None)
        dense = self._dense_groups(vector, sys_id)
        found = [*dense, self._lexical_top(lexical, sys_id)]
        candidates = np.unique(np.concatenate(found)).astype(np.int64)
        if len(candidates) == 0:
            return Fused(candidates, np.zeros(0), lexical, None)
        rows = self.index.chunk_dense[candidates]
        unique_rows, inverse = np.unique(rows, return_inverse=True)
        cosines = self.index.dense.similarities(vector[0], unique_rows)[inverse]
        cos64 = cosines.astype(np.float64)
        values = convex(cos64, lexical[candidates], opts.dense_weight)
        return Fused(candidates, values, lexical, cos64)

    def _dense_groups(self, vector: np.ndarray, sys_id: int) -> list[np.ndarray]:
        """Chunks of the nearest vectors, one group per vector (in the system, if any)."""
        n = self.options.dense_candidates * (4 if sys_id >= 0 else 1)
        _, ids = self.index.dense.search(vector, n)
        groups = [self.index.dense_chunks[row] for row in ids[0].tolist() if row >= 0]
        if sys_id >= 0:
            groups = [g[self.chunk_system[g] == sys_id] for g in groups]
        return [g for g in groups if len(g)]

    def _lexical_top(self, scores: np.ndarray, sys_id: int) -> np.ndarray:
        """The best-scoring chunks by BM25 (score > 0), best first."""
        if sys_id >= 0:
            scores = np.where(self.chunk_system == sys_id, scores, 0)
        hit = np.flatnonzero(scores > 0)
        n = min(self.options.lexical_candidates, len(hit))
        if n == 0:
            return np.zeros(0, np.int64)
        top = hit[np.argpartition(-scores[hit], n - 1)[:n]] if n < len(hit) else hit
        ordered: np.ndarray = top[np.argsort(-scores[top], kind="stable")]
        return ordered

    def _resolve_billable(
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
        out = dict(scored)
        top = sorted(scored, key=lambda r: -scored[r])[:RESOLVE_CANDIDATES]
        for row in top:
            if records.billable[row]:
                continue
            system, code = records.systems[row], records.codes[row]
            children = [c for c in self.descendants(system, code) if records.billable[c]]
            if not children:
                continue

            def child_score(c: int) -> tuple[float, int, str]:
                lex = 0.0
                if lexical_scores is not None:
                    chunk_ids = self.index.record_chunks[c]
                    lex = float(lexical_scores[chunk_ids].max()) if len(chunk_ids) else 0.0
                title = records.titles[c]
                fit = title_fit(analysis, terms, title)
                return (fit + 0.001 * lex, -len(records.codes[c]), records.codes[c])

            best = max(children, key=child_score)
            score = scored[row] - 0.01
            if out.get(best, -1.0) < score:
                out[best] = score
                per_record.merge(best, row)
                notes[best].append(
                    f"{system} {code} ({records.titles[row]}) is not billable; resolved to "
                    f"its child {records.codes[best]}"
                )
            out[row] = scored[row] - 0.05  # keep the category, just below its child
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
        own = [c for c in chunk_ids if int(self.index.chunks.record_row[c]) == row]
        if not own:
            own = [int(c) for c in self.index.record_chunks[row][:CITATIONS_PER_RESULT]]
        citations = []
        terms = analysis.terms
        for chunk_id in own[:CITATIONS_PER_RESULT]:
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
