"""How a query's scenes are read: which scenes it describes (a negated cue, a cue inside a
lexicon term and, for condition scenes, chart shorthand read none), how they reword the
query, and the expansions they add."""

from __future__ import annotations

import re

from assistant.expansion import Expansion
from assistant.knowledge.phrases import Match
from assistant.knowledge.scenes import SceneMatch, described, load_scenes
from assistant.query_words import NEGATED_PHRASE, NOT_DONE, NUMERAL


def reworded(text: str, matches: list[Match], scenes: list[SceneMatch]) -> str:
    """The query reworded: each lexicon term replaced by its first meaning, and the cue
    words of each scene by its first meaning (said where its first cue stands)."""
    spans = [(m.start, m.end, m.senses[0].means[0]) for m in matches]
    for s in scenes:
        for i, (a, b) in enumerate(s.cues):
            if not any(x < b and a < y for x, y, _ in spans):
                spans.append((a, b, s.scene.means[0] if i == 0 else ""))
    pieces: list[str] = []
    pos = 0
    for a, b, said in sorted(spans):
        if a < pos:
            continue
        pieces.extend([text[pos:a], f" {said} "])
        pos = b
    pieces.append(text[pos:])
    return " ".join("".join(pieces).split())


# a sentence told by a patient or a relative ("my son has croup", "I've got shingles"):
# chart phrasing names conditions in lists and rarely speaks in the first person ("grade
# I", "type I" are numerals, not the speaker: they are read out first)
_PERSONAL = re.compile(
    r"\b(?:i|i'?m|i'?ve|me|my|we|our|us|he|she|his|her|him|they|their|them)\b", re.IGNORECASE
)


def told_by_a_person(text: str) -> bool:
    return bool(_PERSONAL.search(NUMERAL.sub(" ", text)))


def scenes_described(query: str, system: str | None, matches: list[Match]) -> list[SceneMatch]:
    """The scenes the query describes, read as :func:`described` says."""
    return described(
        query,
        load_scenes(),
        system,
        told=told_by_a_person(query),
        negated=[m.span() for p in (NOT_DONE, NEGATED_PHRASE) for m in p.finditer(query)],
        terms=[(m.start, m.end) for m in matches],
    )


def scene_expansions(query: str, scenes: list[SceneMatch], system: str | None) -> list[Expansion]:
    """What the query describes in its own words, scene by scene: a diagnosis scene by its
    first meaning (the condition; later ones are other conditions the words could name)."""
    return [
        Expansion(
            query[m.start : m.end], means, "scene", f"scenes:{m.scene.domain}", m.start, m.end
        )
        for m in scenes
        for means in (m.scene.means[:1] if system == "ICD-10-CM" else m.scene.means)
    ]
