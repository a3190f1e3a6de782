"""Mutually exclusive qualifiers of code titles (``rules/qualifiers.json``): diabetes type,
acuity, stage, severity, trimester, fracture exposure and displacement, intractability...

For each group a text names at most one value (the first listed whose pattern matches).
A title that names another value than the query contradicts it; where the coding
conventions name a default value, a title with a non-default value needs the query to
ask for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.errors import KnowledgeError
from assistant.knowledge.rules_file import read_rules, versioned

QUALIFIERS_FILE = "rules/qualifiers.json"


@dataclass(frozen=True)
class Value:
    name: str
    pattern: re.Pattern[str]


@dataclass(frozen=True, eq=False)  # hashed by identity: a cache key, cheap to hash
class Group:
    axis: str
    values: tuple[Value, ...]
    scope: re.Pattern[str] | None = None  # titles the group applies to (None: all)
    default: str | None = None
    absent_is_default: bool = False  # a title in scope naming no value names the default
    # words that leave the axis open ("not specified as primary or secondary"): a text
    # saying them names no value, not even the default
    open: re.Pattern[str] | None = None

    def value(self, lower_text: str) -> str | None:
        named = self.naming(lower_text)
        return named[0] if named is not None else None

    def naming(self, lower_text: str) -> tuple[str, re.Match[str]] | None:
        """The value a text names and the words that name it (None: none, or left open)."""
        if self.open is not None and self.open.search(lower_text):
            return None
        for v in self.values:
            m = v.pattern.search(lower_text)
            if m is not None:
                return v.name, m
        return None

    def leaves_open(self, lower_text: str) -> bool:
        return self.open is not None and bool(self.open.search(lower_text))

    def applies_to(self, lower_title: str) -> bool:
        return self.scope is None or bool(self.scope.search(lower_title))


def whole_words(patterns: list[str], where: str, *, prefix: bool = False) -> re.Pattern[str]:
    """Whole words (or, with ``prefix``, word beginnings: scope "diabet" finds "diabetes")."""
    if not patterns or not all(isinstance(p, str) and p for p in patterns):
        raise KnowledgeError(f"{where}: needs a non-empty list of patterns")
    tail = "" if prefix else r"\b"
    try:
        return re.compile(r"\b(?:" + "|".join(f"(?:{p})" for p in patterns) + ")" + tail)
    except re.error as exc:
        raise KnowledgeError(f"{where}: bad pattern ({exc})") from exc


def parse_groups(data: object, name: str = QUALIFIERS_FILE) -> tuple[Group, ...]:
    data = versioned(data, name)
    groups = []
    for i, g in enumerate(data.get("groups", [])):
        where = f"{name} group {i + 1}"
        if not isinstance(g, dict) or not isinstance(g.get("axis"), str):
            raise KnowledgeError(f"{where}: needs an 'axis'")
        values = tuple(
            Value(str(v["name"]), whole_words(v.get("patterns", []), f"{where} {v.get('name')}"))
            for v in g.get("values", [])
        )
        if len(values) < 2:
            raise KnowledgeError(f"{where}: a group needs at least two values")
        default = g.get("default")
        if default is not None and default not in {v.name for v in values}:
            raise KnowledgeError(f"{where}: default {default!r} is not one of its values")
        scope = whole_words(g["scope"], f"{where} scope", prefix=True) if g.get("scope") else None
        absent = g.get("absent")
        if absent not in (None, "default") or (absent and default is None):
            raise KnowledgeError(f"{where}: 'absent' may only be 'default', with a default")
        opened = whole_words(g["open"], f"{where} open") if g.get("open") else None
        groups.append(Group(g["axis"], values, scope, default, absent == "default", opened))
    return tuple(groups)


@lru_cache(maxsize=1)
def load_groups() -> tuple[Group, ...]:
    return parse_groups(read_rules(QUALIFIERS_FILE))


def group_named(axis: str) -> Group | None:
    """The packaged group of an axis ("history holder", "drug event")."""
    return next((g for g in load_groups() if g.axis == axis), None)


@dataclass(frozen=True)
class Agreement:
    """How a title's qualifiers stand to a query's: counts of groups that agree, that
    contradict, and whose title value is not the default the query implies."""

    agree: int = 0
    conflict: int = 0
    non_default: int = 0
    unmatched: int = 0  # groups whose value the query names and the title does not


def query_values(groups: tuple[Group, ...], lower_query: str) -> tuple[str | None, ...]:
    return tuple(g.value(lower_query) for g in groups)


# A group a title is outside of (its scope does not apply).
_OUTSIDE = "\x00outside"
# A title that says the axis is open ("not specified as primary or secondary"): it
# contradicts a query that names a value
_OPEN = "\x00open"


@lru_cache(maxsize=262144)
def title_values(groups: tuple[Group, ...], lower_title: str) -> tuple[str | None, ...]:
    """What a title says for each group (titles do not change: cached per title)."""
    out: list[str | None] = []
    for group in groups:
        if not group.applies_to(lower_title):
            out.append(_OUTSIDE)
            continue
        if group.leaves_open(lower_title):
            out.append(_OPEN)
            continue
        have = group.value(lower_title)
        out.append(group.default if have is None and group.absent_is_default else have)
    return tuple(out)


def agreement(
    groups: tuple[Group, ...], wanted: tuple[str | None, ...], lower_title: str
) -> Agreement:
    agree = conflict = non_default = unmatched = 0
    values = title_values(groups, lower_title)
    for group, want, have in zip(groups, wanted, values, strict=True):
        if have == _OUTSIDE:
            continue
        if have == _OPEN:
            conflict += want is not None
            continue
        if have is None:
            unmatched += want is not None
            continue
        if want is not None:
            if have == want:
                agree += 1
            else:
                conflict += 1
        elif group.default is not None and have != group.default:
            non_default += 1
    return Agreement(agree, conflict, non_default, unmatched)
