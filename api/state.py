"""The service's one loaded index, swapped atomically on reload.

A request takes ``state.current()`` once and uses that assistant to the end, so a reload
that publishes a new index never mixes two indexes in one answer and never fails a
request in flight: the old assistant stays alive until its last request drops it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from api.errors import IndexUnavailableError
from api.settings import Settings
from assistant.assistant import Assistant
from index.errors import IndexStoreError
from index.layout import current_dir

logger = logging.getLogger(__name__)

Opener = Callable[[Settings], Assistant]


def open_assistant(settings: Settings) -> Assistant:
    return Assistant.open(
        settings.index_dir,
        model=settings.model,
        cache_dir=settings.cache_dir,
        verify=settings.verify_checksums,
    )


def preloaded_opener(settings: Settings) -> Opener:
    """Open the index now (so a corrupt or mismatched one stops the start) and return an
    opener whose first call, the service's first load, hands over this one (unless another
    version went live meanwhile)."""
    preloaded = [open_assistant(settings)]

    def opener(s: Settings) -> Assistant:
        if preloaded:
            assistant = preloaded.pop()
            with contextlib.suppress(IndexStoreError):
                if current_dir(s.index_dir).name == Path(assistant.index.folder).name:
                    return assistant
        return open_assistant(s)

    return opener


@dataclass(frozen=True)
class Loaded:
    assistant: Assistant
    version: str
    loaded_at: str


class ServiceState:
    def __init__(self, settings: Settings, opener: Opener = open_assistant) -> None:
        self.settings = settings
        self.opener = opener
        self._loaded: Loaded | None = None
        self.error: str | None = None
        self._reload_lock = threading.Lock()

    def current(self) -> Loaded:
        loaded = self._loaded
        if loaded is None:
            raise IndexUnavailableError(f"no index is loaded: {self.error or 'still starting'}")
        return loaded

    @property
    def version(self) -> str | None:
        loaded = self._loaded
        return loaded.version if loaded else None

    def records(self) -> int | None:
        """Records in the loaded index; None while none is loaded."""
        loaded = self._loaded
        return len(loaded.assistant.index.records) if loaded else None

    def load(self) -> Loaded:
        """Open the live index version now; on failure keep serving the previous one (if
        any). Nothing is done if the live version is the one loaded already."""
        with self._reload_lock:
            loaded = self._loaded
            if loaded is not None and self._live_version() == loaded.version:
                return loaded
            t = time.perf_counter()
            try:
                assistant = self.opener(self.settings)
            except IndexStoreError as exc:
                self.error = str(exc)
                raise
            version = Path(assistant.index.folder).name
            loaded = Loaded(assistant, version, time.strftime("%Y-%m-%dT%H:%M:%S%z"))
            self._loaded, self.error = loaded, None  # one reference swap: atomic
            logger.info("index %s loaded in %.1fs", version, time.perf_counter() - t)
            return loaded

    def _live_version(self) -> str | None:
        try:
            return current_dir(self.settings.index_dir).name
        except IndexStoreError:
            return None  # the opener reports it
