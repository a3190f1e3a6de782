"""What a procedure query says about each PCS axis: the root operations it names (and how
firmly), the words that can name a body part (the query's own words count more than the
lexicon's), the approach, whether it names a device, whether it asks for a diagnostic
(biopsy) procedure, and the side. Negated words ("no stent", "nothing removed") say
nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.conventions import QueryFacts, blanked
from assistant.knowledge.body_part_key import general_parts, load_key
from assistant.knowledge.general_parts import containment, load_general_parts
from assistant.query import QueryAnalysis
from assistant.query_words import BOTH_INTENTS, NOT_DONE, PARTIAL
from corpus.pcs_axes import PcsTables
from index.lexical import tokenize

# words every meaning of an axis shares, which say nothing by themselves
_GENERIC = frozenset(
    tokenize("device substitute tissue other no none qualifier approach system body part")
)
_SIDE = frozenset(tokenize("right left bilateral"))
APPROACH_STEMS = frozenset(
    tokenize("via natural or artificial opening endoscopic percutaneous open external")
)
_DIAGNOSTIC = re.compile(
    r"\b(?:diagnostic|biops(?:y|ies|ied)|bx|sampl\w*|aspirat\w+ for|"
    r"(?:sent|send|sending) for|for (?:[a-z0-9-]+ ){0,3}(?:culture|cytology|analysis|testing|"
    r"pathology|studies|cell count|gram stain|work-?up|histology)|"
    r"to (?:check|test|analy[sz]e|look for|rule out))\b"
)
# imaging contrast the query names: with and without, without, with (a contrast study by
# its name: an esophagram, arthrogram, myelogram ... is done with contrast)
_CONTRAST_BOTH = re.compile(
    r"\b(?:with(?: and |\s*/\s*)without|w/\s*(?:and\s*)?w/o|pre[- ]?\s*and post[- ]?contrast|"
    r"unenhanced and enhanced)\b"
)
_CONTRAST_WITHOUT = re.compile(
    r"\b(?:(?:without|w/o|no|non-?) ?(?:iv |intravenous )?contrast|non-?contrast|"
    r"non-?enhanced|unenhanced)\b"
)
_CONTRAST_WITH = re.compile(
    r"\b(?:(?:with|w/) ?(?:iv |intravenous |oral )?(?:contrast|gadolinium|gad|dye|barium)|"
    r"contrast[- ]enhanced|barium|(?:esopha(?:go)?|arthro|myelo|cysto|urethro|pyelo|"
    r"hysterosalpingo|cholangio|veno|arterio|angio|sialo|fistulo|dacryocysto|lymphangio|"
    r"disco)grams?)\b"
)
# imaging named as guidance of another procedure: not an operation of its own
_GUIDANCE = re.compile(
    r"\bunder (?:\w+ )?(?:fluoroscop\w*|ultrasound|ultrasonograph\w*|ct|"
    r"mri|imaging)(?: guidance| control)?\b|"
    r"\b(?:fluoroscop\w*|ultrasound|ultrasonograph\w*|ct|mri|image)[- ]guid\w*\b|"
    r"\b(?:fluoroscopic|ultrasound|sonographic|ct|imaging) guidance\b"
)
_PREGNANCY_LOSS = re.compile(
    r"\b(?:missed|incomplete|complete|spontaneous|septic|threatened|inevitable|"
    r"recurrent|habitual) (?:abortion|ab)\b"
)
# a duration: "52 consecutive hours", "3.5 hr run", "for 3 days"
_DURATION = re.compile(r"\b(\d+(?:\.\d+)?)[ -]?(?:consecutive )?(hours?|hrs?|h|days?)\b")
# the noun "drain" (a device); "drained", "draining" name the operation only
_DRAIN_NOUN = re.compile(r"\bdrains?\b(?! (?:the|of|fluid|blood|pus|an?)\b)")
NO_VALUE = frozenset({"", "No Device", "No Qualifier", "None"})
_DRAIN = frozenset(tokenize("drain"))
# device meanings whose words are all generic or operation names: the words that name them
DEVICE_WORDS = {"Drainage Device": tokenize("drain tube catheter pigtail indwelling place")}
# how firmly a source names a root operation: a word of the query or the lexicon fully,
# word formation ("-ectomy") half, and an "-otomy" not at all once something else is named
# ("craniotomy with evacuation of hematoma": the incision is the approach)
MORPHOLOGY_STRENGTH = 0.5
DEVICE_INSERTION_STRENGTH = 0.5  # "sacral lead", "port": no verb, the device goes in
LEXICON_STRENGTH = 0.75  # a lexicon term that means an operation ("ORIF", "closed reduction")
# a term's later meanings: the first is the preferred one ("laminectomy": a Release of the
# spinal cord, else an Excision of the vertebra)
LEXICON_ALTERNATIVE_STRENGTH = 0.5
DESCRIPTION_STRENGTH = 0.5  # a brand named with its usual procedure ("Watchman")


@dataclass(frozen=True)
class Vocabulary:
    """Axis words of a set of PCS tables: root operation names (lower case) and the stems
    that device meanings use."""

    operations: frozenset[str]
    device_stems: frozenset[str]
    substitute_stems: frozenset[str] = frozenset()  # of "... Substitute" devices (mesh, graft)
    # general body parts (their stems) and the stems of the parts each contains
    general: tuple[tuple[frozenset[str], tuple[frozenset[str], ...]], ...] = ()
    # the stems of every body part value (sections 0 and 1's surgical tables)
    parts: frozenset[frozenset[str]] = frozenset()
    part_words: frozenset[str] = frozenset()  # stems of body part names

    def names_part(self, meaning: str) -> bool:
        """Whether ``meaning`` is (part of) the name of a body part ("coronary artery":
        Coronary Artery, One Artery)."""
        stems = meaning_stems(meaning)
        return bool(stems) and any(stems <= part for part in self.parts)


@lru_cache(maxsize=4)
def vocabulary(tables: PcsTables) -> Vocabulary:
    operations: set[str] = set()
    devices: set[str] = set()
    substitutes: set[str] = set()
    body_parts: set[tuple[str, str]] = set()
    for table in tables.tables():
        operations.add(table.axes[2].meaning.lower())
    operation_stems = {t for op in operations for t in tokenize(op)}
    for code in tables.codes:
        if code[0] == "0":
            body_parts.add((code[1], tables.axes(code)[3].meaning))
    # words of body part names say no device by themselves ("artery" is no "Autologous
    # Arterial Tissue")
    part_words = frozenset(t for _, m in body_parts for t in meaning_stems(m))
    for code in tables.codes:
        if code[0] == "0":
            meaning = tables.axes(code)[5].meaning
            if meaning not in NO_VALUE:
                own = device_stems(meaning, frozenset(operation_stems), part_words)
                devices.update(own)
                if meaning.endswith("Substitute"):
                    substitutes.update(own)
    general = []
    for name, parts in containment(load_general_parts(), body_parts).items():
        own = meaning_stems(name)
        inside = {meaning_stems(p) for p in parts} - {own, frozenset()}
        if own and inside:
            general.append((own, tuple(sorted(inside, key=sorted))))
    return Vocabulary(
        frozenset(o for o in operations if o),
        frozenset(devices - _GENERIC),
        frozenset(substitutes - _GENERIC),
        tuple(general),
        frozenset(meaning_stems(m) for _, m in body_parts) - {frozenset()},
        part_words,
    )


def device_stems(
    meaning: str, operation_stems: frozenset[str], part_words: frozenset[str] = frozenset()
) -> frozenset[str]:
    """The stems that name a device value: its words less generic ones and operation
    names; a tissue graft less the body part words that say where it came from ("artery"
    names no "Autologous Arterial Tissue"), unless nothing else is left."""
    words = frozenset(tokenize(meaning)) - _GENERIC - _SIDE
    excluded = operation_stems | (part_words if _TISSUE in meaning else frozenset())
    return (words - excluded) or frozenset(DEVICE_WORDS.get(meaning, ())) or words


_TISSUE = "Tissue"  # "Autologous Venous Tissue", "Nonautologous Tissue Substitute"


@dataclass(frozen=True)
class Reading:
    """The query's evidence per axis (stems are Snowball stems)."""

    stems: frozenset[str]  # content stems of the query and its expansions, not negated
    written: frozenset[str]  # ... of the query's own words
    operations: dict[str, float]  # root operations named (lower case) -> how firmly
    approach: str | None
    device: bool  # the query names a device
    diagnostic: bool  # biopsy / diagnostic
    side: str | None
    operation_stems: frozenset[str]
    part_words: frozenset[str] = frozenset()  # stems of body part names (``device_stems``)
    # general body parts (stems) holding a part the query names ("colon": Lower Intestinal
    # Tract)
    within: frozenset[frozenset[str]] = frozenset()
    hours: float | None = None  # a duration the query states ("for 52 hours", "3 days")
    contrast: str | None = None  # "with", "without" or "both" (imaging with contrast)
    # (position, meaning) -> (score, evidence): axis scores of this query, filled by the
    # builder as it goes (the same value recurs in many codes of a table)
    memo: dict[tuple[int, str], tuple[float, str]] = field(default_factory=dict, compare=False)

    def said(self, stems: frozenset[str]) -> float:
        """How much of ``stems`` the query says: its own words fully, expansions half."""
        if not stems:
            return 0.0
        own = len(stems & self.written)
        return (own + 0.5 * (len(stems & self.stems) - own)) / len(stems)


