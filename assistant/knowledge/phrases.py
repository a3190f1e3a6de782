"""Finding lexicon terms in a query: word tokens with offsets, longest matches first, the
sense chosen by context words and code set.

Tokens are runs of letters and digits, lower-cased, with possessives dropped, plurals
folded ("Crohn's" -> crohn, "stones" -> stone) and long words (eight letters or more)
reduced to their Snowball stem ("circumcised" -> circumcis), as are verb forms in "-ed" and
"-ing" of five letters or more ("detoxed" -> detox); a verb whose stem is shorter is marked,
so that its forms meet each other ("snipped", "snipping" -> snip~) but not a noun ("bagging"
is not "bag", "burned" not "burn"). So "kidney stones",
"Kidney-Stone" and "kidney stone" all match the term "kidney stone", and "circumcised"
the term "circumcision"; short words are not stemmed, so "severe" stays apart from
"sever". Possessive determiners meet "the" ("camera down my throat" matches the term
"camera down the throat", "hurt his back" the term "hurt my back"). Irregular verbs meet
their regular forms ("got snipped", "getting snipped" and "get snipped" are one key;
"took", "taken" and "taking" another).
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping
from dataclasses import dataclass
from functools import lru_cache

from assistant.knowledge.lexicon import Lexicon, Term
from index.lexical import stemmer as _stemmer

_TOKEN = re.compile(r"[A-Za-z0-9]+")
_POSSESSIVE = re.compile(r"(?<=[A-Za-z])['’]s\b")
MAX_TERM_TOKENS = 8
MIN_FOLD = 5  # plurals are folded in words of at least this length ("aids" stays)
MIN_STEM = 8  # longer words are stemmed
MIN_VERB = 5  # so are verb forms of at least this length ("snipped" -> snip)
_VERB_ENDINGS = ("ed", "ing")
VERB_MARK = "~"
# determiners that name whose body part it is: one key, so lay terms match any speaker
_DETERMINERS = frozenset({"the", "my", "his", "her", "their", "our", "your", "its"})
# the forms of irregular verbs people use for what was done to them -> the verb's "-ing"
# form, whose key the regular forms share ("got snipped" is "getting snipped"); the base
# form too, as short words are not stemmed ("get snipped"). Not verbs whose forms are
# also nouns of another sense ("cuts" are incisions, "falls" a history, "a break"), nor
# "have" and "had", whose tense tells a current condition from a history
_IRREGULAR: dict[str, str] = {
    form: ing
    for ing, forms in {
        "getting": ("get", "gets", "got", "gotten"),
        "taking": ("take", "takes", "took", "taken"),
        "putting": ("put", "puts"),
        "making": ("make", "makes", "made"),
        "tying": ("tie", "ties", "tied"),
        "giving": ("give", "gives", "gave", "given"),
        "sewing": ("sew", "sews", "sewn"),
        "freezing": ("freeze", "freezes", "froze", "frozen"),
        "burning": ("burnt",),
        "bleeding": ("bleed", "bleeds", "bled"),
        "stinging": ("sting", "stings", "stung"),
        "biting": ("bite", "bites", "bitten"),
        "tearing": ("tear", "tears", "tore", "torn"),
        "sticking": ("stick", "sticks", "stuck"),
        "hitting": ("hit", "hits"),
    }.items()
    for form in forms
}


def fold(token: str) -> str:
    """``stones`` -> ``stone``, ``arteries`` -> ``artery``, ``circumcised`` ->
    ``circumcis``, ``my`` -> ``the``; short words (abbreviations such as "aids", "pad")
    stay as they are."""
    t = token.lower()
    if t in _DETERMINERS:
        return "the"
    if not token.isupper():  # "GAVE", "GOT" are abbreviations
        t = _IRREGULAR.get(t, t)
    if len(t) >= MIN_FOLD and t.endswith("s") and not t.endswith(("ss", "us", "is")):
        t = t[:-3] + "y" if t.endswith("ies") else t[:-1]
    if len(t) >= MIN_VERB and t.endswith(_VERB_ENDINGS):
        stem = str(_stemmer().stemWord(t))
        # a short stem is marked: "snipped" meets "snipping", but "bagging" is not the
        # noun "bag" nor "burned" the noun "burn"; "detoxed" is "detox"
        return stem if len(stem) >= MIN_VERB else f"{stem}{VERB_MARK}"
    if len(t) < MIN_STEM:
        return t
    stem = str(_stemmer().stemWord(t))
    # "-ism" names a condition of its own: "prostatism" is not the "prostate"
    return f"{stem}{_ISM}" if t.endswith("ism") and not stem.endswith("ism") else stem


_ISM = "+ism"


@dataclass(frozen=True)
class Token:
    text: str  # as written
    key: str  # folded
    start: int
    end: int


def tokens(text: str) -> list[Token]:
    clean = _POSSESSIVE.sub("  ", text)  # same length: offsets stay valid
    return [Token(m.group(0), fold(m.group(0)), m.start(), m.end()) for m in _TOKEN.finditer(clean)]


def term_key(term: str) -> str:
    return " ".join(t.key for t in tokens(term))


@lru_cache(maxsize=4)
def term_index(lexicon: Lexicon) -> Mapping[str, tuple[Term, ...]]:
    """Folded term keys -> senses (several spellings of a term meet on one key)."""
    out: dict[str, list[Term]] = {}
    for senses in lexicon.terms.values():
        for sense in senses:
            key = term_key(sense.term)
            if key and len(key.split()) <= MAX_TERM_TOKENS:
                out.setdefault(key, []).append(sense)
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=4)
def spelled_out(lexicon: Lexicon) -> Mapping[str, str]:
    """One-word abbreviation key -> the folded key of what it stands for, for abbreviations
    with one meaning that needs no context ("fx": "fracture", "HTN": "hypertension"): a longer
    term written with the abbreviation ("distal radius fx") is the term spelled out
    ("distal radius fracture")."""
    out: dict[str, str] = {}
    for key, senses in term_index(lexicon).items():
        if " " in key:
            continue
        plain = [s for s in senses if s.kind == "abbreviation" and not s.context]
        meanings = {term_key(m) for s in plain for m in s.means[:1]}
        if len(plain) == len(senses) and len(meanings) == 1:
            out[key] = meanings.pop()
    return out


@lru_cache(maxsize=4)
def several_meanings(lexicon: Lexicon) -> Mapping[str, tuple[str, ...]]:
    """One-word abbreviation key -> the folded keys of its meanings, for abbreviations with
    several ("RA": right atrium, rheumatoid arthritis, room air): inside a longer term the
    term's other words choose ("seropositive RA" is the term "seropositive rheumatoid
    arthritis", and no other meaning makes a term)."""
    out: dict[str, tuple[str, ...]] = {}
    for key, senses in term_index(lexicon).items():
        if " " in key or key in spelled_out(lexicon):
            continue
        meanings = {term_key(m) for s in senses if s.kind == "abbreviation" for m in s.means}
        if len(meanings) > 1:
            out[key] = tuple(sorted(meanings))
    return out


