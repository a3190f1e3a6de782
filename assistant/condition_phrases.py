"""How people phrase a condition, read before the search: the clauses that name treatment
or a tumor's receptor status rather than the condition, a place or cause named beside an
injury, what a speaker says of a part of the body ("my thyroid is underactive"), where a
breast finding lies by its clock position, the dominant or non-dominant side of a
paralysis."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence

from assistant.expansion import Expansion
from assistant.knowledge.lexicon import Lexicon
from assistant.knowledge.phrases import Match, choose, term_index, term_key
from assistant.knowledge.qualifiers import group_named
from assistant.qualifier_words import LATERALITY, first_match
from index.lexical import tokenize

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*")

LONG_TERM_SENSE = "long term (current) use"


def long_term_drug(e: Expansion) -> bool:
    """A lexicon term naming a drug taken for long ("MTX": long term (current) use of ...)."""
    return e.means.lower().startswith(LONG_TERM_SENSE)


# words around a drug that name no condition ("on", "started", "long-term use of", "daily")
DRUG_TALK = frozenset(
    tokenize(
        "on started starting start taking takes take took adding added add given give "
        "continue continued continues resume resumed increase increased dose dosing daily "
        "long term current use uses using used chronic chronically maintenance maintained "
        "therapy treatment patient pt mg plus and with for of"
    )
)


PLACE_SENSE = "place of occurrence"


def place_term(e: Expansion) -> bool:
    """A lexicon term naming where an injury happened ("at home": ... residence as the place
    of occurrence of the external cause)."""
    return PLACE_SENSE in e.means.lower()


# words that name an injury itself (not how it happened: "fall", "hit")
INJURY_NAMED = frozenset(
    tokenize(
        "fracture fractured fx sprain strain laceration contusion dislocation concussion "
        "wound burn abrasion injury bruise tear rupture puncture amputation"
    )
)
# the words of external cause titles (chapter 20): how an injury happened
_CAUSE_SENSE = re.compile(
    r"\b(?:collision|traffic accident|transport accident|pedestrian|occupant|driver|"
    r"passenger|falls? (?:on|from|in|into|off|down|out)|fall(?:ing)? from|bitten|struck by|"
    r"striking against|contact with|caught|crushed|assault|discharge of|"
    r"exposure to|overexertion|activity,|activities involving)\b",
    re.IGNORECASE,
)


def cause_term(e: Expansion) -> bool:
    """A lexicon term naming how an injury happened ("MVC": car occupant injured in traffic
    accident)."""
    return e.source.startswith("lexicon") and bool(_CAUSE_SENSE.search(e.means))


def cause_beside_injury(query: str, expansions: Sequence[Expansion]) -> bool:
    """The query names an injury and how it happened ("L5 burst fx, MVC"): the injury is
    coded first, the cause is an additional code (guideline I.C.20)."""
    if not any(cause_term(e) for e in expansions):
        return False
    said = [query, *(e.means for e in expansions if not cause_term(e))]
    return bool(frozenset(tokenize(" ".join(said))) & INJURY_NAMED)


# stems that say nothing about the condition or procedure ("unspecified", "initial
# encounter") and words too general to name one or to be negated ("disease", "history":
# "no rheumatic disease" does not rule out every disease)
NEUTRAL = frozenset({"unspecifi", "approach", "specifi", "encount", "initi", "nos"})
GENERIC = frozenset(
    tokenize(
        "disease disorder condition syndrome problem other specified unspecified classified "
        "elsewhere nec nos documented history finding"
    )
)


def beside(query: str, expansions: Sequence[Expansion], kind: Callable[[Expansion], bool]) -> bool:
    """The query names terms of a ``kind`` (a drug taken for long, a place) and words of
    something else besides ("seropositive RA, on MTX", "fell off a ladder at home"), not the
    terms alone ("on warfarin", "long-term aspirin use", "at home")."""
    found = [e for e in expansions if kind(e)]
    if not found:
        return False
    chars = list(query)
    for e in found:
        chars[e.start : e.end] = " " * (e.end - e.start)
    rest = frozenset(t for t in tokenize("".join(chars)) if not t.isdigit())
    return bool(rest - DRUG_TALK - NEUTRAL - GENERIC)


_CLAUSES = re.compile(r"[^,;]+")


def reworded_within(phrase: str, query: str, expansions: Sequence[Expansion]) -> str:
    """``phrase`` (a part of ``query``) with the lexicon terms inside it said as their
    first meaning ("my thyroid is underactive" -> "hypothyroidism")."""
    out = phrase
    done: set[tuple[int, int]] = set()
    for e in expansions:
        term = query[e.start : e.end]
        if (e.start, e.end) in done or not term or term not in out:
            continue
        done.add((e.start, e.end))
        out = out.replace(term, e.means, 1)
    return out


# a speaker's clause about the medicine taken ("i take my little thyroid pill every
# morning"): treatment, not the condition
LAY_TREATMENT = re.compile(
    r"\b(?:i|he|she|they|we|mom|dad)\s+(?:take|takes|took|use|uses|used|am on|is on|are on|"
    r"get|gets|need|needs)\b[^,;.]*\b(?:pills?|meds?|medicines?|medications?|tablets?|"
    r"shots?|injections?|inhalers?|drops)\b",
    re.IGNORECASE,
)
# a tumor's hormone receptor status: an additional code (Z17), not the condition
RECEPTOR_STATUS = re.compile(
    r"\b(?:ER|PR|HER-?2(?:/neu)?|hormone receptor|estrogen receptor|progesterone receptor)"
    r"(?:\s*[+-]|\s+(?:positive|negative|pos|neg)\b)",
    re.IGNORECASE,
)


def beside_drugs(query: str, expansions: Sequence[Expansion]) -> str:
    """The query without the clauses that name a drug taken for long ("seropositive RA,
    hands and feet, on MTX + folic acid" -> "seropositive RA, hands and feet") or a
    tumor's receptor status ("..., ER positive / HER2 negative"), when something
    besides is left: the condition. "" otherwise."""
    drugs = [e for e in expansions if long_term_drug(e)]
    if not drugs and not RECEPTOR_STATUS.search(query) and not LAY_TREATMENT.search(query):
        return ""
    kept = [
        c.group(0).strip()
        for c in _CLAUSES.finditer(query)
        if not any(c.start() <= e.start < c.end() for e in drugs)
        and not RECEPTOR_STATUS.search(c.group(0))
        and not LAY_TREATMENT.search(c.group(0))
    ]
    rest = ", ".join(c for c in kept if set(tokenize(c)) - DRUG_TALK)
    return rest if set(tokenize(rest)) - DRUG_TALK else ""


# a breast finding at a clock position (as the examiner faces the patient) lies in a
# quadrant that depends on the side: 1-2 o'clock is upper-outer on the left breast and
# upper-inner on the right; 12, 3, 6 and 9 o'clock lie on the lines between quadrants
_CLOCK = re.compile(r"\b(?P<hour>1[0-2]|[1-9])(?::[0-5]\d| ?o'? ?clock)\b", re.IGNORECASE)
_BREAST = re.compile(r"\bbreasts?\b", re.IGNORECASE)
_LEFT_QUADRANTS = {
    1: "upper-outer",
    2: "upper-outer",
    4: "lower-outer",
    5: "lower-outer",
    7: "lower-inner",
    8: "lower-inner",
    10: "upper-inner",
    11: "upper-inner",
}
_MIRRORED = {"outer": "inner", "inner": "outer"}


def clock_quadrant(query: str) -> list[Expansion]:
    """The quadrant of a breast finding named by its clock position and side ("left
    breast, 2:00 position" -> "upper-outer quadrant")."""
    if not _BREAST.search(query):
        return []
    side = first_match(LATERALITY, query.lower())
    m = _CLOCK.search(query)
    if m is None or side not in ("left", "right"):
        return []
    quadrant = _LEFT_QUADRANTS.get(int(m.group("hour")))
    if quadrant is None:
        return []
    if side == "right":
        upper, lateral = quadrant.split("-")
        quadrant = f"{upper}-{_MIRRORED[lateral]}"
    return [Expansion(m.group(0), f"{quadrant} quadrant", "synonym", "clock position", *m.span())]


# hemiplegia, hemiparesis and monoplegia are coded by the side affected as the patient's
# dominant or non-dominant side (guideline I.C.6.a): the handedness a chart states decides;
# an ambidextrous patient's side is dominant; with no handedness stated the right side is
# dominant and the left non-dominant
HANDEDNESS = re.compile(
    r"\b(?:(?P<hand>right|left|rt|lt|r|l)\s*-?\s*(?:handed|hand(?:ed)?[- ]dominant|dominant)|"
    r"(?P<both>ambidextrous))\b",
    re.IGNORECASE,
)
_ONE_SIDED_WEAKNESS = re.compile(
    r"\b(?:hemipleg\w*|hemipar\w*|monopleg\w*|monopar\w*|paralys\w*|paralyz\w*|weak\w*)\b",
    re.IGNORECASE,
)
_HAND_SIDES = {"r": "right", "rt": "right", "l": "left", "lt": "left"}


def without_handedness(lower: str) -> str:
    """``lower`` with the patient's handedness blanked: "R-handed" names no side affected."""
    return HANDEDNESS.sub(lambda m: " " * len(m.group(0)), lower)


def dominance(query: str, side: str | None) -> list[Expansion]:
    """The side of a one-sided paralysis or weakness as dominant or non-dominant ("L
    hemiparesis, pt is R-handed" -> "left non-dominant side"); ``side`` is the side
    affected, read without the handedness."""
    weakness = _ONE_SIDED_WEAKNESS.search(query)
    if weakness is None or side not in ("left", "right"):
        return []
    hand = HANDEDNESS.search(query)
    if hand is None:
        dominant = side == "right"
        where = weakness.span()
    elif hand.group("both"):
        dominant, where = True, hand.span()
    else:
        written = hand.group("hand").lower()
        dominant, where = _HAND_SIDES.get(written, written) == side, hand.span()
    named = "dominant" if dominant else "non-dominant"
    term = query[where[0] : where[1]]
    return [Expansion(term, f"{side} {named} side", "synonym", "dominance", *where)]


# what a speaker says of a part of the body, in the order a term names it the other way
# round: "my thyroid is underactive" is an "underactive thyroid", "my iron is really low"
# "low iron", "my blood pressure has been high for years" "high blood pressure"
_SAID_OF = re.compile(
    r"\b(?:my|his|her|their|our|the|your)\s+(?P<noun>[a-z]+(?:\s+[a-z]+)?)\s+"
    r"(?:is|are|was|were|has been|have been|had been|keeps? (?:running|being|getting)|"
    r"runs?|running|gets?|getting|seems?|looks?|feels?)"
    r"(?:\s+(?:really|very|so|too|a (?:little|bit)|kind of|kinda|always|still|way|super|"
    r"getting|running|pretty))*\s+(?P<adj>[a-z]+)\b",
    re.IGNORECASE,
)


def said_of(
    query: str, lexicon: Lexicon, system: str | None, taken: list[tuple[int, int]]
) -> list[Match]:
    """Lexicon terms named as "adjective noun" that the query says as "my noun is
    adjective", where no term found already covers the words."""
    index = term_index(lexicon)
    words = frozenset(w.lower() for w in _WORD.findall(query))
    out = []
    for m in _SAID_OF.finditer(query):
        start, end = m.start(), m.end("adj")
        if any(a < end and start < b for a, b in taken):
            continue
        senses = index.get(term_key(f"{m.group('adj')} {m.group('noun')}"))
        chosen = choose(senses, words, query.lower(), system) if senses else ()
        if chosen:
            out.append(Match(start, end, chosen))
    return out


# a newborn patient: named so, or an age within the neonatal period (the first 28 days of
# life); "baby" and "infant" are not enough (a baby's thrush is no neonatal candidiasis)
NEWBORN = re.compile(
    r"\b(?:newborns?|new-born|neonat\w*|nb|neonate|"
    r"(?:[1-9]|1[0-9]|2[0-8]|one|two|three|four|five|six|seven|a)[- ](?:hours?|hrs?|days?)[- ]old|"
    r"(?:[1-4]|one|two|three|four|a)[- ](?:weeks?|wks?)[- ]old|(?:day|hour)s? of life|dol ?\d+)\b",
    re.IGNORECASE,
)

HOLDER_AXIS = "history holder"  # the qualifier group that tells family from personal
FAMILY = "family history"
_PERSONAL = re.compile(r"\bpersonal history\b", re.IGNORECASE)


def relatives_history(expansions: Sequence[Expansion], query: str) -> list[Expansion]:
    """ "my father had colon cancer, I'm due for screening": a lay term read as the
    patient's own history ("had colon cancer": personal history of ...) is the family's
    history when the query names a relative as the one who had it (Z80-Z84, not Z85-Z87);
    a query that names no history in words ("my father died of colon cancer") is searched
    as one."""
    said = _named(HOLDER_AXIS, query)
    if said is None or said[0] != FAMILY:
        return list(expansions)
    out = [
        dataclasses.replace(e, means=_PERSONAL.sub(FAMILY, e.means))
        if _PERSONAL.search(e.means)
        else e
        for e in expansions
    ]
    if not any(FAMILY in e.means.lower() for e in out):
        out.append(_coding_rule(query, said))
    return out


def _named(axis: str, query: str) -> tuple[str, re.Match[str]] | None:
    """The value of a qualifier axis the query's own words name, and where."""
    group = group_named(axis)
    return group.naming(query.lower()) if group is not None else None  # same offsets


def _coding_rule(query: str, said: tuple[str, re.Match[str]]) -> Expansion:
    """The axis value a query names, searched as words of its own."""
    a, b = said[1].span()
    return Expansion(query[a:b], said[0], "synonym", "coding rule", a, b)


DRUG_EVENT_AXIS = "drug event"  # the qualifier group of poisoning, adverse effect, underdosing
# the head nouns of the drug classes chapter 19 titles name ("Poisoning by loop
# [high-ceiling] diuretics", "Adverse effect of calcium-channel blockers")
_DRUG_CLASS = re.compile(
    r"\b(?:drugs?|agents?|inhibitors?|antagonists?|agonists?|blockers?|antibiotics?|"
    r"anticoagulants?|antithrombotics?|derivatives?|analgesics?|diuretics?|glycosides?|"
    r"hormones?|steroids?|glucocorticoids?|vaccines?|sedatives?|hypnotics?|opioids?|"
    r"insulin|antidepressants?|antipsychotics?|anticonvulsants?|antiepileptic|"
    r"anti-?inflammator\w*|antiplatelets?|statins?|use of)\b",
    re.IGNORECASE,
)


def named_drug_event(expansions: Sequence[Expansion], query: str) -> list[Expansion]:
    """ "took my warfarin twice by mistake": the query's own words say which drug event it
    is (a poisoning, an adverse effect, an underdosing) of a drug it names; the event is
    searched too, not only the drug (whose lexicon sense may be its long-term use)."""
    if not any(_DRUG_CLASS.search(e.means) for e in expansions):
        return list(expansions)
    said = _named(DRUG_EVENT_AXIS, query)
    if said is None or any(said[0] in e.means.lower() for e in expansions):
        return list(expansions)
    return [*expansions, _coding_rule(query, said)]