@lru_cache(maxsize=256)
def _whole_word(words: str) -> re.Pattern[str]:
    return re.compile(rf"\b{re.escape(words)}\b")


def _negated_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in NOT_DONE.finditer(text)]


# kinds of expansion that reword a phrase of the query (not a spelling fix or a gloss)
_REWORDING = frozenset({"lay", "synonym", "abbreviation", "eponym", "brand"})


def _consumed(analysis: QueryAnalysis, kept: str, vocab: Vocabulary) -> frozenset[str]:
    """Stems of words that a lexicon term rewords into the name of a body part, and that
    the query does not use elsewhere: "heart" of "heart artery" (the Coronary Artery)
    names no Heart, "belly" of "big vein in my belly" no abdominal wall."""
    spans = [
        (e.start, e.end)
        for e in analysis.expansions
        if e.kind in _REWORDING and vocab.names_part(e.means)
    ]
    if not spans:
        return frozenset()
    outside = frozenset(tokenize(blanked(kept, spans)))
    meant: dict[tuple[int, int], set[str]] = {}  # a span -> stems of all its meanings
    for e in analysis.expansions:
        if (e.start, e.end) in spans:
            meant.setdefault((e.start, e.end), set()).update(tokenize(e.means))
    raw = analysis.raw or analysis.text
    out = {t for (a, b), means in meant.items() for t in tokenize(raw[a:b]) if t not in means}
    return frozenset(out - outside)


