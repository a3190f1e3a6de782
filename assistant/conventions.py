"""Stage "conventions": coding rules that move a candidate code's score.

- qualifiers: side, encounter (7th character) and approach named in the query agree or
  disagree with those in the code's title;
- specific qualifiers (``knowledge/rules/qualifiers.json``): type 1 vs type 2, acute vs
  chronic, stage, trimester, open vs closed fracture ...; a title's non-default value
  (intractable, open fracture, type 2 MI) must be asked for;
- "with"/"without": a title "without X" contradicts a query naming X, and the reverse;
- index terms: a query that is exactly one of a code's index terms (title or inclusion term
  without nonessential modifiers, as a coder looks it up) is that code's;
- gates (``knowledge/rules/code_gates.json``): code families that need their words
  (injury, drug event, pregnancy, newborn, external cause, statuses ...);
- coverage: a title term the query did not ask for costs a little, so an unspecific query
  meets the unspecified code and a qualifier such as "Diagnostic" must be asked for;
- billable resolution: a category or header is replaced by its best billable child;
- Excludes1: a code that an Excludes1 note of a better-ranked code rules out goes below.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Set
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.condition_phrases import (
    DRUG_EVENT_AXIS,
    GENERIC,
    INJURY_NAMED,
    NEUTRAL,
    NEWBORN,
    beside,
    long_term_drug,
    place_term,
)
from assistant.knowledge.gates import Gate, gated, load_gates, shut_gates
from assistant.knowledge.qualifiers import Agreement, Group, agreement, query_values
from assistant.qualifier_words import APPROACHES, first_match
from assistant.query import QueryAnalysis
from assistant.weights import WEIGHTS, Weights
from corpus.links import CodeRef
from index.lexical import tokenize

_SIDES = (("right", re.compile(r"\bright\b")), ("left", re.compile(r"\bleft\b")))
# the 7th character a title spells ("..., subsequent encounter", "..., sequela"), or a
# subsequent episode it names first ("Subsequent non-ST elevation (NSTEMI) myocardial
# infarction"); not the word elsewhere ("without subsequent striking against object")
_ENCOUNTERS = (
    ("sequela", re.compile(r"\bsequela\b")),
    ("subsequent", re.compile(r"\bsubsequent encounter\b|^subsequent\b")),
    ("initial", re.compile(r"\binitial encounter\b")),
)
_TITLE_APPROACH = re.compile(r",\s*([^,]*?)\s+Approach$")


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
    content: frozenset[str]  # the terms that count for coverage (not NEUTRAL ones)
    side_open: bool = False  # "unspecified eye": the side left open


@lru_cache(maxsize=131072)
def title_info(title: str) -> TitleInfo:
    """Cached per title: the adjustments below run for hundreds of candidates a query."""
    approach = title_approach(title)
    if approach is None:
        approach = first_match(APPROACHES, title.lower())
    terms = frozenset(tokenize(title))
    return TitleInfo(
        title_laterality(title),
        title_encounter(title),
        approach,
        terms,
        terms - NEUTRAL,
        side_open(title),
    )


def qualifier_shift(analysis: QueryAnalysis, info: TitleInfo, w: Weights = WEIGHTS) -> float:
    """Side, encounter and approach: agreement raises, contradiction lowers the score.
    A title's encounter with none in the query is compared with the default (initial)."""
    shift = 0.0
    if analysis.laterality and info.laterality:
        shift += w.side_match if info.laterality == analysis.laterality else w.side_conflict
    elif analysis.laterality and info.side_open:
        shift += w.side_open_conflict  # "both eyes": not "unspecified eye"
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
    names: tuple[str, ...] = (),
) -> float:
    """Qualifier shift plus (with ``coverage``) coverage shift, in one title look-up. The
    coverage is that of the code's best-fitting name: its title or, when ``names`` (its
    index terms) are given, any of them ("hypertension" fits I10 by its inclusion term)."""
    info = title_info(title)
    shift = qualifier_shift(analysis, info, w)
    if coverage:
        extra = min(
            (len(c) - len(c & query_terms) for c in (_term_stems(n) for n in names)),
            default=len(info.content) - len(info.content & query_terms),
        )
        shift += w.coverage_per_term * min(extra, w.coverage_max_terms)
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


