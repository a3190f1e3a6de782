"""The ICD-10-PCS body part key in general form (``rules/pcs_body_part_key.json``): words
that name a structure more specifically than PCS tables do, and the general body parts
they are coded to."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from assistant.errors import KnowledgeError

BODY_PART_KEY_FILE = "rules/pcs_body_part_key.json"


@dataclass(frozen=True)
class KeyEntry:
    pattern: re.Pattern[str]
    means: tuple[str, ...]  # PCS body-part names


def parse_key(data: object, name: str = BODY_PART_KEY_FILE) -> tuple[KeyEntry, ...]:
    if not isinstance(data, dict) or data.get("version") != 1:
        raise KnowledgeError(f"{name}: expected an object with version 1")
    out = []
    for i, entry in enumerate(data.get("entries", [])):
        where = f"{name} entry {i + 1}"
        patterns, means = entry.get("patterns"), entry.get("means")
        if not patterns or not means or not all(isinstance(x, str) for x in [*patterns, *means]):
            raise KnowledgeError(f"{where}: needs 'patterns' and 'means' lists of strings")
        try:
            pattern = re.compile(r"\b(?:" + "|".join(patterns) + r")\b")
        except re.error as exc:
            raise KnowledgeError(f"{where}: bad pattern ({exc})") from exc
        out.append(KeyEntry(pattern, tuple(means)))
    return tuple(out)


@lru_cache(maxsize=1)
def load_key() -> tuple[KeyEntry, ...]:
    raw = resources.files("assistant.knowledge").joinpath(BODY_PART_KEY_FILE).read_text("utf-8")
    return parse_key(json.loads(raw))


def general_parts(lower_text: str, key: tuple[KeyEntry, ...]) -> list[str]:
    """The general body parts the text's specific structures are coded to."""
    return [m for e in key if e.pattern.search(lower_text) for m in e.means]
