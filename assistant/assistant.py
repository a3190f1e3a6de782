"""The assistant's front door: open an index, search it, look codes up."""

from __future__ import annotations

from pathlib import Path

from assistant.confidence import Calibrator
from assistant.note_types import SuggestResponse
from assistant.results import SearchResponse
from assistant.search import PcsBuild, Retriever, SearchOptions
from assistant.suggest import suggest
from corpus.pcs_axes import AxisValue
from corpus.records import CodeRecord
from index.embedding.factory import load_embedder
from index.layout import current_dir
from index.manifest import read_manifest
from index.search_index import SearchIndex


class Assistant:
    """``Assistant.open(index_dir).search("percutaneous sacral lead", k=10)``."""

    def __init__(self, retriever: Retriever) -> None:
        self.retriever = retriever
        self.index = retriever.index

    @classmethod
    def open(
        cls,
        index_dir: Path | str,
        *,
        model: str = "bundled",
        backend: str | None = None,
        cache_dir: Path | None = None,
        verify: bool = True,
        options: SearchOptions | None = None,
        calibrator: Calibrator | None = None,
    ) -> Assistant:
        """Load and verify the index; the query embedder defaults to the index's backend."""
        index_dir = Path(index_dir)
        if backend is None:
            backend = read_manifest(current_dir(index_dir)).model.backend
        if cache_dir is None:
            from platformdirs import user_cache_dir

            cache_dir = Path(user_cache_dir("medcode"))
        embedder = load_embedder(model, backend, cache_dir, threads=1)
        index = SearchIndex.open(index_dir, model=embedder.info, verify=verify)
        return cls(Retriever(index, embedder, options, calibrator))

    def search(
        self, query: str, system: str | None = None, k: int = 10, *, billable_only: bool = False
    ) -> SearchResponse:
        return self.retriever.search(query, system=system, k=k, billable_only=billable_only)

    def code(self, system: str, code: str) -> CodeRecord:
        return self.retriever.record(system, code)

    def build_pcs(self, query: str, k: int = 10) -> PcsBuild:
        """An ICD-10-PCS code composed axis by axis, with the axes the query leaves open."""
        return self.retriever.build_pcs(query, k)

    def pcs_axes(self, code: str) -> tuple[AxisValue, ...] | None:
        """The seven axes of an ICD-10-PCS code with their meanings (None without tables)."""
        tables = self.index.pcs
        return None if tables is None else tables.axes(code)

    def suggest(self, note: str | bytes) -> SuggestResponse:
        """Codes an operative note supports, each with its evidence in the note."""
        return suggest(self.retriever, note)
