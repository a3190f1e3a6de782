"""Status after a procedure (``rules/status_after.json``): "s/p CABG" is the presence of an
aortocoronary bypass graft (Z95.1), "status post right mastectomy" the acquired absence
of the right breast (Z90.11), "prior total knee replacement" the presence of an
artificial knee joint (Z96.65-). Guideline I.C.21.c.3: a status code says what a past
procedure left.

:func:`statuses_after` finds them in a text, each with its span (``text[start:end]``)
and the words to search the status titles with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.errors import KnowledgeError
from assistant.knowledge.lexicon import load_lexicon
from assistant.knowledge.morphology import decompose
from assistant.knowledge.qualifiers import whole_words
from assistant.knowledge.rules_file import read_rules, versioned

STATUS_FILE = "rules/status_after.json"
CLAUSE_CHARS = 100  # how far a trigger's procedure may run
# where the procedures named after a trigger end, and what separates them (a date too:
# "s/p CABG in 2016 and PCI")
_CLAUSE_END = re.compile(r"[.;:()\n]")
_PARTS = re.compile(
    r",|\band\b|\bwith\b|\bfollowed by\b|\+|\b(?:in|on|since|at age)\s+(?:\d|\w+ \d)\S*"
)
_NEGATED = re.compile(r"\b(?:no|denies|denied|without|never|not|negative for)\b")
_OTHER_PERSON = re.compile(
    r"\b(?:family|mother|father|sister|brother|aunt|uncle|grand\w+|son|daughter|sibling)\b"
)
_SIDE = re.compile(r"\b(right|left|bilateral|both|rt|lt|r|l)\b")
_SIDE_WORDS = {"rt": "right", "r": "right", "lt": "left", "l": "left", "both": "bilateral"}


@dataclass(frozen=True)
class Status:
    name: str
    words: re.Pattern[str]
    wording: str  # {organ}, {text}
    prefixes: tuple[str, ...]
    unless: re.Pattern[str] | None = None
    text_words: tuple[tuple[str, str], ...] = ()  # a word as the status titles say it


@dataclass(frozen=True)
class StatusRules:
    triggers: re.Pattern[str]
    statuses: tuple[Status, ...]
    states: tuple[Status, ...]  # named by themselves ("pseudophakia")
    organs: tuple[tuple[str, str], ...]  # organ -> acquired-absence title words


@dataclass(frozen=True)
class StatusFound:
    """A status the text states: its words in the text and what to search for."""

    start: int
    end: int
    name: str
    search: str
    prefixes: tuple[str, ...]


def _status(entry: object, where: str) -> Status:
    if not isinstance(entry, dict):
        raise KnowledgeError(f"{where}: expected an object")
    name, wording, prefixes = entry.get("name"), entry.get("wording"), entry.get("prefixes")
    if not isinstance(name, str) or not isinstance(wording, str) or not prefixes:
        raise KnowledgeError(f"{where}: needs 'name', 'wording' and 'prefixes'")
    if not all(isinstance(p, str) and p.startswith("Z") for p in prefixes):
        raise KnowledgeError(f"{where}: prefixes are status codes (Z...)")
    unless = entry.get("unless")
    text_words = entry.get("text_words", {})
    if not isinstance(text_words, dict):
        raise KnowledgeError(f"{where}: 'text_words' is an object")
    return Status(
        name,
        whole_words(entry.get("words", []), where),
        wording,
        tuple(prefixes),
        whole_words(unless, where, prefix=True) if unless else None,
        tuple((str(k), str(v)) for k, v in text_words.items()),
    )


def parse_status_rules(data: object, name: str = STATUS_FILE) -> StatusRules:
    data = versioned(data, name)
    organs = data.get("organs")
    if not isinstance(organs, dict) or not organs:
        raise KnowledgeError(f"{name}: needs 'organs'")
    return StatusRules(
        whole_words(data.get("triggers", []), f"{name} triggers"),
        tuple(_status(e, f"{name} status {i + 1}") for i, e in enumerate(data.get("statuses", []))),
        tuple(_status(e, f"{name} state {i + 1}") for i, e in enumerate(data.get("states", []))),
        tuple(sorted(((str(k), str(v)) for k, v in organs.items()), key=lambda kv: -len(kv[0]))),
    )


@lru_cache(maxsize=1)
def load_status_rules() -> StatusRules:
    return parse_status_rules(read_rules(STATUS_FILE))


def _organ(words: str, rules: StatusRules) -> str | None:
    """The acquired-absence words for the organ a removal names: the root of an
    "-ectomy" word ("cholecystectomy": the gallbladder), else an organ named in words."""
    organs = dict(rules.organs)
    for word in re.findall(r"[a-z]+ectom(?:y|ies)", words):
        parts = decompose(word, load_lexicon())
        roots = [p for p in parts.parts if p.kind == "combining_form"] if parts else []
        for root in reversed(roots):  # "salpingo-oophorectomy": the last part removed
            for meaning in root.means:
                if meaning in organs:
                    return organs[meaning]
    for organ, wording in rules.organs:
        if re.search(rf"\b{re.escape(organ)}s?\b", words):
            return wording
    return None


def _search_text(status: Status, words: str, side: str | None, rules: StatusRules) -> str | None:
    text = words
    for word, said in status.text_words:
        text = re.sub(rf"\b{re.escape(word)}\b", said, text)
    values = {"text": text, "organ": ""}
    if "{organ}" in status.wording:
        organ = _organ(words, rules)
        if organ is None:
            return None  # an organ whose absence coders do not report
        values["organ"] = organ
    search = status.wording.format(**values)
    if side and side not in search:
        search += f", {side}"
    return search


def statuses_after(text: str) -> list[StatusFound]:
    """The statuses ``text`` states, once each, in text order."""
    rules = load_status_rules()
    lower = text.lower()
    found: dict[str, StatusFound] = {}
    for trigger in rules.triggers.finditer(lower):
        sentence_start = _sentence_start(lower, trigger.start())
        before = lower[sentence_start : trigger.start()]
        if _NEGATED.search(before) or _OTHER_PERSON.search(before):
            continue
        tail = lower[trigger.end() : trigger.end() + CLAUSE_CHARS]
        end = _CLAUSE_END.search(tail)
        clause_end = trigger.end() + (end.start() if end else len(tail))
        start = trigger.end()
        clause = lower[start:clause_end]
        for part in _PARTS.split(clause):
            at = lower.index(part, start) if part else start
            start = at + len(part)
            hit = _first(rules.statuses, part, clause)
            if hit is None:
                continue
            status, m = hit
            side = _side(part) or _side(lower[sentence_start:at], last=True)
            search = _search_text(status, m.group(0), side, rules)
            if search is not None and status.name not in found:
                found[status.name] = StatusFound(
                    at + m.start(), at + m.end(), status.name, search, status.prefixes
                )
    for status in rules.states:
        for m in status.words.finditer(lower):
            sentence_start = _sentence_start(lower, m.start())
            if _NEGATED.search(lower[sentence_start : m.start()]) or status.name in found:
                continue
            side = _side(lower[sentence_start : m.end() + CLAUSE_CHARS // 4])
            search = _search_text(status, m.group(0), side, rules)
            if search is not None:
                found[status.name] = StatusFound(
                    m.start(), m.end(), status.name, search, status.prefixes
                )
    return sorted(found.values(), key=lambda f: f.start)


def _first(
    statuses: tuple[Status, ...], part: str, clause: str
) -> tuple[Status, re.Match[str]] | None:
    """The first status ``part`` names, unless its clause undoes it ("colostomy, reversed")."""
    for status in statuses:
        m = status.words.search(part)
        if m is not None:
            if status.unless is not None and status.unless.search(clause):
                return None
            return status, m
    return None


def _side(words: str, last: bool = False) -> str | None:
    """The side ``words`` name (the last one, with ``last``: the nearest before a match)."""
    sides = [m.group(1) for m in _SIDE.finditer(words)]
    if not sides:
        return None
    side = sides[-1] if last else sides[0]
    return _SIDE_WORDS.get(side, side)


def _sentence_start(lower: str, at: int) -> int:
    cut = max(lower.rfind(".", 0, at), lower.rfind(";", 0, at), lower.rfind("\n\n", 0, at))
    return cut + 1 if cut >= 0 else 0
