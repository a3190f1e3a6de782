"""What a note says once for the whole encounter, coded beside its statements: the
external causes of an injury (how, where, doing what; a transport accident in the words of
its title), statuses after earlier procedures, weeks of gestation and the outcome of
delivery, the BMI a condition's "use additional code" note asks for, and the site a
procedure statement leaves to the principal diagnosis."""

from __future__ import annotations

import re

from assistant.knowledge.status_after import statuses_after
from assistant.knowledge.transport import transport_wording
from assistant.note_measures import BMI_CATEGORY, bmi_code
from assistant.note_rules import use_additional
from assistant.note_text import OBSTETRIC, WEEKS, external_cause
from assistant.note_types import Draft, Evidence, NoteQuery
from assistant.notes import Span, Statement
from assistant.search import PcsBuild, Retriever
from assistant.weights import NoteWeights

_HOW, _WHERE, _ACTIVITY = ("V", "W", "X"), ("Y92",), ("Y93",)
EXTERNAL_CAUSES: tuple[tuple[tuple[str, ...], str], ...] = (
    (_HOW, "external cause: how the injury happened"),
    (_WHERE, "external cause: place of occurrence"),
    (_ACTIVITY, "external cause: activity"),
)


_WHILE_DOING = re.compile(r"\bwhile (\w+ing\b(?:\s+(?!to\b|the\b)\w+)?)", re.IGNORECASE)
_FALL = re.compile(r"\b(?:fell|falls?|falling)\b", re.IGNORECASE)
_LANDED = re.compile(
    r"\b(?:fell|falls?|falling|landed|landing|went down|hit the (?:floor|ground))\b", re.I
)


def external_cause_queries(st: Statement, asserted: str, w: NoteWeights) -> list[NoteQuery]:
    """How (the clause naming the mechanism), where (each place phrase, worded as the
    place-of-occurrence titles are) and the activity of an injury sentence."""
    said = external_cause(asserted)
    # a transport accident is searched in the words its title is built from
    transport = transport_wording(asserted)
    how = said.how
    if how and len(how.split()) == 1 and said.places:
        how = f"{how} on {said.places[0]}"  # "slipped" on what: "the wet floor", "ice"
    if how and _LANDED.search(asserted) and not _FALL.search(how):
        how = f"{how}, fall"  # "slipped on the wet floor ... landed on her hip": a fall
    doing = _WHILE_DOING.search(asserted)  # "while walking to the toilet"
    wording = {
        _HOW: [transport or how or asserted],
        # one place named in another ("the bathroom in her single-family home") is one
        # place of occurrence
        _WHERE: [f"place of occurrence: {' in '.join(said.places)}"] if said.places else [],
        _ACTIVITY: [f"activity: {doing.group(1) if doing else said.how or asserted}"],
    }
    return [
        NoteQuery(st, text, "ICD-10-CM", w.external_cause_threshold, why, prefixes=prefixes)
        for prefixes, why in EXTERNAL_CAUSES
        for text in wording[prefixes]
    ]


def status_queries(note: str, found: list[Statement], w: NoteWeights) -> list[NoteQuery]:
    """Status after a procedure the note mentions ("s/p CABG": Z95.1), outside the
    procedure statements (what is done now) and the family history."""
    skip = [
        st.span
        for st in found
        if st.kind == "procedure" or st.status in ("family", "negated", "hypothetical")
    ]
    performed = " ".join(st.span.text.lower() for st in found if st.kind == "procedure")
    out = []
    for status in statuses_after(note):
        if any(s.start <= status.start < s.end for s in skip):
            continue
        if note[status.start : status.end].lower() in performed:
            continue  # the procedure of this encounter leaves no status yet
        span = Span(status.start, status.end, note[status.start : status.end])
        st = Statement("note", "finding", span, "positive", "", span.text)
        why = f"status after a procedure ({status.name}): status code (guideline I.C.21.c.3)"
        out.append(
            NoteQuery(st, status.search, "ICD-10-CM", w.history_threshold, why, status.prefixes)
        )
    return out


