"""Hybrid retrieval: exact code lookup + dense (FAISS) + lexical (BM25), fused per code."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from assistant.calibrate import confidences, query_known, signals
from assistant.candidates import Fused, merge
from assistant.cite import Citer
from assistant.confidence import Calibrator, Signals
from assistant.confidence import packaged as packaged_calibration
from assistant.conventions import query_facts
from assistant.errors import QueryError, UnknownCodeError, UnknownSystemError
from assistant.hierarchy import CodeTree
from assistant.knowledge.phrases import term_key, tokens
from assistant.knowledge.qualifiers import load_groups
from assistant.named import MIN_OTHER_WORDS, ConditionNames, other_words
from assistant.pcs.builder import Built, explain
from assistant.pcs.reading import read, vocabulary
from assistant.query import QueryAnalysis, affirmed, analyze
from assistant.ranking import Conventions, Ranked
from assistant.results import CodeResult, RelatedCode, SearchResponse
from assistant.retrieve import Retrieval
from assistant.scene_reading import told_by_a_person
from assistant.spelling import Vocabulary
from assistant.weights import WEIGHTS, Weights
from corpus.limits import MAX_K, MAX_QUERY_CHARS
from corpus.records import SYSTEMS, CodeRecord
from index.embedding.base import Embedder
from index.search_index import SearchIndex

logger = logging.getLogger(__name__)


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


@dataclass(frozen=True)
class PcsBuild:
    query: str
    built: Built | None
    results: tuple[CodeResult, ...]


class Retriever:
    """Searches one loaded index with one query embedder, in named stages:
    analyze -> retrieve and fuse -> conventions -> cite."""

    def __init__(
        self,
        index: SearchIndex,
        embedder: Embedder,
        options: SearchOptions | None = None,
        calibrator: Calibrator | None = None,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.options = options or SearchOptions()
        self.calibrator = calibrator or packaged_calibration()
        records = index.records
        self.systems = np.array([SYSTEMS.index(s) for s in records.systems], np.int8)
        self.chunk_system = self.systems[index.chunks.record_row]
        self.vocabulary = Vocabulary(records.titles)
        self.names = ConditionNames(records.systems, records.codes, records.titles, records.terms)
        self.groups = load_groups()
        self.tree = CodeTree(records, index.by_key, self.groups)
        self.retrieval = Retrieval(index, embedder, self.chunk_system)
        self.ranking = Conventions(index, self.tree, self.groups, self.options.weights)
        self.citer = Citer(index, self.tree, self.options.weights.citations_per_result)

    @property
    def weights(self) -> Weights:
        return self.options.weights

    # -- lookups ---------------------------------------------------------------------
    def record_row(self, system: str, code: str) -> int | None:
        return self.tree.row(system, code)

    def descendants(self, system: str, code: str) -> list[int]:
        """Rows of codes that start with ``code`` (itself excluded)."""
        return self.tree.descendants(system, code)

    # -- search ----------------------------------------------------------------------
    def search(
        self, query: str, system: str | None = None, k: int = 10, billable_only: bool = False
    ) -> SearchResponse:
        return self.search_with_signals(query, system, k, billable_only)[0]

    def search_with_signals(
        self,
        query: str,
        system: str | None = None,
        k: int = 10,
        billable_only: bool = False,
        vectors: Mapping[str, np.ndarray] | None = None,
    ) -> tuple[SearchResponse, dict[tuple[str, str], Signals]]:
        """The response and, per result found by retrieval, the signals its confidence was
        estimated from (what ``medcode calibrate`` fits on). ``vectors``: texts already
        embedded (see :meth:`embed_queries`)."""
        _validate(query, system, k)
        analysis = self.analyze(query, system)  # stage: analyze
        exact = self._exact(analysis, system)
        if analysis.only_codes and exact:
            return SearchResponse(query, tuple(exact[:k]), analysis.expansions), {}
        text = analysis.expanded if self.options.use_expansion else analysis.text
        fused = self.candidates(analysis, system, vectors)  # stage: retrieve and fuse
        ranked = self.conventions(fused, analysis, text)  # stage: conventions
        rows = self._select(ranked.rows, exact, system, k, billable_only)
        similarity = {row: ranked.per_record.similarity(row) for row in rows}
        found = self.signals(rows, ranked, similarity, analysis)  # stage: calibrate
        confidence = confidences(self.calibrator, found)
        results = list(exact)  # stage: cite
        for row in rows:
            result = self._result(
                row,
                ranked.scores[row],
                ranked.per_record.chunks(row),
                analysis,
                ranked.notes.get(row, []),
            )
            results.append(
                dataclasses.replace(
                    result, similarity=round(similarity[row], 4), confidence=confidence[row]
                )
            )
        records = self.index.records
        by_key = {(records.systems[r], records.codes[r]): s for r, s in found.items()}
        return SearchResponse(query, tuple(results[:k]), analysis.expansions), by_key

    def signals(
        self,
        rows: list[int],
        ranked: Ranked,
        similarity: dict[int, float],
        analysis: QueryAnalysis,
    ) -> dict[int, Signals]:
        known = query_known(analysis, self.vocabulary)
        return signals(
            rows, ranked.rows, ranked.scores, similarity, ranked.facts, known, self.index.records
        )

    def build_pcs(
        self, query: str, k: int = 10, vectors: Mapping[str, np.ndarray] | None = None
    ) -> PcsBuild:
        """ICD-10-PCS codes composed for ``query``: the best code's seven axes with the
        words that determined each, the axes left open (with their valid choices), and
        the best codes."""
        response = self.search_with_signals(query, "ICD-10-PCS", k, vectors=vectors)[0]
        builder = self.ranking.builder
        if builder is None:
            raise QueryError("this index holds no ICD-10-PCS tables; rebuild it with PCS")
        analysis = self.analyze(query, "ICD-10-PCS")
        facts = query_facts(analysis, self.groups)
        reading = read(analysis, vocabulary(builder.tables), facts)
        ranked = [(r.code, r.score) for r in response.results if r.match != "exact"]
        built = explain(builder.tables, builder, reading, ranked, self.weights.pcs_open_margin)
        return PcsBuild(query, built, response.results)

    def analyze(self, query: str, system: str | None) -> QueryAnalysis:
        """The query parsed; a diagnosis sentence that names a condition among other words
        ("my son has croup, his cough sounds like a seal") has that name as its focus."""
        analysis = analyze(query, self.vocabulary, system)
        raw = analysis.raw
        if analysis.focus or system not in (None, "ICD-10-CM") or not told_by_a_person(raw):
            return analysis
        spans = self.names.find(raw)
        named = [raw[a:b] for a, b in spans]
        keys = self.names.keys
        for e in analysis.expansions:
            if term_key(e.means) in keys and not any(a <= e.start and e.end <= b for a, b in spans):
                named.append(e.means)
                spans.append((e.start, e.end))
        named = list(dict.fromkeys(named))
        # one condition among other words; a list of conditions has no single focus
        if len(named) != 1 or other_words(tokens(raw), spans) < MIN_OTHER_WORDS:
            return analysis
        return dataclasses.replace(analysis, focus=named[0], condition_named=True)

    def candidates(
        self,
        analysis: QueryAnalysis,
        system: str | None,
        vectors: Mapping[str, np.ndarray] | None = None,
    ) -> Fused:
        """Retrieval for an analysed query: the whole (expanded) query and, in chart
        phrasing, the diagnosis it states ("dx: ..."), each chunk at its better score."""
        texts = self._texts(analysis)
        fused = self.retrieve(texts[0], system, vectors)
        for extra in texts[1:]:
            fused = merge(fused, self.retrieve(extra, system, vectors))
        return fused

    def _texts(self, analysis: QueryAnalysis) -> list[str]:
        """The texts retrieval embeds for a query: the query (expanded), its focus, and
        what it affirms (without its negated phrases: "no rheumatic disease" does not
        retrieve rheumatic codes)."""
        text = analysis.expanded if self.options.use_expansion else analysis.text
        if not self.options.use_expansion:
            return [text]
        focus = [analysis.focus] if analysis.focus else []
        without_negated = affirmed(analysis)
        return [text, *focus, *([without_negated] if without_negated else [])]

    def embed_queries(self, queries: Sequence[tuple[str, str | None]]) -> dict[str, np.ndarray]:
        """The texts that searching ``queries`` ((query, code set) pairs) embeds, embedded
        in one call: pass the result to :meth:`search_with_signals` as ``vectors``."""
        texts: list[str] = []
        for query, system in queries:
            texts.extend(self._texts(self.analyze(query, system)))
        unique = list(dict.fromkeys(texts))
        if not unique or not self.options.use_dense:
            return {}
        # one call, each text run on its own: the int8 model quantizes activations per
        # batch, so a text's vector would depend on its batch-mates (cosine 0.990 measured)
        # and a note's statement would be searched differently from the same words typed
        # into search
        matrix = self.embedder.encode(unique, batch_size=1)
        return {t: matrix[i : i + 1] for i, t in enumerate(unique)}

    def retrieve(
        self, text: str, system: str | None, vectors: Mapping[str, np.ndarray] | None = None
    ) -> Fused:
        """Candidate chunks of ``text`` (in ``system``, if given) with fused scores."""
        opts = self.options
        return self.retrieval.fused(
            text,
            SYSTEMS.index(system) if system else -1,
            opts.weights,
            use_dense=opts.use_dense,
            use_lexical=opts.use_lexical,
            fusion=opts.fusion,
            vector=None if vectors is None else vectors.get(text),
        )

    def conventions(self, fused: Fused, analysis: QueryAnalysis, text: str) -> Ranked:
        """Per code: its best chunk's score, adjusted by the coding conventions; best first."""
        return self.ranking.rank(
            fused,
            analysis,
            text,
            use_qualifiers=self.options.use_qualifiers,
            resolve=self.options.resolve_billable,
        )

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
                result = self._result(row, 1.0, [], analysis, [], match="exact")
                out.append(dataclasses.replace(result, confidence=1.0))  # the code typed
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
        return self.citer.result(row, score, chunk_ids, analysis.terms, notes, match)

    def related(self, record: CodeRecord) -> tuple[RelatedCode, ...]:
        return self.citer.related(record)

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
