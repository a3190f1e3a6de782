"""How people phrase a procedure, read before the search: a clot taken out, how many
arteries were treated, a piece taken to be tested, a specimen put in a jar, an incision
that only reaches the operation, the level of a finger or toe amputation."""

from __future__ import annotations

import re

from assistant.expansion import Expansion

# a hematoma or clot evacuated or removed
CLOT_OUT = re.compile(
    r"\b(?:evacuat\w*|remov\w*|extract\w*)\b(?: of)?(?: (?:the|an?|acute|large|[a-z]+al|"
    r"left|right|bilateral|subdural|epidural|intracerebral|blood))* (?:hematomas?|clots?|"
    r"thrombus|hemorrhage)\b|\b(?:hematoma|clot) (?:evacuat\w*|remov\w*)\b"
)
LIQUID_COLLECTION = re.compile(r"\b(?:chronic|burr[- ]holes?|liquefied|seroma)\b")
_DRAINAGE_OF = re.compile(r"\bdrainage of\b", re.IGNORECASE)


def clot_out(expansions: list[Expansion], query: str, m: re.Match[str]) -> list[Expansion]:
    """The Drainage senses read as Extirpation of matter, and the clot's words as it."""
    out = [
        Expansion(
            e.term,
            _DRAINAGE_OF.sub("extirpation of matter from", e.means),
            e.kind,
            e.source,
            e.start,
            e.end,
        )
        for e in expansions
    ]
    out.append(
        Expansion(
            query[m.start() : m.end()],
            "extirpation of matter",
            "synonym",
            "coding rule",
            m.start(),
            m.end(),
        )
    )
    return out


# how many arteries a procedure treats, as the coronary body part values count them:
# "a blocked artery" is One Artery, "three-vessel" Three Arteries
_COUNTS = {
    "a": "one",
    "an": "one",
    "one": "one",
    "single": "one",
    "1": "one",
    "two": "two",
    "double": "two",
    "2": "two",
    "three": "three",
    "triple": "three",
    "3": "three",
    "four": "four",
    "quadruple": "four",
    "4": "four",
}
_VESSEL_COUNT = re.compile(
    r"\b(?P<count>an?|one|single|1|two|double|2|three|triple|3|four|quadruple|4)[- ]"
    r"(?:(?:blocked|narrowed|clogged|diseased|coronary|heart|main|more)\s+){0,2}"
    r"(?:vessels?|arter(?:y|ies))\b",
    re.IGNORECASE,
)


def vessel_count(query: str) -> list[Expansion]:
    """The number of arteries treated, in the words the coronary values use."""
    out = []
    for m in _VESSEL_COUNT.finditer(query):
        count = _COUNTS[m.group("count").lower()]
        said = "one artery" if count == "one" else f"{count} arteries"
        out.append(Expansion(m.group(0), said, "synonym", "vessel count", *m.span()))
    return out


# a piece taken to be tested: a biopsy ("snipped a tiny piece of my stomach to test it",
# "took a sample from the lump to check for cancer")
_LAY_BIOPSY = re.compile(
    r"\b(?:piece|pieces|sample|samples|bit|bits|chunk|snippet|scraping|scrapings|tissue)\b"
    r"[^.;]{0,60}?\b(?:to (?:be )?(?:test|tested|check|checked|look at|examine|see if|send)|"
    r"for (?:testing|tests?|the lab|a biopsy|pathology|cancer)|sent (?:off|away|to the lab)|"
    r"to check for)\b",
    re.IGNORECASE,
)


def lay_biopsy(query: str) -> list[Expansion]:
    m = _LAY_BIOPSY.search(query)
    if m is None:
        return []
    return [Expansion(m.group(0), "excision, diagnostic", "lay", "lay biopsy", *m.span())]


_SPECIMEN_HANDLED = re.compile(
    r"\b(?:placed|put|sent|submitted|labeled|labelled)\s+(?:in|into|to|for)\s+"
    r"(?:(?:a|an|the|separate)\s+)?(?:jars?|containers?|formalin|bottles?|cups?|pathology|"
    r"the lab|lab|specimen|cassettes?|permanent section|frozen section)\b",
    re.IGNORECASE,
)
_BIOPSY_TAKEN = re.compile(
    r"\bbiops(?:y|ies)\s+(?:(?:were|was)\s+)?(?:taken|obtained|performed|done)|"
    r"\bbiops(?:y|ies)\s+(?:from|of)\b|\bbiopsied\b",
    re.IGNORECASE,
)
# biopsies that are no Excision: marrow and fluid are drawn out (Extraction, Drainage)
_NOT_EXCISED = re.compile(
    r"\b(?:marrow|aspirat\w*|fna|fine[- ]needle|brush\w*|washings?|lavage|fluid)\b", re.I
)