def gestation_queries(note: str, w: NoteWeights) -> list[NoteQuery]:
    """Weeks of gestation (Z3A) in an obstetric note: coded with every pregnancy code."""
    if not OBSTETRIC.search(note):
        return []
    m = WEEKS.search(note)
    if m is None:
        return []
    span = Span(m.start(), m.end(), m.group(0))
    st = Statement("note", "finding", span, "positive", "", m.group(0))
    weeks = m.group("weeks") or m.group("weeks2")
    return [
        NoteQuery(
            st,
            f"{weeks} weeks gestation of pregnancy",
            "ICD-10-CM",
            w.history_threshold,
            "weeks of gestation (Z3A), coded with the pregnancy codes",
            prefixes=("Z3A",),
        )
    ]


# what was born (guideline I.C.15.b.5: the outcome of delivery, Z37, on every delivery
# record of the mother)
_BORN = (
    (
        re.compile(r"\b(?:stillborn|still birth|stillbirth|fetal demise|iufd)\b", re.I),
        "single stillbirth",
    ),
    (
        re.compile(r"\btwins?\b[^.]*\b(?:liveborn|live[- ]born|apgars?)\b", re.I),
        "twins, both liveborn",
    ),
    (re.compile(r"\b(?:liveborn|live[- ]born|live birth|apgars?)\b", re.I), "single live birth"),
)


NEWBORN_BIRTH = "Z38"  # liveborn infants according to place of birth: the newborn's record


def delivery_outcome_queries(note: str, w: NoteWeights) -> list[NoteQuery]:
    """The outcome of delivery (Z37) of the mother's delivery record (a newborn's own
    record has its birth as a Z38 code, not the mother's Z37)."""
    for pattern, outcome in _BORN:
        m = pattern.search(note)
        if m is not None:
            span = Span(m.start(), m.end(), m.group(0))
            st = Statement("note", "finding", span, "positive", "", m.group(0))
            why = "outcome of delivery (Z37), coded on every delivery record"
            text = f"outcome of delivery, {outcome}"
            return [NoteQuery(st, text, "ICD-10-CM", w.history_threshold, why, prefixes=("Z37",))]
    return []


def site_unsaid(build: PcsBuild) -> bool:
    """The statement names a root operation but less of the body part than the code
    chosen says ("Laceration repair": "skin" of which region? "Abdomen Skin")."""
    built = build.built
    if built is None or not built.determined_by[2]:
        return False
    part = next((a.meaning for a in built.axes if a.position == 4), "")
    return len(built.determined_by[3].split()) < len(part.split())


def with_site(retriever: Retriever, build: PcsBuild, text: str, weights: NoteWeights) -> PcsBuild:
    """The build of the statement with the principal diagnosis beside it, when that keeps
    the root operation's table and names more of the body part."""
    refined = retriever.build_pcs(text, k=weights.candidates)
    before, after = build.built, refined.built
    if before is None or after is None or after.code[:3] != before.code[:3]:
        return build
    if len(after.determined_by[3].split()) <= len(before.determined_by[3].split()):
        return build
    return refined


def with_bmi(retriever: Retriever, note: str, kept: list[Draft]) -> list[Draft]:
    """The codes kept, with the BMI code of the value the note records when a coded
    condition's "use additional code" note asks for it (obesity, malnutrition: guideline
    I.B.14); the value read decides over a BMI code a search found."""
    found = bmi_code(retriever, note)
    if found is None:
        return kept
    code, value = found
    asking = [d for d in kept if any(ref.covers(code) for ref in use_additional(retriever, d))]
    if not asking:
        return kept
    result = retriever.search(code, "ICD-10-CM", k=1).results[0]
    first = asking[0]
    rationale = f"use additional code: a note of {first.result.code} asks for the BMI (I.B.14)"
    evidence = Evidence(value.start, value.end, note[value.start : value.end], "note")
    others = [d for d in kept if not d.result.code.startswith(BMI_CATEGORY)]
    return [*others, Draft(result, first.confidence, rationale, [evidence])]