def read(analysis: QueryAnalysis, vocab: Vocabulary, facts: QueryFacts) -> Reading:
    raw = analysis.raw or analysis.text
    lower = raw.lower()
    negated = _negated_spans(raw)

    def inside(start: int, end: int) -> bool:
        return any(a <= start and end <= b for a, b in negated)

    operations: dict[str, float] = {}

    def name(text: str, strength: float) -> None:
        said = text.lower()
        for op in vocab.operations:
            if _whole_word(op).search(said):
                operations[op] = max(operations.get(op, 0.0), strength)

    # the query, its negated phrases blanked (same offsets), lower case
    kept = blanked(lower, negated)
    # imaging that guides the procedure ("under fluoroscopy") is not the procedure
    guided = [m.span() for m in _GUIDANCE.finditer(kept)]
    # "missed abortion", "incomplete abortion": a pregnancy loss (a diagnosis) names no
    # root operation Abortion
    unguided = blanked(kept, [*guided, *(m.span() for m in _PREGNANCY_LOSS.finditer(kept))])
    # operations the query's own words name, where
    own: dict[str, list[tuple[int, int]]] = {}
    for op in vocab.operations:
        for m in _whole_word(op).finditer(unguided):
            own.setdefault(op, []).append(m.span())
    otomy: dict[str, float] = {}
    # a lexicon term says more than the word formation of the same word ("microdiscectomy"
    # is an Excision, whatever "-ectomy" says)
    termed = [
        (e.start, e.end)
        for e in analysis.expansions
        if e.kind != "morphology" and any(op in e.means.lower() for op in vocab.operations)
    ]
    # an operation word inside a lexicon term is read as the term says ("removal of
    # stones" is an Extirpation, not the Removal of a device)
    reread = {
        op
        for op, spans in own.items()
        for a, b in spans
        for s, e in termed
        if s <= a and b <= e and (s, e) != (a, b)  # a term that is the word itself says it
    }
    for op in own:
        if op not in reread:
            operations[op] = 1.0
    unrelated: dict[str, float] = {}  # operations of lexicon terms away from the own words
    preferred: set[tuple[int, int]] = set()  # spans whose first meaning named an operation
    for e in analysis.expansions:
        if inside(e.start, e.end) or any(a <= e.start and e.end <= b for a, b in guided):
            continue  # negated, or imaging that only guides ("ultrasound guidance")
        if e.kind == "morphology" and any(a < e.end and e.start < b for a, b in termed):
            continue
        if e.kind == "morphology":
            target = otomy if e.term.lower().endswith("otomy") else None
            if target is not None:
                for op in vocab.operations:
                    if op in e.means.lower():
                        target[op] = MORPHOLOGY_STRENGTH
                continue
            name(e.means, MORPHOLOGY_STRENGTH)
        else:
            before = dict(operations)
            strength = DESCRIPTION_STRENGTH if e.kind == "brand" else LEXICON_STRENGTH
            if (e.start, e.end) in preferred:
                strength = min(strength, LEXICON_ALTERNATIVE_STRENGTH)
            name(e.means, strength)
            if operations != before:
                preferred.add((e.start, e.end))
            covers_own = any(e.start <= a and b <= e.end for sp in own.values() for a, b in sp)
            if not covers_own:
                for op, strength in operations.items():
                    if before.get(op) != strength:
                        unrelated[op] = strength
    if any(strength >= 1.0 for strength in operations.values()):
        # the query's own word names the operation ("removal of spinal cord stimulator
        # leads"): what a lexicon term elsewhere usually means (a stimulator is inserted)
        # gives way
        operations = {op: st for op, st in operations.items() if op not in unrelated or st >= 1.0}
    if not operations:
        operations.update(otomy)
    if "resection" in operations and PARTIAL.search(kept):
        # "resection of a bladder tumor" takes part of the organ: an Excision
        strength = operations.pop("resection")
        operations["excision"] = max(operations.get("excision", 0.0), strength)
    stems = facts.positive - facts.negated
    # the body part key: a structure the query names is coded to the general body part of
    # the table, so that part counts as said by the query's own words
    keyed: set[str] = set()
    for part in general_parts(kept, load_key()):
        keyed |= meaning_stems(part)
    consumed = _consumed(analysis, kept, vocab)
    stems = frozenset((stems | keyed) - _GENERIC - consumed)
    written = frozenset((facts.written | keyed) - facts.negated - consumed)
    if not _DRAIN_NOUN.search(kept):
        stems, written = stems - _DRAIN, written - _DRAIN
    within = frozenset(
        general
        for general, parts in vocab.general
        if any(p <= stems and p & written for p in parts)
    )
    # "Via Natural or Artificial Opening" names an approach, not an artificial device
    device = bool((stems - APPROACH_STEMS) & vocab.device_stems)
    if "repair" in operations and stems & vocab.substitute_stems:
        # a repair that puts in mesh or a graft reinforces the part: a Supplement (Repair
        # is the root operation only when no other one applies; a hernia repair with mesh);
        # a substitute the query names itself ("with Prolene mesh") leaves no Repair
        named = written & vocab.substitute_stems or any(
            meaning_stems(e.means) <= vocab.substitute_stems
            for e in analysis.expansions
            if not inside(e.start, e.end)
        )
        strength = operations.pop("repair") if named else operations["repair"]
        operations["supplement"] = max(operations.get("supplement", 0.0), strength)
    if not operations and device:  # a device named with no operation: it is put in
        operations["insertion"] = DEVICE_INSERTION_STRENGTH
    diagnostic = any(not inside(*m.span()) for m in _DIAGNOSTIC.finditer(lower))
    diagnostic = diagnostic or any(
        "diagnostic" in e.means.lower() for e in analysis.expansions if not inside(e.start, e.end)
    )
    if any(not inside(*m.span()) for m in BOTH_INTENTS.finditer(lower)):
        diagnostic = False  # therapeutic and diagnostic: coded as therapeutic
    operation_stems = frozenset(t for op in vocab.operations for t in tokenize(op))
    contrast = (
        "both"
        if _CONTRAST_BOTH.search(lower)
        else "without"
        if _CONTRAST_WITHOUT.search(lower)
        else "with"
        if _CONTRAST_WITH.search(lower)
        else None
    )
    hours = None
    for m in _DURATION.finditer(lower):
        if not inside(*m.span()):
            hours = float(m.group(1)) * (24 if m.group(2).startswith("d") else 1)
            break
    return Reading(
        stems=stems,
        written=written,
        operations=operations,
        approach=analysis.approach,
        device=device,
        diagnostic=diagnostic,
        side=analysis.laterality,
        operation_stems=operation_stems,
        part_words=vocab.part_words,
        within=within,
        hours=hours,
        contrast=contrast,
    )


@lru_cache(maxsize=65536)
def meaning_stems(meaning: str) -> frozenset[str]:
    """Content stems of an axis meaning, without side words and generic axis words."""
    return frozenset(tokenize(meaning)) - _SIDE - _GENERIC


_SIDES = (
    ("bilateral", re.compile(r"\bbilateral\b", re.I)),
    ("right", re.compile(r"\bright\b", re.I)),
    ("left", re.compile(r"\bleft\b", re.I)),
)


@lru_cache(maxsize=65536)
def side_of(meaning: str) -> str | None:
    return next((name for name, pattern in _SIDES if pattern.search(meaning)), None)
