"""One root exception: every error class of every layer is a ``MedcodeError``."""

from __future__ import annotations

import inspect
from types import ModuleType

import api.errors
import assistant.errors
import corpus.errors
import index.errors
from corpus.errors import MedcodeError


def _exceptions(module: ModuleType) -> list[type[BaseException]]:
    return [
        obj
        for _, obj in inspect.getmembers(module, inspect.isclass)
        if issubclass(obj, BaseException) and obj.__module__ == module.__name__
    ]


def test_every_layer_error_is_a_medcode_error() -> None:
    roots = {
        corpus.errors: corpus.errors.CorpusError,
        index.errors: index.errors.IndexStoreError,
        assistant.errors: assistant.errors.AssistantError,
        api.errors: api.errors.ApiError,
    }
    for module, root in roots.items():
        found = _exceptions(module)
        assert root in found
        for cls in found:
            assert issubclass(cls, MedcodeError), cls
            assert cls is MedcodeError or issubclass(cls, root), cls  # one tree per layer