# -- specific qualifiers, "with"/"without", index terms, Excludes1 ---------------------------
# "without X": X up to the next clause or the site ("without foreign body of scalp"), but
# "without loss of consciousness", "without mention of ..." keep what follows
_CLAUSE_END = r"(?=,|;|\(|$| and | with | or |(?<!mention)(?<!evidence)(?<!loss)(?<!signs) of )"
# "without X" up to the clause's end, "or Y" included: "without perforation or gangrene"
# denies both (possessive: a series once read is not given back to stop at its "or")
_WITHOUT_END = _CLAUSE_END.replace(" with |", " with | without |")
_WITHOUT = re.compile(r"\bwithout ([a-z][a-z \-]*?(?: or [a-z][a-z\-]*)*+)" + _WITHOUT_END)
_WITHOUT_PHRASE = re.compile(r"\bwithout [a-z][a-z \-]*?(?: or [a-z][a-z\-]*)*+" + _WITHOUT_END)
# "with X" in a title: X a complication or companion condition ("... with bleeding",
# "... with diabetic chronic kidney disease"), up to the next clause
_WITH = re.compile(r"\bwith (?!and\b|or\b)([a-z(][a-z \-()]*?)(?=,|;|$| with | without | or | of )")
_RESIDUAL = re.compile(
    r"^other\b|\b(?:of|in) other\b|\bother specified\b|\bnot elsewhere classified\b|\bNEC\b",
    re.I,
)
# absence said after the thing: "nail not involved", "nerves intact"
_QUERY_ABSENT = re.compile(
    r"\b([a-z][a-z\-]*(?: [a-z][a-z\-]*)?) (?:(?:is |was |were |are )?not involved|uninvolved|"
    r"(?:is |was |were |are )?not present|(?:is |was |were |are )?absent|spared|intact)\b"
)
_MEANS_WITHOUT = re.compile(r"\bwithout ([a-z][a-z\- ,]*?)(?=$|[,;(])")
_QUERY_WITHOUT = re.compile(
    r"\b(?:without|w/o|no|not|denies|negative for|never|(?:do|does|did)(?:n'?t| not)) "
    r"(?!(?:\w+ )?enough\b)"  # "don't have enough iron" is a deficiency
    # a series ends with "or"/"and" ("without perforation, abscess or bleeding")
    r"([a-z][a-z\-]*(?:(?:, [a-z][a-z\-]*){1,3},? (?:or|and|nor) [a-z][a-z\-]*|"
    r"(?: (?:or |and |nor )?[a-z][a-z\-]*){0,3}))"
)
# a word that denies what it is built on: "unruptured", "nonperforated", "uncomplicated",
# "noninfected", "nonhealing", "nontoxic" (participles and adjectives only: "unconscious"
# and "unresponsive" name a state, not the absence of one)
_PREFIX_DENIED = re.compile(r"\b(?:un|non)-?([a-z]{3,}(?:ed|ing|ic|al))\b")
# a statement of the diagnosis in chart phrasing
_DEFINITIVE = re.compile(
    r"\b(?:dx|diagnos(?:is|ed|es)|c/w|consistent with|impression|assessment|confirmed|"
    r"tested positive|positive for|proven|showed|shows|revealed)\b"
)
# "type and acuity not documented", "side unspecified", "cause unknown": the query says the
# axis is not known, which asks for the unspecified code; these words name no content
_UNSTATED = re.compile(
    r"\b(?:(?:type|acuity|severity|side|laterality|stage|site|location|cause|etiology|"
    r"episode|encounter|organism|trimester|grade|depth|degree)(?:\s*(?:,|and|or|/)\s*)?)*"
    r"\s*(?:not (?:documented|specified|stated|given|known|mentioned)|unspecified|unknown|"
    r"undocumented|nos)\b"
)


# the words that name an encounter ("follow-up visit", "f/u", "healing as expected"): the
# 7th character says them in its own words ("subsequent encounter ... routine healing")
_ENCOUNTER_WORDS = re.compile(
    r"\b(?:(?:healing|subsequent encounter) (?:well|normally|as expected|appropriately|"
    r"on schedule)|(?:encounter for )?follow[- ]?up examination|"
    r"(?:follow[- ]?up|f/u|initial|first|subsequent|return|re-?check)\s+"
    r"(?:visit|encounter|appointment|appt|exam)|follow[- ]?up|f/u)\b"
)


