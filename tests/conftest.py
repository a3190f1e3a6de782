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
