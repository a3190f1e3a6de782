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
    # the values in their natural order, for titles naming a range ("stage 1 through
    # stage 4"): empty when the axis has none
    order: tuple[str, ...] = ()
    # a query naming two of the values apart speaks of two conditions ("AKI on CKD":
    # acute kidney failure, chronic kidney disease) and names none of them for the codes
    several_open: bool = False

    def value(self, lower_text: str) -> str | None:
        named = self.naming(lower_text)
        return named[0] if named is not None else None

    def query_value(self, lower_query: str) -> str | None:
        """The value a query names (None where it names two values apart and the group
        reads that as two conditions)."""
        named = self.value(lower_query)
        if named is None or not self.several_open:
            return named
        return named if len({name for _, _, name in self._spans(lower_query)}) == 1 else None

    def _spans(self, lower_text: str) -> list[tuple[int, int, str]]:
        """Where each value is named, in text order; a value's words inside an earlier
        listed value's ("acute" in "acute on chronic") are not."""
        spans: list[tuple[int, int, str]] = []
        for v in self.values:
            for m in v.pattern.finditer(lower_text):
                if all(m.end() <= s or m.start() >= e for s, e, _ in spans):
                    spans.append((m.start(), m.end(), v.name))
        return sorted(spans)

    def naming(self, lower_text: str) -> tuple[str, re.Match[str]] | None:
        """The value a text names and the words that name it (None: none, or left open)."""
        if self.open is not None and self.open.search(lower_text):
            return None
        for v in self.values:
            m = v.pattern.search(lower_text)
            if m is not None:
                return v.name, m
        return None

    def names(self, lower_text: str) -> frozenset[str]:
        """Every value a title names: the first (see :meth:`naming`) and the values joined
        to it as alternatives or a range ("with stage 5 chronic kidney disease or end stage
        renal disease"; "stage 1 through stage 4", which names the stages between too).
        Words that hold another value ("acute" in "acute on chronic") name nothing more."""
        first = self.naming(lower_text)
        if first is None:
            return frozenset()
        spans = self._spans(lower_text)
        at = next(i for i, (s, _, _) in enumerate(spans) if s == first[1].start())
        lo = hi = at
        while lo > 0 and _JOINED.fullmatch(lower_text[spans[lo - 1][1] : spans[lo][0]]):
            lo -= 1
        while hi + 1 < len(spans) and _JOINED.fullmatch(
            lower_text[spans[hi][1] : spans[hi + 1][0]]
        ):
            hi += 1
        out = {name for _, _, name in spans[lo : hi + 1]}
        for a, b in zip(spans[lo:hi], spans[lo + 1 : hi + 1], strict=True):
            between = lower_text[a[1] : b[0]]
            if _RANGE.search(between) and a[2] in self.order and b[2] in self.order:
                i, j = sorted((self.order.index(a[2]), self.order.index(b[2])))
                out.update(self.order[i : j + 1])
        return frozenset(out)

    def leaves_open(self, lower_text: str) -> bool:
        return self.open is not None and bool(self.open.search(lower_text))

    def applies_to(self, lower_title: str) -> bool:
        return self.scope is None or bool(self.scope.search(lower_title))


# the words between two values a title names as alternatives or a range: a connector
# among a few words ("stage 5 chronic kidney disease or end stage", "stage 1 through
# stage 4"), not a sentence's other parts
_JOINED = re.compile(
    r"(?:[\s,]+[a-z()-]+){0,4}?[\s,]+(?:or|and/or|through)(?:[\s,]+[a-z()-]+){0,4}?[\s,]+"
)
_RANGE = re.compile(r"\bthrough\b")


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
        order = tuple(str(o) for o in g.get("order", []))
        if set(order) - {v.name for v in values}:
            raise KnowledgeError(f"{where}: 'order' names a value the group does not have")
        several = g.get("several")
        if several not in (None, "open"):
            raise KnowledgeError(f"{where}: 'several' may only be 'open'")
        groups.append(
            Group(
                g["axis"],
                values,
                scope,
                default,
                absent == "default",
                opened,
                order,
                several == "open",
            )
        )
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
    return tuple(g.query_value(lower_query) for g in groups)


# A group a title is outside of (its scope does not apply).
_OUTSIDE = "\x00outside"
# A title that says the axis is open ("not specified as primary or secondary"): it
# contradicts a query that names a value
_OPEN = "\x00open"


@lru_cache(maxsize=262144)
def title_values(
    groups: tuple[Group, ...], lower_title: str
) -> tuple[str | frozenset[str] | None, ...]:
    """What a title says for each group: the values it names (titles do not change:
    cached per title)."""
    out: list[str | frozenset[str] | None] = []
    for group in groups:
        if not group.applies_to(lower_title):
            out.append(_OUTSIDE)
            continue
        if group.leaves_open(lower_title):
            out.append(_OPEN)
            continue
        have = group.names(lower_title)
        if not have and group.absent_is_default and group.default is not None:
            have = frozenset({group.default})
        out.append(have or None)
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
        if have is None or isinstance(have, str):
            unmatched += want is not None
            continue
        if want is not None:
            if want in have:
                agree += 1
            else:
                conflict += 1
        elif group.default is not None and group.default not in have:
            non_default += 1
    return Agreement(agree, conflict, non_default, unmatched)
