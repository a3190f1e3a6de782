"""Implanted device systems and operations coded by their parts
(``rules/device_systems.json``): a dual-chamber pacemaker is its generator and each of its
leads, each an ICD-10-PCS Insertion of its own; a total hysterectomy is the Resection of the
uterus and of the cervix."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.errors import KnowledgeError
from assistant.knowledge.qualifiers import whole_words
from assistant.knowledge.rules_file import read_rules, versioned

DEVICE_SYSTEMS_FILE = "rules/device_systems.json"
# a statement about an existing device, not the implantation of a whole system
_NOT_IMPLANTATION = re.compile(
    r"\b(?:change|changed|exchange\w*|replace\w*|revis\w*|remov\w*|explant\w*|extract\w*|"
    r"interrogat\w*|check|reprogram\w*|upgrade\w*|reposition\w*|generator only)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DeviceSystem:
    name: str
    words: re.Pattern[str]
    components: tuple[str, ...]  # phrases in ICD-10-PCS title words


def parse_device_systems(data: object, name: str = DEVICE_SYSTEMS_FILE) -> tuple[DeviceSystem, ...]:
    data = versioned(data, name)
    out = []
    for i, entry in enumerate(data.get("systems", [])):
        where = f"{name} system {i + 1}"
        components = entry.get("components")
        if (
            not isinstance(entry.get("name"), str)
            or not components
            or not all(isinstance(c, str) and c for c in components)
        ):
            raise KnowledgeError(f"{where}: needs a 'name' and a list of 'components'")
        out.append(
            DeviceSystem(entry["name"], whole_words(entry.get("words"), where), tuple(components))
        )
    return tuple(out)


@lru_cache(maxsize=1)
def load_device_systems() -> tuple[DeviceSystem, ...]:
    return parse_device_systems(read_rules(DEVICE_SYSTEMS_FILE))


APPROACH_SLOT = "{approach}"


def coded_by_parts(statement: str) -> tuple[DeviceSystem, ...]:
    """The device systems and operations a procedure statement names whole ("TAH-BSO":
    the total hysterectomy and the bilateral salpingo-oophorectomy)."""
    lower = statement.lower()
    if _NOT_IMPLANTATION.search(lower):
        return ()
    return tuple(s for s in load_device_systems() if s.words.search(lower))


def part_text(part: str, approach: str | None) -> str:
    """A part with the approach named ("resection of uterus, open"), or without one."""
    if APPROACH_SLOT not in part:
        return part
    if approach:
        return part.replace(APPROACH_SLOT, f"{approach.lower()} approach")
    return part.replace(f", {APPROACH_SLOT}", "").replace(APPROACH_SLOT, "").strip()
