"""The one settings class: environment variables ``MEDCODE_*``, validated at start-up.

A bad value stops the program with pydantic's message naming the variable. The request
limits may be set lower than ``corpus.limits``, never higher.
"""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_dir
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from corpus import limits
from corpus.limits import Backend

CACHE = Path(user_cache_dir("medcode"))


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MEDCODE_", frozen=True, extra="ignore")

    # index and model
    index_dir: Path = Field(CACHE / "index", description="where the index lives")
    cache_dir: Path = Field(CACHE, description="exported models and the embedding cache")
    model: str = Field("bundled", description="'bundled' (all-MiniLM-L6-v2) or a model directory")
    backend: Backend = Field("onnx-int8", description="embedding backend (see docs/benchmarks.md)")
    verify_checksums: bool = Field(True, description="verify index file checksums on load")

    # HTTP service (medcode serve)
    host: str = Field("127.0.0.1", description="address to listen on")
    port: int = Field(8000, ge=0, le=65535, description="port to listen on")
    workers: int = Field(
        1, ge=1, le=64, description="server processes (one per core; each loads the index)"
    )
    search_threads: int | None = Field(
        None,
        ge=1,
        le=64,
        description="searches one server process runs at once (default: the cores this "
        "process may use divided by the workers, at least 1); others wait their turn",
    )
    max_body_bytes: int = Field(
        limits.MAX_BODY_BYTES,
        gt=0,
        le=limits.MAX_BODY_BYTES,
        description="larger request bodies get 413",
    )
    max_query_chars: int = Field(
        1000, gt=0, le=limits.MAX_QUERY_CHARS, description="longer queries get 422"
    )
    max_note_chars: int = Field(
        limits.MAX_NOTE_CHARS, gt=0, le=limits.MAX_NOTE_CHARS, description="longer notes get 422"
    )
    max_k: int = Field(
        limits.MAX_K_HTTP,
        gt=0,
        le=limits.MAX_K_HTTP,
        description="largest k a request may ask for",
    )
    api_key: SecretStr | None = Field(
        None, description="if set, every API request needs the header X-API-Key"
    )
    admin_key: SecretStr | None = Field(
        None,
        description="if set, /admin/* needs it in the header X-Admin-Key (or Authorization: "
        "Bearer); if unset, /admin/* answers loopback clients only. The API key never admits",
    )
    cors_origins: list[str] = Field(
        default_factory=list, description='origins allowed by CORS, e.g. ["https://a.example"]'
    )
    request_timeout_s: float = Field(10.0, gt=0, description="a request running longer gets 503")
    llm_url: str | None = Field(
        None, description="OpenAI-compatible chat completions URL that rewords chat answers"
    )
    llm_model: str = Field("default", description="model name sent to the LLM endpoint")
    llm_api_key: SecretStr | None = Field(None, description="bearer token for the LLM endpoint")
    llm_timeout_s: float = Field(20.0, gt=0, description="LLM request timeout")

    def threads_per_process(self) -> int:
        """``search_threads``, or this process's share of the cores it may run on."""
        if self.search_threads is not None:
            return self.search_threads
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        return max(1, (cores or os.cpu_count() or 1) // self.workers)

    @model_validator(mode="after")
    def _admin_key_is_not_the_api_key(self) -> Settings:
        """The API key may sit in a public page (the widget): it must not reload the index."""
        if (
            self.admin_key is not None
            and self.api_key is not None
            and self.admin_key.get_secret_value() == self.api_key.get_secret_value()
        ):
            raise ValueError("MEDCODE_ADMIN_KEY must differ from MEDCODE_API_KEY")
        return self
