"""Stage "conventions": coding rules that move a candidate code's score.

- qualifiers: side, encounter (7th character) and approach named in the query agree or
  disagree with those in the code's title;
- coverage: a title term the query did not ask for costs a little, so an unspecific query
  meets the unspecified code and a qualifier such as "Diagnostic" must be asked for;
- billable resolution: a category or header is replaced by its best billable child.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Set
from dataclasses import dataclass
from functools import lru_cache

from assistant.query import APPROACHES, QueryAnalysis, first_match
from assistant.weights import WEIGHTS, Weights
from index.lexical import tokenize

_SIDES = (("right", re.compile(r"\bright\b")), ("left", re.compile(r"\bleft\b")))
_ENCOUNTERS = tuple(
    (name, re.compile(rf"\b{name}\b")) for name in ("sequela", "subsequent", "initial")
)
_TITLE_APPROACH = re.compile(r",\s*([^,]*?)\s+Approach$")
# stems that say nothing about the condition itself ("unspecified", "initial encounter")
_NEUTRAL = frozenset({"unspecifi", "approach", "specifi", "encount", "initi", "nos"})


def title_laterality(title: str) -> str | None:
    t = title.lower()
    if "bilateral" in t:
        return "bilateral"
    return first_match(_SIDES, t)


def title_encounter(title: str) -> str | None:
    return first_match(_ENCOUNTERS, title.lower())


def title_approach(title: str) -> str | None:
    m = _TITLE_APPROACH.search(title)
    return m.group(1) if m else None


@dataclass(frozen=True)
class TitleInfo:
    """What a code title says about side, encounter and approach, and its stemmed terms."""

    laterality: str | None
    encounter: str | None
    approach: str | None
    terms: frozenset[str]
    content: frozenset[str]  # the terms that count for coverage (not _NEUTRAL ones)


@lru_cache(maxsize=131072)
def title_info(title: str) -> TitleInfo:
    """Cached per title: the adjustments below run for hundreds of candidates a query."""
    approach = title_approach(title)
    if approach is None:
        approach = first_match(APPROACHES, title.lower())
    terms = frozenset(tokenize(title))
    return TitleInfo(
        title_laterality(title), title_encounter(title), approach, terms, terms - _NEUTRAL
    )


def qualifier_shift(analysis: QueryAnalysis, info: TitleInfo, w: Weights = WEIGHTS) -> float:
    """Side, encounter and approach: agreement raises, contradiction lowers the score.
    A title's encounter with none in the query is compared with the default (initial)."""
    shift = 0.0
    if analysis.laterality and info.laterality:
        shift += w.side_match if info.laterality == analysis.laterality else w.side_conflict
    if info.encounter:
        wanted = analysis.encounter or "initial"
        shift += w.encounter_match if info.encounter == wanted else w.encounter_conflict
    if analysis.approach and info.approach:
        shift += w.approach_match if info.approach == analysis.approach else w.approach_conflict
    return shift


def coverage_shift(query_terms: Set[str], info: TitleInfo, w: Weights = WEIGHTS) -> float:
    extra = len(info.content) - len(info.content & query_terms)
    return w.coverage_per_term * min(extra, w.coverage_max_terms)


def title_fit(
    analysis: QueryAnalysis,
    query_terms: Set[str],
    title: str,
    coverage: bool = True,
    w: Weights = WEIGHTS,
) -> float:
    """Qualifier shift plus (with ``coverage``) coverage shift, in one title look-up."""
    info = title_info(title)
    shift = qualifier_shift(analysis, info, w)
    if coverage:
        shift += coverage_shift(query_terms, info, w)
    return shift


def qualifier_adjustment(analysis: QueryAnalysis, title: str) -> float:
    return qualifier_shift(analysis, title_info(title))


def coverage_adjustment(query_terms: Set[str], title: str) -> float:
    return coverage_shift(query_terms, title_info(title))


@dataclass(frozen=True)
class Resolution:
    """A non-billable code replaced by its billable child ``child``."""

    parent: int
    child: int
    note: str


def resolve_billable(
    scored: dict[int, float],
    billable: Callable[[int], bool],
    children: Callable[[int], list[int]],
    child_fit: Callable[[int], tuple[float, int, str]],
    describe: Callable[[int], tuple[str, str, str]],
    w: Weights = WEIGHTS,
) -> tuple[dict[int, float], list[Resolution]]:
    """Replace each leading non-billable code by its best billable descendant (by
    ``child_fit``), which takes the parent's score minus a small gap; the parent stays
    just below. ``describe(row)`` gives (system, code, title) for the note."""
    out = dict(scored)
    resolutions = []
    top = sorted(scored, key=lambda r: -scored[r])[: w.resolve_candidates]
    for row in top:
        if billable(row):
            continue
        kids = [c for c in children(row) if billable(c)]
        if not kids:
            continue
        best = max(kids, key=child_fit)
        score = scored[row] - w.resolved_child_gap
        if out.get(best, -1.0) < score:
            out[best] = score
            system, code, title = describe(row)
            child_code = describe(best)[1]
            note = f"{system} {code} ({title}) is not billable; resolved to its child {child_code}"
            resolutions.append(Resolution(row, best, note))
        out[row] = scored[row] - w.resolved_parent_gap
    return out, resolutions
