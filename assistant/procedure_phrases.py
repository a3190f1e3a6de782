"""How people phrase a procedure, read before the search: a clot taken out, how many
arteries were treated, a piece taken to be tested, a specimen put in a jar, an incision
that only reaches the operation, the level of a finger or toe amputation; a scope that is
only the way in, stone fragments taken out, a fluid taken out, a part taken out and a new
one put in, the whole or a part of a body part taken out (Resection or Excision)."""

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


_RESECTION_EXCISION = re.compile(r"\b(?:resection|excision)(?: (?:or )?(?:resection|excision))?\b")
# "excision of pancreas, open approach": the operation and the body part it names
_OPERATED_PART = re.compile(r"\b(resection|excision) of ([a-z ]+?)\s*(?:,|$| with\b| via\b)")


# root operations other than Inspection, and the words that name them
_OPERATION = re.compile(
    r"\b(?:alteration|bypass|change|control|creation|destruction|detachment|dilation|"
    r"division|drainage|excision|extirpation|extraction|fragmentation|fusion|insertion|"
    r"occlusion|reattachment|release|removal|repair|replacement|reposition|resection|"
    r"restriction|revision|supplement|transfer|transplantation|biops\w*|\w+ectom\w*|"
    r"\w+ostom\w*|\w+plast\w*|\w+pex\w*|\w+tripsy|polypectom\w*|stent\w*)\b"
)


def scope_as_approach(expansions: list[Expansion], lower: str) -> list[Expansion]:
    """A scope with another procedure is the way in, not an Inspection of its own
    (ICD-10-PCS guideline B3.11a): "cystoscopy with resection of a bladder tumor" loses the
    scope's "inspection of bladder" when something else is named."""
    scopes = [(e.start, e.end) for e in expansions if e.means.lower().startswith("inspection")]
    if not scopes:
        return expansions
    # what the query names besides its scopes: its words and the other terms' meanings
    others = " ".join(
        [lower]
        + [
            e.means.lower()
            for e in expansions
            if not any(a < e.end and e.start < b for a, b in scopes)
        ]
    )
    if not _OPERATION.search(_SCOPE_WORDS.sub(" ", others)):
        return expansions
    # the scope stays as the way in ("camera" -> "Inspection, Via Natural or Artificial
    # Opening Endoscopic" keeps its approach)
    out = []
    for e in expansions:
        if e.means.lower().startswith("inspection"):
            way = _APPROACH_PART.search(e.means)
            if way is None:
                continue
            e = Expansion(e.term, way.group(1), e.kind, e.source, e.start, e.end)
        out.append(e)
    return out


_APPROACH_PART = re.compile(r",\s*((?:via|percutaneous|open|external)\b.*)$", re.IGNORECASE)


_SCOPE_WORDS = re.compile(r"\b\w*scop(?:y|ic|ies)\b|\binspection\b[^,;]*")


# the pieces of a broken-up stone taken out ("fragments extracted with a basket"): an
# Extirpation (a Fragmentation leaves the pieces to pass)
FRAGMENTS_OUT = re.compile(
    r"\b(?:fragments?|stones?|calcul\w*|pieces|debris)\b[^.;]*?\b(?:extracted|removed|"
    r"retrieved|evacuated|basket\w*)\b|\bbasket(?:ed| extraction| retrieval)\b|"
    r"\b(?:extracted|removed|retrieved|evacuated)\b[^.;]*?\b(?:fragments?|pieces)\b"
)
_FRAGMENTATION = re.compile(r"\bfragmentation(?: in)?\b", re.IGNORECASE)


# a body part taken out and a new one put in its place is one Replacement (its definition:
# material that takes the place of the body part; the taking out is integral to it)
_TAKEN_OUT = frozenset({"resection", "excision", "removal", "extraction"})
_PUT_IN = frozenset({"insertion"})
_SYNTHETIC = re.compile(r"\b(?:artificial|plastic|metal|prosthe\w*|synthetic|fake)\b")
_NEW = re.compile(r"\bnew\b")
# ... unless what was taken out is a device: a device exchanged is its Removal and a new
# Insertion (a generator change), not a Replacement of a body part
_DEVICE_WORD = re.compile(
    r"\b(?:pacemaker|defibrillator|icd|generator|battery|lead|leads|wires?|tubes?|"
    r"catheters?|stents?|port|pump|drains?|device|shunt|expanders?|mesh|plates?|screws?|"
    r"rods?|nails?|hardware|filter|implants?|coil|iud|spacer)\b"
)