@dataclass(frozen=True)
class QueryFacts:
    """What the convention stage reads from a query once: qualifier values, the words it
    says are absent ("without X"), and its word sets for index-term matching."""

    qualifiers: tuple[str | None, ...]
    negated: frozenset[str]  # stems of words after "without" / "w/o" / "no"
    positive: frozenset[str]  # stems of the rest of the query and its expansions
    written: frozenset[str]  # content stems of the query as written
    reworded: frozenset[str]  # ... and as reworded by the lexicon
    side: str | None = None  # the side the query names (right, left, bilateral)
    encounter: str | None = None  # the encounter it names (initial, subsequent, sequela)
    # it states a diagnosis ("dx:", "c/w", "consistent with", "they said it's shingles")
    definitive: bool = False
    shut: tuple[Gate, ...] = ()  # code families the query gives no ground for (injury ...)
    # a code has the query as written among its index terms: a match of the lexicon's
    # rewording elsewhere counts for nothing (a coder looks the word up as written first)
    written_indexed: bool = False
    stated: frozenset[str] = frozenset()  # stems of the diagnosis the query states
    numbers: tuple[float, ...] = ()  # numbers the query states ("BMI 42")
    reworded_whole: bool = False  # every word of the query is inside one lexicon term
    # per lexicon term of the query: the stems of its words and of its sense
    # ("dry ARMD": {dri, armd} and {nonexud, age, relat, macular, degener})
    term_senses: tuple[tuple[frozenset[str], frozenset[str]], ...] = ()
    # a drug taken for long (a lexicon term meaning "long term (current) use of ...") and
    # something else besides: the condition treated, which is coded first
    drug_beside_condition: bool = False
    # a place of occurrence (a lexicon term meaning "... as the place of occurrence") and
    # something else besides: the cause or injury, which comes first
    place_beside_cause: bool = False
    # the patient is a newborn (named so, or an age within the first 28 days of life)
    newborn: bool = False
    # the query names a drug event (a poisoning, adverse effect or underdosing)
    drug_event: bool = False
    # title (lower case) -> its qualifier agreement with this query, filled as it goes
    memo: dict[str, Agreement] = field(default_factory=dict, compare=False)

    @property
    def variants(self) -> tuple[frozenset[str], ...]:
        return tuple(v for v in dict.fromkeys((self.written, self.reworded)) if v)


def content_stems(text: str) -> frozenset[str]:
    """Stems of ``text`` that say something about the condition or procedure."""
    return frozenset(tokenize(text)) - NEUTRAL


_content = content_stems


def strip_default_values(lower_title: str, groups: tuple[Group, ...]) -> str:
    """``lower_title`` without the default values of qualifier groups that apply to it
    ("migraine, not intractable" -> "migraine, "): they say nothing a query must ask for."""
    for group in groups:
        if group.default is None or not group.applies_to(lower_title):
            continue
        for value in group.values:
            if value.name == group.default:
                lower_title = value.pattern.sub(" ", lower_title)
    return lower_title


def query_within(facts: QueryFacts, names: tuple[str, ...]) -> bool:
    """The query (as written or reworded) names nothing the code's names do not say."""
    stems = name_stems(names)
    return any(v and v <= stems for v in facts.variants)


