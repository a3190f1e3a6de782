"""The one settings class: environment variables ``MEDCODE_*``, validated at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from platformdirs import user_cache_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

CACHE = Path(user_cache_dir("medcode"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDCODE_", frozen=True, extra="ignore")

    index_dir: Path = Field(CACHE / "index", description="where the index lives")
    cache_dir: Path = Field(CACHE, description="exported models and the embedding cache")
    model: str = Field("bundled", description="'bundled' (all-MiniLM-L6-v2) or a model directory")
    backend: Literal["onnx-int8", "onnx", "torch"] = Field(
        "onnx-int8", description="embedding backend (see docs/benchmarks.md)"
    )
    verify_checksums: bool = Field(True, description="verify index file checksums on load")