# words a speaker slips into a phrase the lexicon knows without changing what it names:
# "ringing in both ears" is the term "ringing in the ears", "pimples all over my face"
# the term "pimples on face"; a determiner may be there or not. Skipped only in the query
# (a term that says "left" keeps it)
_SKIPPABLE = frozenset(
    {
        "both",
        "left",
        "right",
        "bilateral",
        "bilat",
        "very",
        "really",
        "little",
        "bad",
        "badly",
        "just",
        "pretty",
        "so",
        "all",
        "over",
        "the",
        "a",
        "an",
        "some",
        "kind",
        "sort",
    }
)
_DETERMINERS_KEY = frozenset({"the", "a", "an"})


@lru_cache(maxsize=4)
def loose_index(lexicon: Lexicon) -> Mapping[str, tuple[Term, ...]]:
    """Folded term keys without determiners -> senses (for the loose pass)."""
    out: dict[str, list[Term]] = {}
    for key, senses in term_index(lexicon).items():
        loose = " ".join(w for w in key.split() if w not in _DETERMINERS_KEY)
        if loose and loose != key and len(loose.split()) > 1:
            out.setdefault(loose, []).extend(senses)
    return {k: tuple(v) for k, v in out.items()}


@dataclass(frozen=True)
class Match:
    start: int  # offsets in the query text
    end: int
    senses: tuple[Term, ...]  # the senses that apply, most specific first


def _context_hit(sense: Term, words: frozenset[str], lower: str) -> bool:
    for ctx in sense.context:
        if " " in ctx:
            if ctx in lower:
                return True
        elif fold(ctx) in words:
            return True
    return False