# a fluid taken out ("took out some spinal fluid", "removed the pus") is drained: the
# root operation of taking fluids or gases out is Drainage
_FLUID_AFTER = re.compile(
    r"^(?: (?:out|off|of|the|some|a|an|my|his|her|their|all|extra|excess|built-up|"
    r"infected|spinal|joint|pleural|abdominal|belly|lung|chest|knee|bloody|cloudy|\w+ish)){0,4}"
    r" (?:fluid|pus|urine|bile|effusion|csf|ascites|abscess)\b"
)


def fluid_taken_out(expansions: list[Expansion], lower: str) -> list[Expansion]:
    """A removal verb whose object is a fluid names a Drainage."""
    volume = _VOLUME_OUT.search(lower)  # "5 L removed": a volume is fluid
    return [
        Expansion(e.term, "Drainage", "rule", "coding convention", e.start, e.end)
        if e.means.lower() in _TAKEN_OUT
        and (_FLUID_AFTER.search(lower[e.end :]) or (volume and volume.start() < e.start))
        else e
        for e in expansions
    ]


_VOLUME_OUT = re.compile(
    r"\b\d+(?:\.\d+)?\s*(?:l|liters?|litres?|ml|cc)\b(?:\s+of\s+[a-z-]+)?\s+"
    r"(?:(?:was|were)\s+)?(?:removed|drained|withdrawn|taken off|evacuated|aspirated)\b"
)


def taken_out_and_replaced(expansions: list[Expansion], lower: str) -> list[Expansion]:
    """ "took out the cloudy lens and put in a new plastic lens": Replacement with a
    synthetic substitute, not a Resection and an Insertion."""
    out = [e for e in expansions if e.means.lower() in _TAKEN_OUT]
    put = [e for e in expansions if e.means.lower() in _PUT_IN]
    made = _SYNTHETIC.search(lower)
    if not out or not put or not (made or _NEW.search(lower)) or _DEVICE_WORD.search(lower):
        return expansions
    kept = [e for e in expansions if e not in out and e not in put]
    at = put[0]
    replaced = [Expansion(at.term, "Replacement", "rule", "coding convention", at.start, at.end)]
    if made:
        replaced.append(
            Expansion(
                at.term, "Synthetic Substitute", "rule", "coding convention", at.start, at.end
            )
        )
    return [*kept, *replaced]


def extirpation(e: Expansion) -> Expansion:
    if not _FRAGMENTATION.search(e.means):
        return e
    means = _FRAGMENTATION.sub("extirpation of matter from", e.means)
    return Expansion(e.term, means, e.kind, e.source, e.start, e.end)


def resection_or_excision_all(expansions: list[Expansion], partial: bool) -> list[Expansion]:
    """The rule below for the "-ectomy" words that leave it open (word formation, or a
    term whose senses name both) and for a Resection the query calls partial; a term the
    lexicon makes an Excision ("microdiscectomy") stays one."""
    named: dict[tuple[int, int], set[str]] = {}
    both: dict[tuple[int, int], bool] = {}
    for e in expansions:
        found = _RESECTION_EXCISION.findall(e.means.lower())
        named.setdefault((e.start, e.end), set()).update(w.split()[0] for w in found)
    for span in named:
        # the senses name both operations for one body part ("excision of prostate",
        # "resection of prostate"): open. For different body parts (a Whipple: Excision
        # of pancreas, Resection of duodenum) each sense says its own.
        ops: dict[str, set[str]] = {}
        for e in expansions:
            if (e.start, e.end) == span:
                for op, part in _OPERATED_PART.findall(e.means.lower()):
                    ops.setdefault(part, set()).add(op)
        both[span] = any(len(found) > 1 for found in ops.values()) or (
            len(named[span]) > 1 and not ops
        )
    return [
        resection_or_excision(e, partial)
        if e.kind == "morphology"
        or both[(e.start, e.end)]
        or (partial and named[(e.start, e.end)] == {"resection"})
        else e
        for e in expansions
    ]


def resection_or_excision(e: Expansion, partial: bool) -> Expansion:
    """A coder's rule: taking out all of a body part is a Resection, a part of it an
    Excision; "-ectomy" words name both until the query says which."""
    if not _RESECTION_EXCISION.search(e.means.lower()):
        return e
    word = "Excision" if partial else "Resection"
    means = _RESECTION_EXCISION.sub(word, e.means.lower())
    return Expansion(e.term, means, e.kind, e.source, e.start, e.end)
