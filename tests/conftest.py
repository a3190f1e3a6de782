from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def seeds() -> Path:
    """The sample CPT pages in ../shared/seeds (never copied into this tree)."""
    if not (SEEDS / "manifest.json").is_file():
        pytest.skip(f"seed pages not found at {SEEDS}")
    return SEEDS


@pytest.fixture(scope="session")
def small_index(tmp_path_factory: pytest.TempPathFactory, fixtures: Path, seeds: Path):
    """A small index (mini code sets + seed pages) built with the hash test embedder:
    returns (index_dir, opener) where opener(settings) opens it like the service does."""
    from api.settings import Settings
    from assistant.assistant import Assistant
    from assistant.search import Retriever
    from corpus.loader import load_corpus
    from index.build import build_index
    from index.search_index import SearchIndex
    from tests.helpers import HashEmbedder
    from tests.test_index import small_config

    tmp = tmp_path_factory.mktemp("small-index")
    embedder = HashEmbedder()
    build_index(load_corpus(small_config(fixtures, seeds)), tmp / "idx", embedder, tmp / "cache")

    def opener(settings: Settings) -> Assistant:
        index = SearchIndex.open(settings.index_dir, model=embedder.info)
        return Assistant(Retriever(index, embedder))

    return tmp / "idx", opener