def choose(
    senses: tuple[Term, ...], words: frozenset[str], lower: str, system: str | None
) -> tuple[Term, ...]:
    """Senses for this query: those whose context words occur in it, else the default
    (context-free) senses; only senses of the code set searched (any, if none)."""
    usable = [s for s in senses if s.applies(system)]
    chosen = [s for s in usable if s.context and _context_hit(s, words, lower)]
    return tuple(chosen or [s for s in usable if not s.context])


def find_terms(
    text: str,
    lexicon: Lexicon,
    system: str | None = None,
    common_words: Container[str] = (),
) -> list[Match]:
    """Longest non-overlapping lexicon terms in ``text``, in text order.

    A one-word abbreviation that is also a common word (``common_words``: words of the
    code titles and stop words, e.g. "it", "as", "pad") counts only when written in
    capitals ("PAD", not "pad").
    """
    index = term_index(lexicon)
    toks = tokens(text)
    words = frozenset(t.key for t in toks)
    lower = " ".join(t.key for t in toks)
    found: list[Match] = []
    i = 0
    # a term does not run across the end of a sentence ("... sigmoid colon. Removed en
    # bloc" holds no "colon removed"): tokens after a sentence mark start a new span
    ends = [j for j in range(1, len(toks)) if _sentence_ends(text, toks[j - 1], toks[j])]
    while i < len(toks):
        limit = next((j for j in ends if j > i), len(toks))
        for n in range(min(MAX_TERM_TOKENS, limit - i), 0, -1):
            key = " ".join(t.key for t in toks[i : i + n])
            senses = index.get(key)
            if not senses and n > 1:
                senses = _with_abbreviations(
                    toks[i : i + n], index, spelled_out(lexicon), several_meanings(lexicon)
                )
            if n == 1 and not senses and _PLURAL_ABBREVIATION.match(toks[i].text):
                # "PEs", "UTIs", "DVTs": the plural of an abbreviation written in capitals
                senses = tuple(s for s in index.get(key[:-1], ()) if s.kind == "abbreviation")
            if n == 1:
                # a verb whose particle follows its object says more than the verb alone
                # ("snipped a mole off": "snipped off")
                split = _split_verb(text, toks, i, lexicon, words, lower, system)
                if split is not None:
                    found.append(split[0])
                    i = split[1]
                    break
            if not senses:
                continue
            start, end = toks[i].start, toks[i + n - 1].end
            written = text[start:end]
            if n == 1 and len(written) == 1 and _AFTER_NUMBER.search(text, 0, start):
                continue  # "5 L removed", "2 g": a unit, not an abbreviation
            if n == 1 and key in common_words and not written.isupper():
                # an abbreviation the lexicon writes in lower case ("echo", "vent") is
                # typed so; one it writes in capitals ("GAVE", "SLAP") needs them, or the
                # lexicon's own spelling ("MetS")
                senses = tuple(
                    s
                    for s in senses
                    if s.kind != "abbreviation" or s.term.islower() or s.term == written
                )
            # a term written with a result sign ("ER+", "GBS-") needs the sign: "the ER"
            # is no estrogen receptor status
            senses = tuple(s for s in senses if _signed(s.term) in ("", text[end : end + 1]))
            chosen = choose(senses, words, lower, system)
            if chosen:
                found.append(Match(start, end, chosen))
                i += n
                break
        else:
            loose = _loose_match(toks[:limit], i, index, loose_index(lexicon), words, lower, system)
            if loose is not None:
                match, i = loose
                found.append(match)
            else:
                i += 1
    return found


def _with_abbreviations(
    window: list[Token],
    index: Mapping[str, tuple[Term, ...]],
    spelled: Mapping[str, str],
    several: Mapping[str, tuple[str, ...]],
) -> tuple[Term, ...]:
    """The senses of the term a window of words names once its abbreviations written in
    capitals or lower case ("fx", "R") are spelled out; none if it holds none. One
    abbreviation of several meanings written in capitals ("RA") is spelled out as the one
    meaning that makes the window a term."""
    keys = [
        spelled.get(t.key, t.key) if len(t.text) > 1 or t.text.isupper() else t.key for t in window
    ]
    found = index.get(" ".join(keys), ()) if keys != [t.key for t in window] else ()
    if found:
        return found
    ambiguous = [i for i, t in enumerate(window) if t.key in several and t.text.isupper()]
    if len(ambiguous) != 1:
        return ()
    i = ambiguous[0]
    terms = [
        index[key]
        for meaning in several[window[i].key]
        if (key := " ".join([*keys[:i], meaning, *keys[i + 1 :]])) in index
    ]
    return terms[0] if len(terms) == 1 else ()