def query_facts(analysis: QueryAnalysis, groups: tuple[Group, ...]) -> QueryFacts:
    lower = analysis.expanded.lower()
    raw = analysis.raw or analysis.text
    negated: set[str] = set()
    said_absent = [*_QUERY_WITHOUT.finditer(raw.lower()), *_QUERY_ABSENT.finditer(raw.lower())]
    denied: set[str] = set()  # what the lexicon made of the negated words
    for m in said_absent:
        negated.update(tokenize(m.group(1)))
        for e in analysis.expansions:
            if m.start(1) <= e.start and e.end <= m.end(1):
                denied.update(tokenize(e.means))
    # ... counts as negated too, except the words the query affirms elsewhere ("EtOH
    # dependence, withdrawing, no DTs": DTs is alcohol dependence with withdrawal
    # delirium, and only the delirium is denied)
    spans = [m.span(1) for m in said_absent]
    affirmed = set(tokenize(blanked(raw, spans))) | {
        t
        for e in analysis.expansions
        if not any(a <= e.start and e.end <= b for a, b in spans)
        for t in tokenize(e.means)
    }
    negated.update(denied - affirmed)
    for m in _PREFIX_DENIED.finditer(raw.lower()):
        negated.update(tokenize(m.group(1)))
    # a lexicon meaning that says what is absent ("shingles rash": zoster without
    # complications) names it absent, not present
    absent_in_meanings = {
        t
        for e in analysis.expansions
        for m in _MEANS_WITHOUT.finditer(e.means.lower())
        for t in tokenize(m.group(1))
    }
    negated.update(absent_in_meanings - frozenset(tokenize(raw)))
    positive = frozenset(analysis.terms) - negated
    # the query's own words name a qualifier before what the lexicon made of them ("healing"
    # glossed as routine healing says nothing against "delayed healing")
    qualifiers = tuple(
        own if own is not None else glossed
        for own, glossed in zip(
            query_values(groups, raw.lower()), query_values(groups, lower), strict=True
        )
    )
    return QueryFacts(
        qualifiers=qualifiers,
        negated=frozenset(negated - positive - GENERIC),
        positive=positive,
        written=_content(_said(analysis.text.lower(), analysis.encounter)) - negated,
        reworded=_content(_said(analysis.rewritten.lower(), analysis.encounter)) - negated,
        side=analysis.laterality,
        encounter=analysis.encounter,
        definitive=bool(_DEFINITIVE.search(raw.lower())) or analysis.diagnosis_stated,
        stated=_content(_UNSTATED.sub(" ", analysis.stated.lower())) - negated,
        shut=shut_gates(load_gates(), _QUERY_WITHOUT.sub(" ", f"{raw.lower()} {lower}")),
        numbers=query_numbers(raw),
        reworded_whole=_one_term(analysis),
        drug_beside_condition=beside(raw, analysis.expansions, long_term_drug),
        place_beside_cause=beside(raw, analysis.expansions, place_term),
        newborn=bool(NEWBORN.search(raw)),
        drug_event=any(
            g.axis == DRUG_EVENT_AXIS and v is not None
            for g, v in zip(groups, qualifiers, strict=True)
        ),
        term_senses=tuple(
            (frozenset(tokenize(raw[e.start : e.end])), frozenset(tokenize(e.means)))
            for e in analysis.expansions
        ),
    )


def blanked(text: str, spans: list[tuple[int, int]]) -> str:
    """``text`` with the characters of ``spans`` blanked (offsets kept)."""
    if not spans:
        return text
    return "".join(" " if any(a <= i < b for a, b in spans) else ch for i, ch in enumerate(text))


def _said(lower: str, encounter: str | None) -> str:
    """The words of a query that a code's names must hold: without the axes it says are
    unknown ("type unspecified") and, where it names an encounter, the words naming it."""
    lower = _UNSTATED.sub(" ", lower)
    return _ENCOUNTER_WORDS.sub(" ", lower) if encounter else lower


_WHOLE_TERM_KINDS = frozenset({"abbreviation", "lay", "synonym", "eponym", "brand"})


def _one_term(analysis: QueryAnalysis) -> bool:
    """The query is exactly one lexicon term ("HTN", "heart attack")."""
    raw = (analysis.raw or analysis.text).strip()
    return any(
        e.kind in _WHOLE_TERM_KINDS and e.start == 0 and e.end == len(raw)
        for e in analysis.expansions
    )


# a number standing alone in a query ("BMI 42", "BW 1600 g", "32 wks"): not part of a
# code, a word ("G2P1", "T2DM") or a fraction ("0/7")
_NUMBER = re.compile(r"(?<![\w./-])(\d+(?:\.\d+)?)(?![\w/]|\.\d)")
# the values a title names as a range: "40.0-44.9", "1500-1749 grams", "19.9 or less",
# "70 or greater", "less than 500 grams"
_TITLE_RANGES = (
    (re.compile(r"(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)"), "range"),
    (re.compile(r"(\d+(?:\.\d+)?) or (?:less|fewer|under)"), "upto"),
    (re.compile(r"(?:less than|under|fewer than) (\d+(?:\.\d+)?)"), "below"),
    (re.compile(r"(\d+(?:\.\d+)?) (?:or|and) (?:greater|more|over|above)"), "from"),
)


