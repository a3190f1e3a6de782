"""Scenes: what people describe in their own words, read from the words it needs together.

A lexicon term is a phrase matched as written ("heart attack"); people describing a procedure
or a complaint put the same ideas in any order and with any words between them ("they put a
shunt in my son's head to drain the water into his tummy"). A scene names the groups of cue
words such a description always holds (a shunt or drain; the brain or head; the belly or
tummy) and what it means in code-title words. Data lives in ``scenes/*.json``::

    {"version": 1, "domain": "procedures_nervous", "about": "...",
     "entries": [
        {"name": "shunt from the brain to the belly",
         "cues": [["shunt"], ["brain", "head", "skull"], ["belly", "tummy", "abdomen"]],
         "unless": ["remov*", "take out"],
         "means": ["Bypass Cerebral Ventricle to Peritoneal Cavity with Synthetic Substitute"],
         "systems": ["ICD-10-PCS"],
         "examples": ["they put a shunt from my brain to my belly to drain the fluid"]}
     ]}

A scene applies when every cue group has a cue in the text and no ``unless`` cue is there.
A cue is a word or several words in a row, matched whole and case-blind; a word also matches
its plural ("tube" finds "tubes"), and a word ending in ``*`` matches every word it begins
("drain*": drained, drainage). ``examples`` are descriptions the scene must read (tested).
A file with ``"told_only": true`` holds scenes of what people tell in their own words ("my
water broke"): a query without a person in it (a chart's "34 wk preemie w/ RDS") names its
condition itself, and those scenes stay out of it.
Written from general medical and coding knowledge, broad over body systems; never from
evaluation queries.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from assistant.errors import KnowledgeError
from assistant.knowledge.lexicon import code_set_list, entries_of, read_folder, string_list

SCENES_VERSION = 1
# the most words from a scene's first cue to its last: one description, not a whole note
MAX_SCENE_WORDS = 30
_WORD = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")


@dataclass(frozen=True)
class Cue:
    """Words in a row; a word ending in ``*`` is a prefix."""

    words: tuple[str, ...]

    def find(self, words: list[str]) -> int | None:
        """Index of the first word of this cue in ``words``, or None."""
        n = len(self.words)
        for i in range(len(words) - n + 1):
            if all(_word_matches(c, w) for c, w in zip(self.words, words[i : i + n], strict=True)):
                return i
        return None


def _word_matches(cue: str, word: str) -> bool:
    if cue.endswith("*"):
        return word.startswith(cue[:-1])
    return word == cue or word in (cue + "s", cue + "es")


@dataclass(frozen=True)
class Scene:
    name: str
    cues: tuple[tuple[Cue, ...], ...]  # every group needs one of its cues
    unless: tuple[Cue, ...]
    means: tuple[str, ...]
    systems: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    domain: str = ""
    told_only: bool = False  # read only in someone's telling ("my", "she"), not in a chart

    def applies(self, system: str | None) -> bool:
        return not self.systems or system is None or system in self.systems

    def found(self, words: list[str]) -> list[tuple[int, int]] | None:
        """(first word, words) of one cue per group, or None when the scene is not there."""
        if any(c.find(words) is not None for c in self.unless):
            return None
        at = []
        for group in self.cues:
            hits = [(i, len(c.words)) for c in group if (i := c.find(words)) is not None]
            if not hits:
                return None
            at.append(min(hits))
        return at


@dataclass(frozen=True)
class SceneMatch:
    scene: Scene
    start: int  # character span of the text from the first cue found to the last
    end: int
    cues: tuple[tuple[int, int], ...] = ()  # character span of each cue found


def _cues(value: Any, where: str, field: str) -> tuple[Cue, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise KnowledgeError(f"{where}: {field!r} must be a list of non-empty strings")
    out = []
    for v in value:
        words = tuple(v.lower().split())
        if not all(_WORD.fullmatch(w.rstrip("*")) for w in words):
            raise KnowledgeError(f"{where}: cue {v!r} is not plain words")
        out.append(Cue(words))
    return tuple(out)


def parse_scenes(data: Any, name: str) -> tuple[str, list[Scene]]:
    """(domain@version, scenes) of one scene file's parsed JSON."""
    entries_of(data, name, "scene", SCENES_VERSION)
    domain = str(data.get("domain") or name.removesuffix(".json"))
    told_only = data.get("told_only", False)
    if not isinstance(told_only, bool):
        raise KnowledgeError(f"{name}: 'told_only' is true or false")
    out = []
    for i, entry in enumerate(data["entries"]):
        where = f"{name} entry {i + 1}"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise KnowledgeError(f"{where}: needs a 'name' string")
        groups = entry.get("cues")
        if not isinstance(groups, list) or not groups:
            raise KnowledgeError(f"{where}: 'cues' must be a non-empty list of cue lists")
        cues = tuple(_cues(g, where, "cues") for g in groups)
        if len(cues) == 1 and any(len(c.words) == 1 for c in cues[0]):
            raise KnowledgeError(f"{where}: one cue group needs cues of several words")
        systems = code_set_list(entry.get("systems"), where)
        unless = entry.get("unless")
        out.append(
            Scene(
                name=" ".join(entry["name"].split()),
                cues=cues,
                unless=_cues(unless, where, "unless") if unless is not None else (),
                means=string_list(entry.get("means"), where, "means", required=True),
                systems=systems,
                examples=string_list(entry.get("examples"), where, "examples"),
                domain=domain,
                told_only=told_only,
            )
        )
    return f"{domain}@{data['version']}", out


