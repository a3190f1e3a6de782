"""Every limit medcode enforces, in one place.

It lives in the bottom layer (``corpus``) so that every layer imports it one way. The HTTP
settings (``api.settings.Settings``: ``MEDCODE_MAX_QUERY_CHARS`` and the others) may lower
the request limits, never raise them. Code formats (the HCPCS pattern and the others) live
in ``corpus.codes``; the packaged ICD-10-PCS database in ``corpus.icd10pcs``.
"""

from __future__ import annotations

from typing import Literal, get_args

MAX_QUERY_CHARS = 2000  # one search query (and one user message of a chat)
MAX_NOTE_CHARS = 100_000  # one operative note (/suggest), or an earlier answer in a chat
MAX_K = 100  # results of one search (the assistant, the CLI)
MAX_K_HTTP = 50  # results of one search over HTTP
MAX_TURNS = 50  # messages of one chat request
MAX_DOCUMENT_BYTES = 5_000_000  # a larger code page is skipped with a warning

# HTTP request bodies: a larger one is refused with 413. Before the 413 goes out, up to
# DRAIN_BYTES of it are read and dropped, for at most DRAIN_SECONDS, so that a client that
# sends its whole body before it reads the answer gets the 413 and not a connection reset.
MAX_BODY_BYTES = 1_000_000
DRAIN_BYTES = 16_000_000
DRAIN_SECONDS = 5.0

Backend = Literal["onnx-int8", "onnx", "torch"]  # embedding backends (docs/benchmarks.md)
BACKENDS: tuple[Backend, ...] = get_args(Backend)