def query_numbers(text: str) -> tuple[float, ...]:
    return tuple(float(m.group(1)) for m in _NUMBER.finditer(text))


@lru_cache(maxsize=65536)
def title_ranges(title: str) -> tuple[tuple[float, float], ...]:
    """The value ranges a title names ((low, high), high exclusive for "less than")."""
    lower = title.lower()
    out: list[tuple[float, float]] = []
    for pattern, kind in _TITLE_RANGES:
        for m in pattern.finditer(lower):
            a = float(m.group(1))
            if kind == "range":
                out.append((a, float(m.group(2))))
            elif kind == "upto":
                out.append((-math.inf, a))
            elif kind == "below":
                out.append((-math.inf, math.nextafter(a, -math.inf)))
            else:
                out.append((a, math.inf))
    return tuple(out)


def number_shift(facts: QueryFacts, title: str, w: Weights = WEIGHTS) -> float:
    """A title naming a range of values ("Body mass index [BMI] 40.0-44.9, adult") agrees
    with a query number inside it and contradicts a query whose numbers all fall outside."""
    if not facts.numbers:
        return 0.0
    ranges = title_ranges(title)
    if not ranges:
        return 0.0
    inside = any(low <= n <= high for n in facts.numbers for low, high in ranges)
    return w.number_in_range if inside else w.number_out_of_range


# a title that leaves the side open ("Tinnitus, unspecified ear")
_SIDE_OPEN = re.compile(
    r"\bunspecified (?:side|laterality|eye|ear|eyelid|orbit|limb|upper limb|lower limb|arm|"
    r"upper arm|forearm|leg|lower leg|thigh|hand|foot|knee|hip|shoulder|elbow|wrist|ankle|"
    r"breast|kidney|ureter|ovary|fallopian tube|testis|lung|femur|humerus|radius|ulna|"
    r"tibia|fibula|finger|toe|thumb|great toe|lesser toe|fingers?|toes?|buttock|heel|"
    r"lacrimal \w+|\w+ (?:extremity|limb))\b"
)


def side_open(title: str) -> bool:
    """Whether a title leaves the side open: not the code when the query names one."""
    return bool(_SIDE_OPEN.search(title.lower()))


def symptom_shift(code: str, facts: QueryFacts, w: Weights = WEIGHTS, title: str = "") -> float:
    """ICD-10-CM guidelines (I.B.4-5): a sign or symptom is not coded when a definitive
    diagnosis is stated; the query states one ("dx:", "c/w", "diagnosed with"). A symptom
    the statement itself names ("dx: syncope") is the diagnosis."""
    if not (facts.definitive and code[:1] == "R"):
        return 0.0
    if facts.stated and title_info(title).content & facts.stated:
        return 0.0
    return w.symptom_with_diagnosis


_EXTERNAL_CAUSE = ("V", "W", "X", "Y")


def gate_shift(code: str, facts: QueryFacts, w: Weights = WEIGHTS, title: str = "") -> float:
    """A code of a family the query gives no ground for (an injury code for a query that
    names no injury, a poisoning code for a drug named as treatment, a manifestation code
    for a query that names no underlying condition) moves down."""
    if gated(code, facts.shut, title):
        return w.gate_unmet
    if code[:1] in _EXTERNAL_CAUSE and facts.positive & INJURY_NAMED:
        # the query names an injury and how it happened: the injury is coded first, an
        # external cause is never the first-listed code (guideline I.C.20)
        return w.external_cause_secondary
    if code.startswith(_ADDITIONAL_STATUS) and (
        facts.stated or facts.drug_beside_condition or facts.drug_event
    ):
        # "afib on Eliquis": the condition treated comes first; long-term drug use is an
        # additional code (guideline I.C.21.c.3)
        return w.drug_use_secondary
    if code.startswith(_PERINATAL) and facts.newborn:
        # a condition of a newborn that chapter 16 names is coded there, not to the
        # chapter of the body system (guideline I.C.16.a)
        return w.perinatal_first
    if code.startswith(_PLACE) and facts.place_beside_cause:
        # "fell off a ladder at home": the place of occurrence is an additional external
        # cause code, after the injury and how it happened (guideline I.C.20.b)
        return w.place_secondary
    return 0.0