def biopsy_taken(query: str) -> list[Expansion]:
    """A biopsy taken is a diagnostic Excision (not a Resection of what it was taken
    from), unless marrow or fluid was drawn."""
    m = _BIOPSY_TAKEN.search(query)
    if m is None or _NOT_EXCISED.search(query):
        return []
    return [Expansion(m.group(0), "excision, diagnostic", "synonym", "coding rule", *m.span())]


def without_specimen_handling(expansions: list[Expansion], query: str) -> list[Expansion]:
    """Expansions read into "placed in jar 1", "sent to pathology": the specimen, not an
    Insertion."""
    handled = [m.span() for m in _SPECIMEN_HANDLED.finditer(query)]
    return [e for e in expansions if not any(a <= e.start < b for a, b in handled)]


# another operation named beside an incision ("craniotomy for resection of glioma",
# "thoracotomy and lobectomy"): the word ends in an operation suffix or is a verb of one
_OTHER_OPERATION = re.compile(
    r"\b(?:\w+(?:ectomy|ectomies|plasty|pexy|rrhaphy|desis|stomy|tripsy)|resect\w*|excis\w*|"
    r"remov\w*|repair\w*|evacuat\w*|biops\w*|clip\w*|decompress\w*|fusion|implant\w*|"
    r"insert\w*|placement|transplant\w*|bypass\w*|ligat\w*|debrid\w*|reduc\w*|fixation|"
    r"reconstruct\w*|graft\w*|coil\w*|anastomos\w*)\b",
    re.IGNORECASE,
)
_INCISION = re.compile(r"otom(?:y|ies)$", re.IGNORECASE)


def incision_as_access(expansions: list[Expansion], query: str) -> list[Expansion]:
    """An incision made to reach the operation named beside it is the approach, not a
    Drainage of its own (guideline B3.1b: the steps that reach the operative site are not
    coded apart): "craniotomy for resection of glioma" is an open resection; a craniotomy
    alone keeps its reading."""
    out = []
    for e in expansions:
        if e.kind == "morphology" and _INCISION.search(e.term) and e.means.startswith("Drainage"):
            rest = query[: e.start] + " " * (e.end - e.start) + query[e.end :]
            if _OTHER_OPERATION.search(rest):
                e = Expansion(e.term, "Open", "synonym", "coding rule", e.start, e.end)
        out.append(e)
    return out


# the level of an amputation as the qualifiers of Detachment name it (the ICD-10-PCS
# tables define them): a finger, thumb or toe through its MCP/MTP joint is Complete, along
# the proximal phalanx High, through the PIP joint or along the middle phalanx Mid, through
# the DIP joint or along the distal phalanx Low
_DIGIT = r"(?:finger|thumb|toe|digit|hallux|phalan\w*)"
_DETACHMENT_LEVELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "Complete",
        re.compile(
            r"\b(?:mtp|mcp|metatarsophalangeal|metacarpophalangeal)\b(?: joint)?|"
            rf"\bdisarticulat\w*\b(?=.*\b{_DIGIT})|\b{_DIGIT}\w* disarticulat\w*|"
            rf"\b(?:whole|entire|complete) (?:\w+ ){{0,2}}{_DIGIT}",
            re.IGNORECASE,
        ),
    ),
    ("High", re.compile(r"\bproximal phalan\w*", re.IGNORECASE)),
    (
        "Mid",
        re.compile(r"\b(?:pip|proximal interphalangeal)\b|\bmiddle phalan\w*", re.IGNORECASE),
    ),
    (
        "Low",
        re.compile(
            r"\b(?:dip|distal interphalangeal)\b|\bdistal phalan\w*|"
            rf"\b(?:tip|end) of (?:the |my |his |her )?(?:\w+ ){{0,2}}{_DIGIT}",
            re.IGNORECASE,
        ),
    ),
)
_AMPUTATION = re.compile(r"\b(?:amputat\w*|disarticulat\w*|detach\w*|ray resection)\b", re.I)


def detachment_level(query: str) -> list[Expansion]:
    """The Detachment qualifier a digit amputation's level names ("third toe amputated at the
    MTP joint" -> Complete)."""
    if not _AMPUTATION.search(query) or not re.search(rf"\b{_DIGIT}", query, re.IGNORECASE):
        return []
    for name, pattern in _DETACHMENT_LEVELS:
        m = pattern.search(query)
        if m is not None:
            return [Expansion(m.group(0), name, "synonym", "detachment level", *m.span())]
    return []
