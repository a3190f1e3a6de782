"""The ICD-10-PCS body part key in general form (``rules/pcs_body_part_key.json``): words
that name a structure more specifically than PCS tables do, and the general body parts
they are coded to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.errors import KnowledgeError
from assistant.knowledge.rules_file import read_rules, versioned

BODY_PART_KEY_FILE = "rules/pcs_body_part_key.json"


@dataclass(frozen=True)
class KeyEntry:
    pattern: re.Pattern[str]
    means: tuple[str, ...]  # PCS body-part names


def parse_key(data: object, name: str = BODY_PART_KEY_FILE) -> tuple[KeyEntry, ...]:
    data = versioned(data, name)
    out = []
    for i, entry in enumerate(data.get("entries", [])):
        where = f"{name} entry {i + 1}"
        patterns, means = entry.get("patterns"), entry.get("means")
        if not patterns or not means or not all(isinstance(x, str) for x in [*patterns, *means]):
            raise KnowledgeError(f"{where}: needs 'patterns' and 'means' lists of strings")
        try:
            # longer names first, so a match is the longest name ("sigmoid colectomy",
            # not "sigmoid")
            longest_first = sorted(patterns, key=len, reverse=True)
            pattern = re.compile(r"\b(?:" + "|".join(longest_first) + r")\b")
        except re.error as exc:
            raise KnowledgeError(f"{where}: bad pattern ({exc})") from exc
        out.append(KeyEntry(pattern, tuple(means)))
    return tuple(out)


@lru_cache(maxsize=1)
def load_key() -> tuple[KeyEntry, ...]:
    return parse_key(read_rules(BODY_PART_KEY_FILE))


def general_parts(lower_text: str, key: tuple[KeyEntry, ...]) -> list[str]:
    """The general body parts the text's specific structures are coded to. A name inside a
    longer one that the key also knows says nothing of its own ("sigmoid colectomy" is the
    Sigmoid Colon, not also the whole Large Intestine that "colectomy" names)."""
    found = [(m.start(), m.end(), e.means) for e in key for m in e.pattern.finditer(lower_text)]
    kept = [
        means
        for start, end, means in found
        if not any(a <= start and end <= b and (a, b) != (start, end) for a, b, _ in found)
    ]
    # a name that stands for one of several parts ("microdiscectomy": a cervical, thoracic,
    # lumbar or lumbosacral disc) is the one another name says ("L5-S1") or the one whose
    # own words the text uses ("labrum, left shoulder": the Shoulder Joint), and yields to
    # a structure named by itself ("Achilles tenotomy": not any tendon of the body)
    words = set(_WORD.findall(lower_text))
    single = any(len(means) == 1 for means in kept)
    out: list[str] = []
    for i, means in enumerate(kept):
        if len(means) > 1 and len(kept) > 1:
            others = {m for j, other in enumerate(kept) if j != i for m in other}
            chosen = tuple(m for m in means if m in others) or tuple(
                m for m in means if (set(_WORD.findall(m.lower())) - _GENERIC_WORDS) & words
            )
            means = chosen if chosen or single else means
        out.extend(means)
    return list(dict.fromkeys(out))


_WORD = re.compile(r"[a-z]+")
# words many body-part names share, which do not tell one alternative from another
_GENERIC_WORDS = frozenset(
    [
        "joint",
        "joints",
        "tendon",
        "muscle",
        "bursa",
        "ligament",
        "and",
        "region",
        "disc",
        "vertebral",
        "bone",
        "nerve",
        "artery",
        "vein",
        "gland",
        "tissue",
        "fascia",
        "subcutaneous",
        "of",
    ]
)
