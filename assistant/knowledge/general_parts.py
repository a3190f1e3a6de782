"""General ICD-10-PCS body part values and what they contain
(``rules/pcs_general_parts.json``): "Upper Artery" holds every upper artery, the "Lower
Intestinal Tract" the jejunum down to the anus (guideline B4.8). A table that offers only
the general value codes a specific structure to it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import lru_cache

from assistant.errors import KnowledgeError
from assistant.knowledge.rules_file import read_rules, versioned

GENERAL_PARTS_FILE = "rules/pcs_general_parts.json"
_SYSTEM = re.compile(r"[0-9A-Z]")


@dataclass(frozen=True)
class GeneralPart:
    general: str  # as titles spell it, without a side
    system: str | None  # every body part of this Medical and Surgical body system ...
    parts: tuple[str, ...]  # ... or these names ("*" is any text)

    def contains(self, system: str, meaning: str) -> bool:
        """Whether a body part (its body system character and name) lies within."""
        if meaning == self.general:
            return False
        if self.system is not None:
            return system == self.system
        return any(fnmatchcase(meaning, p) for p in self.parts)


def parse_general_parts(data: object, name: str = GENERAL_PARTS_FILE) -> tuple[GeneralPart, ...]:
    data = versioned(data, name)
    out = []
    for i, entry in enumerate(data.get("entries", [])):
        where = f"{name} entry {i + 1}"
        general, system, parts = entry.get("general"), entry.get("system"), entry.get("parts")
        if not isinstance(general, str) or not general:
            raise KnowledgeError(f"{where}: needs a 'general' body part name")
        if (system is None) == (parts is None):
            raise KnowledgeError(f"{where}: needs either 'system' or 'parts'")
        if system is not None and not (isinstance(system, str) and _SYSTEM.fullmatch(system)):
            raise KnowledgeError(f"{where}: 'system' must be one body-system character")
        if parts is not None and not (
            isinstance(parts, list) and parts and all(isinstance(p, str) for p in parts)
        ):
            raise KnowledgeError(f"{where}: 'parts' must be a list of names")
        out.append(GeneralPart(general, system, tuple(parts or ())))
    return tuple(out)


@lru_cache(maxsize=1)
def load_general_parts() -> tuple[GeneralPart, ...]:
    return parse_general_parts(read_rules(GENERAL_PARTS_FILE))


def containment(
    entries: Iterable[GeneralPart], body_parts: Iterable[tuple[str, str]]
) -> dict[str, tuple[str, ...]]:
    """General value -> the body-part names (of ``body_parts``: body system character,
    name) it contains."""
    named = sorted(set(body_parts))
    return {
        e.general: tuple(dict.fromkeys(m for s, m in named if e.contains(s, m))) for e in entries
    }