# long-term drug use (Z79) and a tumor's receptor status (Z17): additional codes
_ADDITIONAL_STATUS = ("Z79", "Z17")
_PLACE = "Y92"  # place of occurrence of the external cause
_PERINATAL = "P"  # chapter 16: conditions originating in the perinatal period


@lru_cache(maxsize=131072)
def _non_stems(lower_title: str) -> frozenset[str]:
    """Stems a title denies by a "non" prefix ("nonrheumatic" -> rheumat)."""
    return frozenset(tokenize(" ".join(re.findall(r"\bnon-?([a-z]{4,})", lower_title))))


@lru_cache(maxsize=131072)
def _title_without(lower_title: str) -> frozenset[str]:
    """Stems a title says are absent ("without X")."""
    return frozenset(t for m in _WITHOUT.finditer(lower_title) for t in tokenize(m.group(1)))


@lru_cache(maxsize=262144)
def _term_stems(term: str) -> frozenset[str]:
    """What a name claims: its content stems, less its "without X" phrases (the absence
    of X is what a coder assumes when X is not named)."""
    return _content(_WITHOUT_PHRASE.sub(" ", term.lower()))


term_stems = _term_stems


@lru_cache(maxsize=131072)
def _title_with(lower_title: str) -> tuple[frozenset[str], ...]:
    """What each "with X" of a title adds to its head ("Type 2 diabetes mellitus with
    diabetic chronic kidney disease": chronic, kidney, disease)."""
    head = _content(_WITH.sub(" ", lower_title))
    found = (_content(m.group(1)) - head for m in _WITH.finditer(lower_title))
    return tuple(f for f in found if f)


def with_unsaid(lower_title: str, positive: frozenset[str]) -> bool:
    """The title claims a complication or companion condition ("with X") the query does
    not name: the code without it is the default (the documentation has to say X)."""
    return any(not (stems & positive) for stems in _title_with(lower_title))


def residual(title: str) -> bool:
    """An "Other ..." / "other specified" / NEC code: for conditions named but classified
    nowhere else, never the default for a plain name."""
    return bool(_RESIDUAL.search(title))


def specificity_shift(
    facts: QueryFacts,
    groups: tuple[Group, ...],
    title: str,
    terms: tuple[str, ...],
    w: Weights = WEIGHTS,
) -> float:
    """Qualifier groups, with/without contradictions and an exact index-term match."""
    lower = title.lower()
    found = facts.memo.get(lower)
    if found is None:
        found = facts.memo[lower] = agreement(groups, facts.qualifiers, lower)
    shift = (
        w.qualifier_agree * found.agree
        + w.qualifier_conflict * found.conflict
        + w.qualifier_non_default * found.non_default
        + w.qualifier_unmatched * found.unmatched
    )
    without = _title_without(lower)
    if (without & facts.positive) or ((title_info(title).content - without) & facts.negated):
        # "without X" when the query names X; X (but not "without X") when it says "no X"
        shift += w.with_without_conflict
    elif facts.negated and _non_stems(lower) & facts.negated:
        # "no rheumatic disease" is what a "Nonrheumatic ..." title says
        shift += w.with_without_agree
    if with_unsaid(lower, facts.positive):
        shift += w.with_unsaid
    if facts.variants and terms:
        stems = name_stems(terms)
        missing = min(len(v - stems) for v in facts.variants)
        shift += w.missing_per_term * min(missing, w.coverage_max_terms)
    exact = term_exact(facts, terms)
    if exact == 2:
        shift += w.term_exact_written
    elif exact == 1 and not facts.written_indexed:
        shift += w.term_exact
    if residual(title) and "other" not in facts.positive:
        shift += w.residual_title
    return shift + number_shift(facts, title, w)