def _signed(term: str) -> str:
    """The result sign a term ends with ("ER+": "+"), or ""."""
    return term[-1] if len(term) > 1 and term[-1] in "+-" and term[-2].isalnum() else ""


_AFTER_NUMBER = re.compile(r"\d\s*$")
_PLURAL_ABBREVIATION = re.compile(r"^[A-Z][A-Z0-9]+s$")

# particles of phrasal verbs, which a speaker puts after the object: "took my whole
# thyroid out", "put a filter in", "snipped a polyp off"
PARTICLES = frozenset({"out", "in", "off", "up", "back", "away", "down", "into"})
MAX_OBJECT_TOKENS = 5  # words between the verb and its particle
# instruments a surgeon puts in and takes away: "put a needle in my back" leaves nothing
# inside (a tap, not an Insertion)
_TOOLS = frozenset({"needle", "scope", "camera", "finger", "probe", "instrument", "tool"})
_CLAUSE_MARK = re.compile(r"[,;.:()]")
_SENTENCE_MARK = re.compile(r"[.;:!?]\s|\n")
# a period after an initial or a title is no sentence end ("C. diff", "E. coli", "Dr. Lee")
_NOT_ENDING = frozenset({"dr", "mr", "mrs", "ms", "st", "vs", "approx"})


def _sentence_ends(text: str, before: Token, after: Token) -> bool:
    between = text[before.end : after.start]
    if not _SENTENCE_MARK.search(between):
        return False
    initial = len(before.text) == 1 or before.text.lower() in _NOT_ENDING
    return not (initial and between.strip() == ".")


@lru_cache(maxsize=4)
def phrasal_verbs(lexicon: Lexicon) -> Mapping[str, tuple[tuple[str, tuple[Term, ...]], ...]]:
    """Verb key -> (particle, senses) of the two-word terms "verb particle"."""
    out: dict[str, list[tuple[str, tuple[Term, ...]]]] = {}
    for key, senses in term_index(lexicon).items():
        words = key.split()
        if len(words) == 2 and words[1] in PARTICLES and words[0] not in PARTICLES:
            out.setdefault(words[0], []).append((words[1], senses))
    return {k: tuple(v) for k, v in out.items()}


def _split_verb(
    text: str,
    toks: list[Token],
    i: int,
    lexicon: Lexicon,
    words: frozenset[str],
    lower: str,
    system: str | None,
) -> tuple[Match, int] | None:
    """A phrasal verb with its object between verb and particle ("took my whole thyroid
    out" is the term "took out"): matched on the verb alone, so the object keeps its own
    terms; (match, the token index after the verb)."""
    forms = phrasal_verbs(lexicon).get(toks[i].key)
    if not forms:
        return None
    for j in range(i + 2, min(len(toks), i + 2 + MAX_OBJECT_TOKENS)):
        if _CLAUSE_MARK.search(text, toks[j - 1].end, toks[j].start):
            return None  # the object ends at a clause mark
        if toks[j - 1].key in _TOOLS:
            return None
        for particle, senses in forms:
            if toks[j].key == particle:
                chosen = choose(senses, words, lower, system)
                if chosen:
                    return Match(toks[i].start, toks[i].end, chosen), i + 1
    return None


def _loose_match(
    toks: list[Token],
    i: int,
    index: Mapping[str, tuple[Term, ...]],
    loose: Mapping[str, tuple[Term, ...]],
    words: frozenset[str],
    lower: str,
    system: str | None,
) -> tuple[Match, int] | None:
    """The longest term of two or more words starting at token ``i`` once the words a
    speaker slips in are skipped; (match, the token index after it)."""
    if toks[i].key in _SKIPPABLE:
        return None
    kept = [
        j
        for j in range(i, min(len(toks), i + 2 * MAX_TERM_TOKENS))
        if toks[j].key not in _SKIPPABLE
    ]
    for n in range(min(MAX_TERM_TOKENS, len(kept)), 1, -1):
        used = kept[:n]
        key = " ".join(toks[j].key for j in used)
        # with nothing skipped the exact pass has tried the key as it is
        skipped = used[-1] - used[0] + 1 > n
        senses = (index.get(key) if skipped else None) or loose.get(key)
        if not senses:
            continue
        chosen = choose(senses, words, lower, system)
        if chosen:
            return Match(toks[used[0]].start, toks[used[-1]].end, chosen), used[-1] + 1
    return None
