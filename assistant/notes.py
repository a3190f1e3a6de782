"""Clinical notes: sections, statements, and what each statement asserts (ConText-style:
negated, uncertain, historical, family, not performed or only planned), with offsets.

Everything here works on offsets into the note, so every piece of evidence satisfies
``note[start:end] == text``. Note text is PHI: nothing here logs it.

The statuses follow the ConText algorithm (Harkema et al., 2009; medspaCy's ``ConText``):
trigger phrases whose scope runs forward to the end of the clause (a period, a semicolon,
or a conjunction that opens a new clause such as "but" or "however"), pseudo-triggers that
look like a trigger and are not ("no change", "not only"), and categories NEGATED,
POSSIBLE, HISTORICAL, FAMILY and HYPOTHETICAL, plus NOT PERFORMED for procedure steps.
medspaCy itself is not used: its releases pin numpy<2, which the rest of the stack
(faiss-cpu, sentence-transformers on numpy 2) cannot share in one environment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from assistant.conventions import title_laterality
from assistant.note_text import PROCEDURE_WORD

Kind = Literal["diagnosis", "procedure", "finding", "history"]
Status = Literal[
    "positive", "negated", "uncertain", "history", "family", "not_performed", "hypothetical"
]

TITLE_LINE = "procedure_title"  # a heading whose own line names the procedure
# Heading patterns (case-insensitive, at the start of a line, colon optional) -> (name, kind)
SECTION_PATTERNS: tuple[tuple[str, str, Kind | None], ...] = (
    (r"pre-?\s*op(?:erative)?\.?\s*(?:diagnos[ie]s|dx)", "preoperative_diagnosis", "diagnosis"),
    (r"post-?\s*op(?:erative)?\.?\s*(?:diagnos[ie]s|dx)", "postoperative_diagnosis", "diagnosis"),
    (
        r"(?:(?:final|discharge|admitting|principal|secondary|visit|encounter|ed|er|"
        r"billing|working)\s+)?(?:diagnos[ie]s|dx)"
        # "Diagnoses for this visit:", "Diagnosis (today's encounter):"
        r"(?:\s+(?:for|of|at)\s+(?:this|today's|the)\s+(?:visit|encounter|admission|stay))?|"
        # "INDICATION / DIAGNOSIS:", "Diagnosis/Indication:": the diagnosis stated
        r"indications?\s*(?:/|&|and)\s*(?:diagnos[ie]s|dx)|(?:diagnos[ie]s|dx)\s*(?:/|&|and)\s*"
        r"indications?",
        "diagnosis",
        "diagnosis",
    ),
    (
        r"(?:(?:clinical|final|working|ed|er|discharge|overall)\s+)?"
        r"(?:assessment(?:\s*(?:and|&|/)\s*plan)?|impressions?(?:\s*(?:and|&|/)\s*plan)?)|"
        r"a/p|a&p|problem list|active problems",
        "assessment",
        "diagnosis",
    ),
    (r"family\s+history|fhx|fh", "family_history", "history"),
    (r"social(?:\s+(?:history|hx))?|soc\.?\s+hx|shx|sh", "social_history", None),
    # a past surgical history lists operations: what they were done for is gone
    (
        r"(?:past\s+)?surgical\s+(?:history|hx)|psh|prior\s+(?:surgeries|operations)|"
        r"previous\s+(?:surgeries|operations)",
        "surgical_history",
        "history",
    ),
    (
        r"(?:(?:other|pertinent|relevant|significant|additional)\s+)?"
        r"(?:past\s+(?:medical\s+|surgical\s+)?history|pmh|psh|medical history|history)"
        # "PERTINENT HISTORY AND MEDICATIONS:", "PMH/meds:": one list of both
        r"(?:\s*(?:and|&|/)\s*(?:medications|meds))?|"
        r"(?:hpi|history)\s*/\s*(?:pmh|psh|hx)|pmh\s*/\s*psh",
        "history",
        "history",
    ),
    (
        r"history of (?:the )?present illness|hpi|chief complaint|cc|"
        r"reason for (?:visit|admission)|(?:hospital|ed|er|emergency department|clinical)\s+"
        r"course|subjective|mechanism(?:\s+of\s+injury)?|moi|"
        r"clinical (?:history|summary)|presentation|mdm|medical decision[- ]making",
        "narrative",
        "finding",
    ),
    (
        r"(?:discharge\s+|home\s+|current\s+|admission\s+|outpatient\s+)?medications?|meds",
        "medications",
        "finding",
    ),
    (r"allergies|allergy|drug allergies", "allergies", None),
    (
        r"plan(?:\s*(?:/|&|and)\s*(?:disposition|follow[- ]?up|recommendations?|discharge))?|"
        r"follow[- ]?up|recommendations?|instructions",
        "plan",
        None,
    ),
    (
        r"(?:name\s+of\s+)?(?:procedure\(s\)|procedures?|operations?)(?:\s+performed)?"
        # "PROCEDURES THIS ADMISSION:", "Procedures during hospitalization:"
        r"(?:\s+(?:this|during(?: this| the)?)\s+(?:admission|hospitali[sz]ation|stay|visit))?"
        # not "PROCEDURE - LACERATION REPAIR:", a title line (below)
        r"(?![ \t]*[-\u2013\u2014][ \t]*[A-Za-z][^\n:]{2,60}:[ \t]*\n)"
        r"|surgery performed",
        "procedure",
        "procedure",
    ),
    # "PROCEDURE NOTE (11/05) - Dual-chamber pacemaker implantation": a note's title line
    # names the procedure (only the rest of that line; see ``sections``)
    (
        r"(?:procedure|operative|op)\s+(?:note|report)"
        r"(?=[ \t]*(?:\([^()\n]{1,40}\)[ \t]*)?[-:\u2013\u2014][ \t]*[A-Za-z])|"
        # "PROCEDURE - LACERATION REPAIR:": the procedure named in the heading, its steps after
        r"procedure(?=[ \t]*[-\u2013\u2014][ \t]*[A-Za-z][^\n:]{2,60}:[ \t]*\n)",
        TITLE_LINE,
        "procedure",
    ),
    (
        r"indications?(?:\s+for\s+(?:the\s+)?(?:procedure|operation|surgery))?|"
        r"history\s*/\s*indications?|indications?\s*/\s*history",
        "indications",
        "finding",
    ),
    (r"findings?|operative findings", "findings", "finding"),
    (
        r"(?:description|details)\s+of\s+(?:the\s+)?(?:procedure|operation)|"
        r"procedure\s+(?:description|details|in detail|note)|technique|"
        r"operative (?:technique|report|note|details)|description|details|narrative|"
        r"prep|course|postpartum course|tourniquet|vein mapping|ultrasound|resuscitation|"
        r"primary(?:/secondary)? survey|secondary survey|setting|post-procedure [\w/ ]+",
        "description",
        None,
    ),
    (r"complications?", "complications", "finding"),
    (r"anesthesia|anesthetic|sedation|analgesia", "anesthesia", None),
    (r"(?:estimated\s+)?blood\s+loss|ebl", "blood_loss", None),
    (
        r"specimens?|drains?|implants?|fluids?|disposition|condition(?: (?:at|on) discharge)?|"
        r"discharge (?:condition|status|disposition|instructions)|"
        r"patient|tee findings|labs?|vitals?|exam(?:ination)?|imaging|pathology|ebl|location|"
        r"ros|review of systems",
        "other",
        None,
    ),
    (
        r"surgeon|assistants?|attending|operators?|proceduralist|"
        r"date of (?:surgery|service|procedure)",
        "other",
        None,
    ),
)
_HEADING = re.compile(
    r"^[ \t]*(?:"
    + "|".join(f"(?P<h{i}>{p})" for i, (p, _, _) in enumerate(SECTION_PATTERNS))
    # a date or count in parentheses may stand between the heading and its colon:
    # "PROCEDURE(S) PERFORMED (03/12):", "DIAGNOSES (in order of priority):"
    + r")[ \t]*(?:\([^()\n]{1,40}\)[ \t]*)?(?::|-|\n|$)[ \t]*",
    re.IGNORECASE | re.MULTILINE,
)

# ConText triggers by category. Forward triggers govern the words after them up to the end
# of the clause, backward ones the words before them back to its start. "without" and
# "not" alone are left out of the negations: code titles use them ("without
# complications", "not intractable").
_F = re.IGNORECASE
FORWARD: tuple[tuple[Status, re.Pattern[str]], ...] = (
    (
        "family",
        re.compile(
            r"\b(?:family history of|family history|fhx|fh of|(?:his|her|the patient's)? ?"
            r"(?:mother|father|brother|sister|sibling|grandmother|grandfather|aunt|uncle)"
            r"(?: had| has| with| died of)?)\b",
            _F,
        ),
    ),
    (
        "negated",
        re.compile(
            r"\b(?:no evidence of|without evidence of|negative for|free of|absence of|"
            # "Ruled out: bacterial pneumonia": the colon ends no clause after the trigger
            r"rule[sd]? out(?::(?=\s))?|r/o|denie[sd]|no|not|nor|never had)(?:\b|(?<=:))",
            _F,
        ),
    ),
    (
        "uncertain",
        re.compile(
            r"\b(?:possible|possibly|probable|probably|suspected|suspect|suspicious for|"
            r"questionable|likely|concern(?:ing)? for|presumed|presumptive|differential "
            r"(?:includes|diagnosis)|versus|vs\.?)\b",
            _F,
        ),
    ),
    (
        "hypothetical",
        re.compile(
            r"\b(?:plan(?:s|ned)? (?:for|to)|will (?:need|undergo|be|have|return|follow)|"
            r"scheduled for|to be scheduled|consider(?:ing)?|if (?:needed|necessary)|"
            r"recommend(?:ed|s)?|candidate for|return if|in anticipation of|"
            r"in preparation for|prior to starting|before starting|ahead of|"
            r"for (?:planned|adjuvant|neoadjuvant|future|upcoming)|"
            # a consent's list of what could happen: "risks of bleeding, infection, ..."
            r"risks?(?:,? benefits)?(?:,? and (?:benefits|alternatives))? (?:of|including|"
            r"such as|include|includes|were discussed)|potential complications)\b",
            _F,
        ),
    ),
    (
        "history",
        re.compile(
            r"\b(?:history of|h/o|hx of|status post|s/p|prior|previous|remote|"
            # "old", not an age ("16-year-old", "3 months old")
            r"(?<!year-)(?<!years )(?<!month-)(?<!months )(?<!week-)(?<!weeks )(?<!day-)"
            r"(?<!days )(?<!yr-)(?<!y/)(?<!yo-)old|former|formerly|ex-|quit)\b",
            _F,
        ),
    ),
)
BACKWARD: tuple[tuple[Status, re.Pattern[str]], ...] = (
    (
        "not_performed",
        re.compile(
            r"\b(?:(?:was|were|is|are)? ?not (?:performed|done|placed|inserted|undertaken|"
            r"attempted|completed|required|needed|carried out)|deferred|aborted|abandoned|"
            r"cancel(?:l)?ed|omitted|declined|was not|were not)\b",
            _F,
        ),
    ),
    (
        "negated",
        re.compile(
            r"\b(?:(?:was|were|is|are) (?:negative|absent|normal|unremarkable)|ruled out|"
            r"(?:pcr|tests?|testing|screen|cultures?|swabs?|antigens?|serology|studies|panel|"
            r"results?|assay|ua|urinalysis|cxr|x-?rays?|imaging|ultrasound|ekg|ecg|biopsy|"
            r"smear|stain)\s+(?:(?:was|were|is|are|all|both)\s+)?negative|"
            r"excluded|resolved|not (?:seen|present|identified|found|appreciated|established|"
            r"confirmed|diagnosed))\b",
            _F,
        ),
    ),
    ("uncertain", re.compile(r"\b(?:(?:is|was) (?:unlikely|likely|suspected|possible))\b", _F)),
    # a past episode over and done: "Kidney stone 2015 (passed), none since"
    (
        "history",
        re.compile(
            r"\b(?:passed(?: spontaneously)?|healed|none since|no recurrences?(?: since)?|"
            r"never recurred)\b",
            _F,
        ),
    ),
    # what is to happen later: "suture removal in 10-14 days", "recheck in 2 weeks"
    (
        "hypothetical",
        re.compile(
            r"\bin (?:\d+(?:\s*(?:-|to)\s*\d+)?|a|one|two|a few) "
            r"(?:days?|weeks?|wks?|months?|mos?|years?)\b(?! ago)",
            _F,
        ),
    ),
)
# Look like triggers and are not.
PSEUDO = re.compile(
    r"\b(?:no change|no further|not only|no increase|no longer (?:needs?|requires?)|"
    r"gram negative|not certain whether|without difficulty|no complications? (?:from|of) "
    r"(?:the )?(?:procedure|surgery)|not intractable|no significant change)\b",
    _F,
)
# A clause ends at these: a trigger's scope does not reach past them.
TERMINATOR = re.compile(
    r"[.;:]|\s-\s|\b(?:but|however|although|except|aside from|yet|which|who|and then)\b", _F
)
_CONTENT = re.compile(r"[A-Za-z][A-Za-z'-]{2,}")


@dataclass(frozen=True)
class Scope:
    """Part of a statement a trigger governs (offsets into the statement's text)."""

    start: int
    end: int
    status: Status
    trigger: str


def scopes(text: str, kind: str = "diagnosis") -> list[Scope]:
    """The ConText scopes of ``text``: each trigger with the clause part it governs."""
    masked = PSEUDO.sub(lambda m: " " * len(m.group(0)), text)
    out: list[Scope] = []
    for status, pattern in FORWARD:
        for m in pattern.finditer(masked):
            end = TERMINATOR.search(masked, m.end())
            out.append(Scope(m.start(), end.start() if end else len(text), status, m.group(0)))
    for status, pattern in BACKWARD:
        if status == "not_performed" and kind not in ("procedure", "finding"):
            continue
        for m in pattern.finditer(masked):
            starts = [t.end() for t in TERMINATOR.finditer(masked, 0, m.start())]
            out.append(Scope(starts[-1] if starts else 0, m.end(), status, m.group(0)))
    return sorted(out, key=lambda s: (s.start, s.end))


def asserted(text: str, found: list[Scope]) -> str:
    """``text`` with every governed part blanked (same length: offsets still hold)."""
    chars = list(text)
    for scope in found:
        chars[scope.start : scope.end] = " " * (scope.end - scope.start)
    return "".join(chars)


def context(text: str, kind: str = "diagnosis") -> tuple[Status, str]:
    """A statement's status: positive when words outside every trigger's scope still say
    something (two content words), else the status of its first scope."""
    found = scopes(text, kind)
    if not found:
        return "positive", ""
    rest = asserted(text, found)
    if len(_CONTENT.findall(rest)) >= MIN_ASSERTED_WORDS:
        return "positive", ""
    first = found[0]
    return first.status, first.trigger


MIN_ASSERTED_WORDS = 2


# A statement of just "None." / "No complications." carries nothing to code.
EMPTY = re.compile(
    r"^\s*(?:none|n/a|no complications?|minimal|none apparent|"
    r"same(?: as (?:above|pre-?operative(?: diagnosis)?))?)\.?\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class NoteSection:
    name: str
    kind: Kind | None
    heading: Span
    body: Span


@dataclass(frozen=True)
class Statement:
    section: str
    kind: Kind
    span: Span
    status: Status
    reason: str = ""
    # what the statement asserts: its text with negated, uncertain, historical ... parts
    # blanked (same length as ``span.text``); the search query for a positive statement
    asserted: str = ""


def _span(note: str, start: int, end: int) -> Span:
    while start < end and note[start].isspace():
        start += 1
    while end > start and note[end - 1].isspace():
        end -= 1
    return Span(start, end, note[start:end])


def sections(note: str) -> list[NoteSection]:
    """Sections by heading; text before the first heading is a ``preamble``."""
    matches = list(_HEADING.finditer(note))
    out: list[NoteSection] = []
    if not matches or matches[0].start() > 0:
        end = matches[0].start() if matches else len(note)
        body = _span(note, 0, end)
        if body.text:
            out.append(NoteSection("preamble", None, Span(0, 0, ""), body))
    titled: list[int] = []  # title-line procedure sections
    for i, m in enumerate(matches):
        index = next(int(k[1:]) for k, v in m.groupdict().items() if v is not None)
        _, name, kind = SECTION_PATTERNS[index]
        end = matches[i + 1].start() if i + 1 < len(matches) else len(note)
        heading = _span(note, m.start(), m.end())
        if name == TITLE_LINE:
            # a title line that names a procedure is the procedure statement ("- Dual-
            # chamber pacemaker implantation", not "- UROLOGY"); what follows, description
            eol = note.find("\n", m.end(), end)
            eol = end if eol < 0 else eol
            named = PROCEDURE_WORD.search(note[m.end() : eol].lower()) is not None
            if named:
                titled.append(len(out))
            out.append(
                NoteSection(
                    "procedure" if named else "description",
                    kind if named else None,
                    heading,
                    _span(note, m.end(), eol),
                )
            )
            rest = _span(note, eol, end)
            if rest.text:
                out.append(NoteSection("description", None, Span(eol, eol, ""), rest))
            continue
        out.append(NoteSection(name, kind, heading, _span(note, m.end(), end)))
    listed = [i for i, s in enumerate(out) if s.name == "procedure" and s.body.text]
    if set(listed) - set(titled):
        # a note that lists its procedures under a heading: its title line is no second
        # statement of them
        for i in titled:
            out[i] = NoteSection("description", None, out[i].heading, out[i].body)
    return out


# a list item's mark at the start of a line: "1.", "2)", "(3)", "a)", "(b)", "-", "•"
# (a bullet indented under a numbered item, "   - IOL: ...", is part of that item)
_MARK = r"(?:^|\n)(?:\s*(?:\(?\d+[.)]|\(?[a-zA-Z]\)|\([a-zA-Z]\)|[a-z]\.)|[ \t]?[-•*])[ \t]+"
_LEADING_MARK = re.compile(_MARK.replace("(?:^|\\n)", "\\s*", 1))
_ITEM = re.compile(rf"{_MARK}|;\s+|\n\s*\n|(?<=[.!?])\s+(?=[A-Z])")
# a procedure list puts one procedure on each line: a line that starts with a capital
# after one that ends a phrase (not a comma, dash, slash or open parenthesis) is the next
_PROCEDURE_ITEM = re.compile(
    rf"{_MARK}|;\s+|\n\s*\n|(?<=[.!?])\s+(?=[A-Z])|(?<=[^,;(/\s-])[ \t]*\n(?=[A-Z])"
)
# history lists ("Hypertension, hyperlipidemia, GERD") also split on commas
_LIST_ITEM = re.compile(rf"{_MARK}|;\s+|,\s+|\n|(?<=[.!?])\s+(?=[A-Z])")


def _pieces(note: str, start: int, end: int, splitter: re.Pattern[str]) -> list[tuple[int, int]]:
    """``note[start:end]`` split where ``splitter`` matches; a comma inside parentheses
    does not split ("Right breast cancer (stage I, ER+)" is one piece)."""
    pieces: list[tuple[int, int]] = []
    pos = start
    for m in splitter.finditer(note, start, end):
        before = note[pos : m.start()]
        if m.group(0).startswith(",") and before.count("(") > before.count(")"):
            continue
        pieces.append((pos, m.start()))
        pos = m.end()
    pieces.append((pos, end))
    # the first item's mark, where the body begins with it ("(1) Phacoemulsification")
    return [(a + _mark_length(note, a, b), b) for a, b in pieces]


def _mark_length(note: str, a: int, b: int) -> int:
    m = _LEADING_MARK.match(note, a, b)
    return m.end() - a if m is not None else 0


def statements(note: str) -> list[Statement]:
    """Diagnosis, procedure and finding statements, with negation/uncertainty/history.

    The first procedure section is the procedure statement; a later one ("PROCEDURES:"
    then "PROCEDURE: Veress entry ...") is the description, which refines and codes
    nothing by itself. A history list is split at commas too, except a sentence with a
    trigger, whose scope runs over its commas ("no hydronephrosis, no renal or perinephric
    abscess"). A measurement ("HR 118", "creatinine 2.3") is not a statement."""
    out: list[Statement] = []
    seen_procedure = False
    for sec in sections(note):
        if sec.kind is None:
            continue
        if sec.kind == "procedure":
            if seen_procedure:
                continue
            seen_procedure = True
        body = sec.body
        pieces: list[tuple[int, int]] = []
        splitter = _PROCEDURE_ITEM if sec.kind == "procedure" else _ITEM
        for a, b in _pieces(note, body.start, body.end, splitter):
            if sec.kind == "history" and not scopes(note[a:b], sec.kind):
                for c, d in _pieces(note, a, b, _LIST_ITEM):
                    # "Diabetes mellitus, type 2": a qualifier alone belongs to its condition
                    if pieces and _QUALIFIER_ONLY.fullmatch(note[c:d].strip(" .")):
                        pieces[-1] = (pieces[-1][0], d)
                    else:
                        pieces.append((c, d))
            else:
                pieces.append((a, b))
        for a, b in pieces:
            span = _span(note, a, b)
            text = span.text.strip(" .,:")
            if len(text) < 3 or EMPTY.match(span.text) or measurement(span.text):
                continue
            out.append(_classify(sec, span))
    return out


# a list piece that only qualifies the condition before it
_QUALIFIER_ONLY = re.compile(
    r"(?:(?:type|stage|grade|class|nyha(?: class)?|gold)\s*[0-9ivx]+[a-c]?|right|left|"
    r"bilateral|acute|chronic|controlled|uncontrolled|well[- ]controlled|poorly controlled|"
    r"unspecified|mild|moderate|severe|stable|insulin[- ]dependent|non[- ]insulin[- ]dependent|"
    r"with(?:out)? complications?|intractable|not intractable|in remission|recurrent|"
    r"(?:a)?symptomatic|resolved|improved|improving|(?:well[- ])?compensated|quiescent|"
    r"(?:in)?active|(?:un)?treated)",
    re.IGNORECASE,
)
# the words of vital signs and laboratory values: a statement of only these and numbers is
# a measurement, which a coder does not code (guideline III.B: abnormal findings are coded
# only when the provider names their significance)
_MEASURE_TEXT = (
    "t temp temperature tmax hr pulse heart rate rr respiratory bp blood "
    "pressure map sbp dbp spo2 sao2 o2 sat sats saturation pao2 paco2 fio2 ph "
    "wbc hgb hb hemoglobin hct hematocrit plt platelets platelet na sodium k "
    "potassium cl chloride hco3 bicarbonate co2 bun cr creat creatinine gfr "
    "egfr glucose bg lactate lactic acid troponin trop bnp nt-probnp inr pt ptt "
    "aptt a1c hba1c albumin ast alt alk phos bilirubin bili lipase amylase ck "
    "cpk crp esr procalcitonin tsh ft4 ldl hdl triglycerides cholesterol ef "
    "lvef ejection fraction weight wt height ht kg lb lbs g dl mg ml l mmol meq "
    "mmhg cm mm bpm c f on room air ra baseline ed er admission initial repeat "
    "peak was of at and vitals labs"
)
_MEASURE_WORDS = frozenset(_MEASURE_TEXT.split())
_MEASURE_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9-]*|\d+(?:[.,/]\d+)*")


def measurement(text: str) -> bool:
    """A vital sign or laboratory value and nothing else ("HR 118", "ED: T 39.4 C",
    "creatinine 2.3 (baseline 0.9)")."""
    tokens = _MEASURE_TOKEN.findall(text)
    numbers = [t for t in tokens if t[0].isdigit()]
    words = [t.lower() for t in tokens if not t[0].isdigit()]
    return bool(numbers) and bool(words) and all(w in _MEASURE_WORDS for w in words)


def without_measures(line: str) -> str:
    """A diagnosis line without its clauses that are only a measurement ("Hyperlipidemia,
    LDL 142" -> "Hyperlipidemia"): the value is no part of the condition's name."""
    kept = [c for c in re.split(r",\s*", line) if c.strip() and not measurement(c)]
    return ", ".join(k.strip() for k in kept) if kept else line


# a family history item that denies ("No known Lynch syndrome", "negative for colon
# cancer", "noncontributory")
_FAMILY_DENIED = re.compile(
    r"^\W*(?:no|none|denies|negative)\b|\bnon-?contributory\b|\bunknown\b|\bnegative for\b",
    re.IGNORECASE,
)


# a procedure line labelled as not done: "NOT PERFORMED: ...", "Not done - ..."
_NOT_DONE_LABEL = re.compile(
    r"^\W*(?:\d+[.)]\s*)?(?:not (?:performed|done)|deferred|aborted|cancell?ed)\s*[:\-]",
    re.IGNORECASE,
)


def _classify(sec: NoteSection, span: Span) -> Statement:
    kind: Kind = sec.kind or "finding"
    if sec.name == "family_history":
        if _FAMILY_DENIED.search(span.text):  # "No known Lynch syndrome", "noncontributory"
            return Statement(sec.name, kind, span, "negated", "negated: family history", "")
        return Statement(sec.name, kind, span, "family", "family: family history", span.text)
    found = scopes(span.text, kind)
    if kind == "procedure" and (
        _NOT_DONE_LABEL.match(span.text) or any(f.status == "not_performed" for f in found)
    ):
        # "NOT PERFORMED: bilateral salpingectomy", "biopsy of RUL mass - planned, NOT
        # performed": a procedure line the note says was not done codes nothing, whatever
        # the clause the trigger stands in
        return Statement(sec.name, kind, span, "not_performed", "not_performed: line", "")
    rest = asserted(span.text, found)
    if not found or len(_CONTENT.findall(rest)) >= MIN_ASSERTED_WORDS:
        return Statement(sec.name, kind, span, "positive", "", rest)
    first = found[0]
    return Statement(sec.name, kind, span, first.status, f"{first.status}: '{first.trigger}'", rest)


def laterality(text: str) -> str | None:
    """Side named in a note statement ("both" counts as bilateral)."""
    if re.search(r"\bboth\b|\bbilaterally\b", text.lower()):
        return "bilateral"
    return title_laterality(text)
