"""The usual approach of common ICD-10-PCS procedures (``rules/pcs_usual_approach.json``):
an intubation goes through the mouth, a cataract lens is replaced Percutaneous, a LEEP
goes through the vagina. Read when the text names no approach."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.errors import KnowledgeError
from assistant.knowledge.rules_file import read_rules, versioned

USUAL_APPROACH_FILE = "rules/pcs_usual_approach.json"
_TABLE = re.compile(r"[0-9A-HJ-NP-Z]{3}")
_VALUES = re.compile(r"[0-9A-HJ-NP-Z]*")


@dataclass(frozen=True)
class UsualApproach:
    table: str  # the first three characters
    parts: str  # body-part characters ("" = all)
    devices: str  # device characters ("" = any)
    approach: str  # the approach character
    why: str

    def holds(self, code: str) -> bool:
        """Whether the entry speaks of ``code`` (any approach)."""
        return (
            code[:3] == self.table
            and (not self.parts or code[3] in self.parts)
            and (not self.devices or code[5] in self.devices)
        )


def parse_usual_approaches(
    data: object, name: str = USUAL_APPROACH_FILE
) -> tuple[UsualApproach, ...]:
    data = versioned(data, name)
    out = []
    for i, entry in enumerate(data.get("entries", [])):
        where = f"{name} entry {i + 1}"
        if not isinstance(entry, dict):
            raise KnowledgeError(f"{where}: expected an object")
        table, parts, devices = entry.get("table"), entry.get("parts"), entry.get("devices")
        approach, why = entry.get("approach"), entry.get("why")
        if not (isinstance(table, str) and _TABLE.fullmatch(table)):
            raise KnowledgeError(f"{where}: 'table' must be three code characters")
        for field, value in (("parts", parts), ("devices", devices)):
            if not (isinstance(value, str) and _VALUES.fullmatch(value)):
                raise KnowledgeError(f"{where}: {field!r} must be code characters ('' = any)")
        if not (isinstance(approach, str) and len(approach) == 1 and _VALUES.fullmatch(approach)):
            raise KnowledgeError(f"{where}: 'approach' must be one code character")
        if not (isinstance(why, str) and why):
            raise KnowledgeError(f"{where}: needs a 'why'")
        out.append(UsualApproach(table, str(parts), str(devices), approach, why))
    return tuple(out)


@lru_cache(maxsize=1)
def load_usual_approaches() -> tuple[UsualApproach, ...]:
    return parse_usual_approaches(read_rules(USUAL_APPROACH_FILE))


def by_table(entries: tuple[UsualApproach, ...]) -> dict[str, tuple[UsualApproach, ...]]:
    """The entries grouped by the table they speak of (asked once per scored code)."""
    out: dict[str, list[UsualApproach]] = {}
    for e in entries:
        out.setdefault(e.table, []).append(e)
    return {table: tuple(found) for table, found in out.items()}


def usual_approach(code: str, tables: dict[str, tuple[UsualApproach, ...]]) -> UsualApproach | None:
    """The entry that gives ``code``'s procedure a usual approach, if any (``tables``:
    the entries by table, see :func:`by_table`)."""
    return next((e for e in tables.get(code[:3], ()) if e.holds(code)), None)