@lru_cache(maxsize=65536)
def _joined(name: str) -> tuple[str, ...]:
    """The two conditions a name joins with "and" ("Syncope and collapse": syncope,
    collapse), each an index term of its own; none for a longer or qualified name."""
    listed = _HEAD_AND_LIST.match(name)
    if listed is not None:
        # "Activity, walking, marching and hiking": the head with each item
        items = re.split(r", | and ", listed.group("items"))
        if all(len(i.split()) <= 2 for i in items):
            return tuple(f"{listed.group('head')}, {i}" for i in items)
        return ()
    parts = name.split(" and ")
    if len(parts) != 2 or "," in name or any(len(p.split()) > 2 for p in parts):
        return ()
    return tuple(parts)


# a head and a list of alternatives: "Activity, walking, marching and hiking"
_HEAD_AND_LIST = re.compile(r"^(?P<head>[^,]+), (?P<items>(?:[^,]+, )+[^,]+ and [^,]+)$")


def term_exact(facts: QueryFacts, names: tuple[str, ...]) -> int:
    """2: the query as written (or the diagnosis it states, when it names no specifics)
    is exactly one of the code's index terms; 1: as reworded by the lexicon; 0: neither."""
    found = _term_exact(facts.written, facts.reworded, names)
    if found == 1 and facts.reworded_whole and not facts.written_indexed:
        return 2  # "HTN" is "hypertension": the query is one term the lexicon rewords
    if found == 0 and facts.stated and facts.stated in _stems_of(names):
        # the diagnosis the query states is the code's name ("dx: syncope, w/u
        # unrevealing"): as good as written, unless the query names specifics (side,
        # acuity, encounter ...) that choose another code
        return 0 if any(facts.qualifiers) or facts.side else 2
    return found


@lru_cache(maxsize=65536)
def _stems_of(names: tuple[str, ...]) -> tuple[frozenset[str], ...]:
    """What each of a code's names claims (a name joined with "and" counts in parts too);
    cached: asked per candidate code of every query."""
    return tuple(
        [_term_stems(t) for t in names]
        + [_term_stems(part) for t in names for part in _joined(t)]
        + [_term_stems(alt) for t in names for alt in _bracketed(t)]
    )


_BRACKET = re.compile(r"\s*\[([^\]]+)\]")


@lru_cache(maxsize=65536)
def _bracketed(name: str) -> tuple[str, ...]:
    """A name with a synonym in square brackets names the condition both ways: "Panic
    disorder [episodic paroxysmal anxiety]" is "Panic disorder" and "episodic paroxysmal
    anxiety"; "Acute obstructive laryngitis [croup]" is also "croup"."""
    inside = _BRACKET.findall(name)
    if not inside:
        return ()
    return (_BRACKET.sub("", name).strip(), *inside)


@lru_cache(maxsize=65536)
def _term_exact(written: frozenset[str], reworded: frozenset[str], names: tuple[str, ...]) -> int:
    # cached: the ranking asks once to know whether any code has the query as written,
    # then again per code
    stems = _stems_of(names)
    if written and written in stems:
        return 2
    return 1 if reworded and reworded in stems else 0


@lru_cache(maxsize=65536)
def name_stems(names: tuple[str, ...]) -> frozenset[str]:
    """Content stems of all of a code's names."""
    return frozenset().union(*(_term_stems(n) for n in names)) if names else frozenset()


def excludes1_pairs(
    rows: list[int],
    code_of: Callable[[int], str],
    excludes: Callable[[int], tuple[CodeRef, ...]],
    window: int,
) -> dict[int, int]:
    """Among the first ``window`` rows (best first): each row that an Excludes1 note of a
    better-ranked row names, or whose own Excludes1 names that row -> that better row."""
    out: dict[int, int] = {}
    kept: list[int] = []
    refs = {row: excludes(row) for row in rows[:window]}  # each row's notes, read once
    for row in rows[:window]:
        code = code_of(row)
        mine = refs[row]
        for better in kept:
            if any(ref.covers(code) for ref in refs[better]) or any(
                ref.covers(code_of(better)) for ref in mine
            ):
                out[row] = better
                break
        else:
            kept.append(row)
    return out
