"""Medical word formation: a one-word term split into its parts and glossed in title words.

``cholecystitis`` = ``cholecyst`` (gallbladder) + ``itis`` (inflammation) ->
"inflammation gallbladder"; ``pyelonephritis`` = ``pyel`` + ``nephr`` + ``itis`` ->
"inflammation renal pelvis kidney". Parts come from the lexicon's morphology file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from assistant.knowledge.lexicon import Lexicon, WordPart

MIN_WORD = 6  # shorter words are not split
MIN_STEM_PART = 2
_LINKING_VOWELS = "oiae"


@dataclass(frozen=True)
class Decomposition:
    word: str
    parts: tuple[WordPart, ...]  # in word order, the suffix last

    @property
    def procedural(self) -> bool:
        """The suffix names procedures (root operations) only."""
        return self.parts[-1].systems == ("ICD-10-PCS",)

    @property
    def gloss(self) -> str:
        """Title words: the suffix's meaning first, then the roots' ("inflammation gallbladder")."""
        suffix = [p for p in self.parts if p.kind == "suffix"]
        roots = [p for p in self.parts if p.kind != "suffix"]
        return " ".join([*(s.means[0] for s in suffix), *(r.means[0] for r in roots)])


def _cover(stem: str, roots: tuple[WordPart, ...]) -> tuple[WordPart, ...] | None:
    """Greedy split of ``stem`` into roots and prefixes (longest first), allowing linking
    vowels between them; None if some of it is left unexplained."""
    if not stem:
        return ()
    if len(stem) <= 1 and stem in _LINKING_VOWELS:
        return ()
    for part in roots:
        if stem.startswith(part.form):
            rest = stem[len(part.form) :]
            if rest and rest[0] in _LINKING_VOWELS:
                tail = _cover(rest[1:], roots)
                if tail is not None:
                    return (part, *tail)
            tail = _cover(rest, roots)
            if tail is not None:
                return (part, *tail)
    return None


def decompose(word: str, lexicon: Lexicon, system: str | None = None) -> Decomposition | None:
    """``word`` as roots + suffix, every letter explained; None when it does not split."""
    return _decompose(word.lower(), lexicon, system)


@lru_cache(maxsize=4096)
def _decompose(word: str, lexicon: Lexicon, system: str | None) -> Decomposition | None:
    if len(word) < MIN_WORD or not word.isalpha():
        return None
    parts = [p for p in lexicon.parts if p.applies(system)]
    roots = tuple(p for p in parts if p.kind != "suffix" and len(p.form) >= MIN_STEM_PART)
    for suffix in (p for p in parts if p.kind == "suffix"):
        if not word.endswith(suffix.form) or len(word) - len(suffix.form) < MIN_STEM_PART:
            continue
        stem = word[: -len(suffix.form)]
        if stem[-1] in _LINKING_VOWELS and len(stem) > MIN_STEM_PART:
            covered = _cover(stem[:-1], roots) or _cover(stem, roots)
        else:
            covered = _cover(stem, roots)
        if covered:
            return Decomposition(word, (*covered, suffix))
    return None