class Scenes:
    """Scenes with an index from the first word of each cue to the groups it can fill, so
    that a text is checked only against the scenes every group of which it can fill."""

    _PREFIX_KEY = 3  # letters of a prefix cue ("drain*") its bucket is keyed by

    def __init__(self, items: Iterable[Scene]) -> None:
        self.items = tuple(items)
        self._exact: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self._prefixes: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
        self._short: list[tuple[str, int, int]] = []  # prefixes shorter than the key
        for i, scene in enumerate(self.items):
            for g, group in enumerate(scene.cues):
                for cue in group:
                    first = cue.words[0]
                    if not first.endswith("*"):
                        self._exact[first].append((i, g))
                    elif len(first) - 1 >= self._PREFIX_KEY:
                        self._prefixes[first[: self._PREFIX_KEY]].append((first[:-1], i, g))
                    else:
                        self._short.append((first[:-1], i, g))

    def __iter__(self) -> Iterator[Scene]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def candidates(self, words: Iterable[str]) -> list[Scene]:
        """The scenes each group of which has a cue whose first word is among ``words``."""
        hit: dict[int, set[int]] = defaultdict(set)
        for w in set(words):
            for key in {w, w[:-1] if w.endswith("s") else w, w[:-2] if w.endswith("es") else w}:
                for i, g in self._exact.get(key, ()):
                    hit[i].add(g)
            for prefix, i, g in (*self._prefixes.get(w[: self._PREFIX_KEY], ()), *self._short):
                if w.startswith(prefix):
                    hit[i].add(g)
        return [self.items[i] for i in sorted(hit) if len(hit[i]) == len(self.items[i].cues)]


def build_scenes(files: Iterable[tuple[str, Any]]) -> Scenes:
    scenes: list[Scene] = []
    for name, data in files:
        scenes.extend(parse_scenes(data, name)[1])
    return Scenes(scenes)


@lru_cache(maxsize=1)
def load_scenes() -> Scenes:
    """The packaged scenes (every ``scenes/*.json``), parsed once per process."""
    return build_scenes(read_folder("scenes"))


def find_scenes(text: str, scenes: Iterable[Scene], system: str | None = None) -> list[SceneMatch]:
    """The scenes ``text`` describes, each with the span from its first cue to its last
    (through the index of :class:`Scenes`; any other collection is checked scene by
    scene)."""
    found = list(_WORD.finditer(text))
    words = [m.group(0).lower() for m in found]
    out = []
    for scene in scenes.candidates(words) if isinstance(scenes, Scenes) else scenes:
        if not scene.applies(system):
            continue
        at = scene.found(words)
        if at is None:
            continue
        first = min(i for i, _ in at)
        last = max(i + n - 1 for i, n in at)
        if last - first >= MAX_SCENE_WORDS:
            continue
        cues = tuple(sorted((found[i].start(), found[i + n - 1].end()) for i, n in at))
        out.append(SceneMatch(scene, found[first].start(), found[last].end(), cues))
    return out


def described(
    text: str,
    scenes: Iterable[Scene],
    system: str | None,
    *,
    told: bool,
    negated: Sequence[tuple[int, int]] = (),
    terms: Sequence[tuple[int, int]] = (),
) -> list[SceneMatch]:
    """The scenes ``text`` describes: not one whose cue it negates (``negated`` spans: "didn't
    use any mesh", "no exacerbation"), nor one whose every cue lies in a term the lexicon
    already read (``terms``: "CABG" says which bypass, a scene only "bypass"), nor a scene
    of what people tell when nobody tells it (``told``: a chart's "34 wk preemie w/ RDS"
    names its condition itself)."""

    def within(spans: Sequence[tuple[int, int]], a: int, b: int) -> bool:
        return any(x <= a and b <= y for x, y in spans)

    return [
        m
        for m in find_scenes(text, scenes, system)
        if (told or not m.scene.told_only)
        and not any(within(negated, a, b) for a, b in m.cues)
        and not all(within(terms, a, b) for a, b in m.cues)
    ]
