"""Codes for a clinical note, coded as a coder codes it.

- What is coded: the procedure statements (PROCEDURE(S) PERFORMED, OPERATION, numbered
  lists) in ICD-10-PCS (and the CPT pages and HCPCS the index holds), the diagnoses of the
  diagnosis sections (the postoperative diagnosis wins over the preoperative one), the
  conditions of the history lists, and chronic conditions under treatment named in the
  narrative ("hypertension controlled on amlodipine").
- What is not: negated, family, planned and not-performed statements; uncertain diagnoses
  in an outpatient note (guideline IV.H: code the sign or symptom; in an inpatient note
  they are coded as if established, guideline II.H); "history of" conditions go to their
  personal-history codes; a procedure the patient is status post leaves its status code
  (Z89-Z98).
- Then, as a coder would: one code per finding (the unspecified sibling gives way to a
  specific one), no Excludes1 pair, and the codes that "use additional code" notes ask
  for when the note supports them.
Each recommended code has its evidence in the note (``note[start:end] == text``), a
rationale naming the rule used and a calibrated confidence; codes considered and not
recommended are alternatives, with why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from assistant.errors import QueryError
from assistant.expansion import Expansion
from assistant.knowledge.device_systems import coded_by_parts, part_text
from assistant.note_encounter import (
    NEWBORN_BIRTH,
    delivery_outcome_queries,
    external_cause_queries,
    gestation_queries,
    site_unsaid,
    status_queries,
    with_bmi,
    with_site,
)
from assistant.note_history import drug_therapies, history_query, type_1_diabetes
from assistant.note_rules import (
    PART_RATIONALE,
    PREGNANCY_PHASE,
    grounded,
    in_childbirth,
    reconcile,
    specific_of_line,
    words_said,
)
from assistant.note_sides import each_side, other_side
from assistant.note_text import (
    DIALYSIS,
    EARLIER,
    FINISHED,
    GUIDANCE,
    GUIDING,
    INSTRUCTIONS,
    ITEM_START,
    LATER,
    MECHANISM,
    NO_PROCEDURE,
    OUTPATIENT_WORD,
    PLAN_AFTER,
    PROCEDURE_WORD,
    ROUTINE,
    SAME_AS_BEFORE,
    SCREENING,
    SHORT_COURSE,
    TREATED,
    before_treatment,
    condition_named,
    delivery_record,
    indications,
    integral_removed,
    note_approach,
    note_setting,
    parts,
    said_not_denied,
    treated_cancer,
    without_parentheses,
)
from assistant.note_types import (
    Alternative,
    Draft,
    Evidence,
    Excluded,
    NoteQuery,
    Suggestion,
    SuggestResponse,
)
from assistant.notes import Statement, laterality, statements, without_measures
from assistant.qualifier_words import APPROACHES, SCOPE_APPROACHES, first_match
from assistant.query import analyze
from assistant.results import CodeResult
from assistant.search import Retriever
from assistant.weights import NOTE_WEIGHTS, NoteWeights
from corpus.limits import MAX_NOTE_CHARS

PROCEDURE_SYSTEMS = ("ICD-10-PCS", "CPT", "HCPCS")
# what was done to a finding: a procedure of its own (the scope it was seen through is
# the approach, guideline B3.11a)
ACTED_ON = re.compile(
    r"\b(?:removed|excised|resected|biopsied|"
    r"biops(?:y|ies) (?:(?:were|was) )?(?:taken|obtained|performed|done)|biops(?:y|ies) from|"
    r"snared|"
    r"cauterized|fulgurated|ablated|dilated|ligated|banded)\b",
    re.IGNORECASE,
)
ACTED_ON_RATIONALE = "a finding acted on: a procedure of its own"
_PAGE_SYSTEMS = ("CPT", "HCPCS")  # found by retrieval alone: no axis builder checks them
_SURGICAL = "0"  # Medical and Surgical: every code names its root operation
_DIAGNOSIS_SECTIONS = ("postoperative_diagnosis", "diagnosis", "assessment")
_INJURY_CHAPTERS = ("S", "T", "V", "W", "X", "Y")
_SYMPTOM_CHAPTER = ("R",)
_CURRENT_DRUG = ("Z79",)  # long-term (current) drug therapy
_OTHER_DRUG_THERAPY = ("Z79.89",)
_INSULIN = ("Z79.4",)  # "other long term drug therapy": not for every drug listed
_STATED_SECTIONS = ("postoperative_diagnosis", "preoperative_diagnosis", "diagnosis", "assessment")


def validate_note(note: object) -> str:
    if isinstance(note, bytes):
        if b"\x00" in note:
            raise QueryError("the note is binary data, not text")
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise QueryError(f"the note is not UTF-8 text (byte {exc.start})") from exc
    if not isinstance(note, str):
        raise QueryError("the note must be text")
    if "\x00" in note:
        raise QueryError("the note contains NUL characters: binary data, not text")
    if not note.strip():
        raise QueryError("the note is empty")
    if len(note) > MAX_NOTE_CHARS:
        raise QueryError(f"the note has {len(note)} characters; the limit is {MAX_NOTE_CHARS}")
    return note


def suggest(
    retriever: Retriever, note: object, weights: NoteWeights = NOTE_WEIGHTS
) -> SuggestResponse:
    text = validate_note(note)
    found = statements(text)
    setting = note_setting(text)
    queries, excluded = _plan(found, text, setting, weights)
    delivery = delivery_record(text)
    available = set(retriever.index.records.systems)
    queries = [
        replace(q, text=history_query(retriever, q.text, weights.history_group_confidence))
        for q in queries
        if q.system in available
    ]
    vectors = retriever.embed_queries([(q.text, q.system) for q in queries])
    # the principal diagnosis names the site a procedure statement may leave unsaid
    # ("Laceration repair, simple." of a "laceration, dorsum right hand")
    diagnosis = next(
        (
            st.span.text
            for st in found
            if st.section in _DIAGNOSIS_SECTIONS and st.status == "positive"
        ),
        "",
    )
    drafts: dict[tuple[str, str], Draft] = {}
    alternatives: list[Alternative] = []
    # per statement and code set, the codes its searches found below their threshold
    below: dict[tuple[int, str], list[CodeResult]] = {}
    for q in queries:
        st = q.statement
        ev = Evidence(st.span.start, st.span.end, st.span.text, st.section)
        expansions: tuple[Expansion, ...] = ()  # what the search read the statement to say
        unnamed_operation = ""  # a built code whose root operation the statement does not say
        if q.system == "ICD-10-PCS":
            build = retriever.build_pcs(q.text, k=weights.candidates, vectors=vectors)
            if diagnosis and site_unsaid(build):
                build = with_site(retriever, build, f"{q.text} ({diagnosis})", weights)
            results = build.results
            if build.built is not None and not build.built.determined_by[2]:
                unnamed_operation = build.built.code
        else:
            k = weights.filtered_candidates if q.prefixes or q.avoid else weights.candidates
            response, _ = retriever.search_with_signals(q.text, q.system, k, vectors=vectors)
            results, expansions = response.results, response.expansions
        if q.integral and results and results[0].code.startswith(q.integral):
            top = results[0]
            why = "a sign or symptom integral to the diagnoses the note states (guideline I.B.5)"
            alternatives.append(
                Alternative(top.code, top.system, top.title, top.confidence, why, (ev,))
            )
            continue
        results = tuple(
            r
            for r in results
            if (not q.prefixes or r.code.startswith(q.prefixes))
            and not (q.avoid and r.code.startswith(q.avoid))
        )
        if not results:
            continue
        top = results[0]
        if delivery and q.system == "ICD-10-CM" and PREGNANCY_PHASE.search(top.title):
            # a delivery record: the condition complicates childbirth, not the pregnancy
            top = in_childbirth(retriever, q.text, top)
            results = (top, *(r for r in results if r is not top))
        if top.match != "exact" and top.confidence < q.threshold:
            below.setdefault((st.span.start, q.system), []).append(top)
            alternatives.append(
                Alternative(
                    top.code,
                    top.system,
                    top.title,
                    top.confidence,
                    f"confidence {top.confidence:.2f} is below {q.threshold:.2f}",
                    (ev,),
                )
            )
            continue
        if q.system in _PAGE_SYSTEMS and not grounded(q.text, expansions, top.title):
            why = "the code is about something the statement does not name"
            alternatives.append(
                Alternative(top.code, top.system, top.title, top.confidence, why, (ev,))
            )
            continue
        if (
            q.system == "ICD-10-CM"
            and top.match != "exact"
            and words_said(retriever, q.text, expansions, top.code) < weights.min_words_said
        ):
            # "obstructing median lobe" is no "Cleft lip, median": a code whose names
            # the statement hardly says is about something else
            why = "the statement says too few words of the code's names"
            alternatives.append(
                Alternative(top.code, top.system, top.title, top.confidence, why, (ev,))
            )
            continue
        if top.code == unnamed_operation and top.code[:1] == _SURGICAL:
            # a sentence that names no root operation ("withdrawal time 11 minutes")
            # codes nothing of its own
            why = "the statement names no root operation"
            alternatives.append(
                Alternative(top.code, top.system, top.title, top.confidence, why, (ev,))
            )
            continue
        chosen = [top]
        if q.system == "ICD-10-PCS" and laterality(st.span.text) == "bilateral":
            chosen.extend(other_side(top, results))  # no bilateral value: each side coded
        elif q.system == "ICD-10-CM" and laterality(st.span.text) == "bilateral":
            # no bilateral code: the right and the left side are each coded (I.B.13)
            chosen = each_side(top, results) or chosen
        for pick in chosen:
            draft = drafts.get((pick.system, pick.code))
            if draft is None:
                draft = drafts[(pick.system, pick.code)] = Draft(pick, top.confidence, q.rationale)
                draft.others = [r for r in results if r is not pick]
            draft.confidence = max(draft.confidence, top.confidence)
            if ev not in draft.evidence:
                draft.evidence.append(ev)
    gathered, alternatives = specific_of_line(list(drafts.values()), below, alternatives)
    kept, dropped = reconcile(retriever, gathered)
    alternatives.extend(dropped)
    kept = with_bmi(retriever, text, kept)
    _cpt_modifiers(retriever, kept)
    suggestions = [
        Suggestion(
            code=d.result.code,
            system=d.result.system,
            title=d.result.title,
            score=d.result.score,
            evidence=tuple(d.evidence),
            citations=d.result.citations,
            notes=tuple(dict.fromkeys([*d.result.notes, *d.notes])),
            related=d.result.related,
            confidence=round(d.confidence, 4),
            rationale=d.rationale,
        )
        for d in kept
    ]
    listed = {(s.system, s.code) for s in suggestions}
    shown = []
    for a in sorted(alternatives, key=lambda a: -a.confidence):
        if (a.system, a.code) not in listed and a.confidence >= weights.alternative_floor:
            listed.add((a.system, a.code))
            shown.append(a)
    order = {"ICD-10-CM": 0, "ICD-10-PCS": 1, "CPT": 2, "HCPCS": 3}
    suggestions.sort(
        key=lambda s: (order.get(s.system, 9), s.evidence[0].start if s.evidence else 0)
    )
    return SuggestResponse(tuple(suggestions), tuple(excluded), len(found), tuple(shown), setting)


def _plan(
    found: list[Statement], note: str, setting: str, w: NoteWeights
) -> tuple[list[NoteQuery], list[Excluded]]:
    """What to search for each statement, and the statements coded nothing, with why."""
    queries: list[NoteQuery] = []
    excluded: list[Excluded] = []
    # "POST-OP DIAGNOSIS: Same; trilobar enlargement": the preoperative diagnoses hold,
    # and what the postoperative line adds is coded besides
    has_post = any(st.section == "postoperative_diagnosis" for st in found) and not (
        SAME_AS_BEFORE.search(note)
    )
    # signs and symptoms in the history are integral to the diagnoses the note states
    # (guideline I.B.5): outside the diagnosis sections, no symptom code (R00-R99)
    stated = any(st.section in _STATED_SECTIONS and st.status == "positive" for st in found)
    symptoms = _SYMPTOM_CHAPTER if stated else ()
    approach = note_approach(note)
    # insulin is not coded as a long-term drug with type 1 diabetes (guideline I.C.4.a.3)
    no_drug_code = _INSULIN if type_1_diabetes(note) else ()

    def exclude(st: Statement, reason: str) -> None:
        excluded.append(Excluded(st.span.start, st.span.end, st.span.text, st.section, reason))

    in_plan = False  # the previous statement ended in an assessment item's plan
    for i, st in enumerate(found):
        previous = found[i - 1] if i else None
        flat = " ".join(st.span.text.split())  # the statement on one line
        line_start = max(note.rfind("\n", 0, st.span.start), 0)  # only its line's start
        continued = in_plan and not ITEM_START.search(note[line_start : st.span.start])
        in_plan = bool(PLAN_AFTER.search(flat)) or (continued and not flat.endswith("."))
        if continued and st.kind != "procedure":
            exclude(st, "the plan of the assessment item above, not a diagnosis")
            continue
        if st.kind != "procedure" and INSTRUCTIONS.match(flat):
            exclude(st, "instructions to the patient, not a diagnosis")
            continue
        asserted = PLAN_AFTER.sub("", " ".join(st.asserted.split()) or st.span.text)
        if st.kind == "procedure":
            if st.status in ("not_performed", "hypothetical", "negated"):
                exclude(st, f"{st.reason}: a procedure not performed codes nothing")
                continue
            lower = flat.lower()
            after_discharge = setting == "inpatient" and OUTPATIENT_WORD.search(lower)
            later = LATER.search(lower) or after_discharge
            if NO_PROCEDURE.match(lower) or later:
                exclude(st, "no procedure performed in this encounter")
                continue
            if ROUTINE.search(lower) and not PROCEDURE_WORD.search(lower):
                exclude(st, "a routine step of the encounter, not a procedure of its own")
                continue
            if (
                GUIDANCE.search(lower)
                and GUIDING.search(lower)
                and not PROCEDURE_WORD.search(GUIDING.sub(" ", lower))
            ):
                exclude(st, "imaging or monitoring during the operation is part of it")
                continue
            # how far a scope went is no site of what it did ("Colonoscopy to the cecum
            # with cold snare polypectomy": no excision of the cecum)
            query = _with_approach(integral_removed(SCOPE_EXTENT.sub(" ", asserted)), approach)
            whole = coded_by_parts(asserted)
            for system in PROCEDURE_SYSTEMS:
                if system == "ICD-10-PCS" and whole:
                    # a pacemaker is coded by its generator and each lead, a total
                    # hysterectomy by the uterus and the cervix (guideline B3.2a)
                    how = first_match(APPROACHES, asserted.lower()) or approach
                    queries.extend(
                        NoteQuery(
                            st,
                            part_text(part, how),
                            system,
                            w.procedure_threshold,
                            f"{device.name}: coded by its parts, one code each",
                        )
                        for device in whole
                        for part in device.components
                    )
                    continue
                queries.append(
                    NoteQuery(st, query, system, w.procedure_threshold, "procedure performed")
                )
            continue
        if st.section == "preoperative_diagnosis" and has_post:
            exclude(st, "preoperative diagnosis: the postoperative diagnosis is coded")
            continue
        if st.status == "family":
            queries.append(
                NoteQuery(
                    st,
                    f"family history of {condition_named(st.span.text)}",
                    "ICD-10-CM",
                    w.history_threshold,
                    "family history: a family-history code (Z80-Z84)",
                    prefixes=("Z80", "Z81", "Z82", "Z83", "Z84"),
                )
            )
            continue
        if st.status in ("negated", "hypothetical", "not_performed"):
            exclude(st, st.reason)
            continue
        if st.status == "uncertain":
            if setting == "outpatient":
                exclude(
                    st, f"{st.reason}: uncertain diagnosis, outpatient: code the sign or symptom"
                )
                continue
            rationale = "uncertain diagnosis coded as if established (inpatient, guideline II.H)"
            queries.append(
                NoteQuery(st, st.span.text, "ICD-10-CM", w.diagnosis_threshold, rationale)
            )
            continue
        if st.status == "history":
            queries.append(
                NoteQuery(
                    st,
                    f"personal history of {st.span.text}",
                    "ICD-10-CM",
                    w.history_threshold,
                    "history of a condition no longer present: personal history code",
                )
            )
            continue
        # the conditions a medication is named for: "metoprolol (hypertension)",
        # "lisinopril for hypertension" (a medication list says nothing else to code)
        for treated in indications(st.span.text, st.section == "medications"):
            queries.append(
                NoteQuery(
                    st,
                    treated,
                    "ICD-10-CM",
                    w.treated_threshold,
                    "chronic condition under treatment (the medication's indication)",
                    avoid=_INJURY_CHAPTERS,
                    integral=symptoms,
                )
            )
        if st.section == "medications":
            # a drug of the patient's own list taken for long: its Z79 code where the
            # lexicon names the drug's class (guideline I.C.21.c.3); a course that ends
            # ("x 7 days", "taper", "completed") is no long-term therapy
            if st.status == "positive" and not SHORT_COURSE.search(flat):
                drugs = drug_therapies(flat, listed=True, medications=True)
                why = "long-term (current) drug therapy of the medication list (Z79)"
                queries += _drug_queries(st, drugs, why, w, avoid=_OTHER_DRUG_THERAPY)
            continue
        if st.section == "findings" and st.status == "positive" and ACTED_ON.search(flat):
            # a finding acted on ("polyp removed with cold snare") is a procedure of its own;
            # a sentence that only says what was done ("Removed en bloc with cold snare.")
            # acts on what the sentence before it in the same item found
            said = asserted
            if ACTED_ON.match(flat) and previous is not None and _same_item(note, previous, st):
                said = f"{' '.join(previous.span.text.split())} {asserted}"
            query = _with_approach(said, approach)
            queries.append(
                NoteQuery(st, query, "ICD-10-PCS", w.procedure_threshold, ACTED_ON_RATIONALE)
            )
        diagnosis_line = st.section in _DIAGNOSIS_SECTIONS or st.section == "preoperative_diagnosis"
        gone = (diagnosis_line or st.kind == "history") and treated_cancer(
            note, st.span.start, asserted
        )
        if diagnosis_line and not gone:
            # "..., on metformin": the drug is its own code; "..., LDL 142": a value
            line = without_measures(before_treatment(asserted))
            queries.append(
                NoteQuery(st, line, "ICD-10-CM", w.diagnosis_threshold, "diagnosis stated")
            )
            # a line naming two conditions ("X with Y", "X and Y", "X secondary to Y"): each
            # part is searched too; a combination code for the whole line wins if it fits
            for part in parts(line):
                queries.append(NoteQuery(st, part, "ICD-10-CM", w.part_threshold, PART_RATIONALE))
        elif gone:
            why = "malignancy treated and gone: personal history code (guideline I.C.2.d)"
            # its stage and markers in parentheses belong to the cancer, not to its history
            text = f"personal history of {without_parentheses(condition_named(asserted))}"
            queries.append(
                NoteQuery(st, text, "ICD-10-CM", w.history_threshold, why, prefixes=("Z85",))
            )
        elif st.kind == "history" and (
            st.section == "surgical_history" or _PAST_OPERATION.match(condition_named(asserted))
        ):
            # "Lap cholecystectomy 2018", an item of the surgical history ("TAH 2009
            # (fibroids)"): an earlier operation is no condition, nor is what it treated;
            # what it left is coded from its status words (guideline I.C.21.c.3)
            exclude(st, "an earlier operation: no condition of its own")
        elif st.kind == "history":
            rationale = "chronic condition in the history list"
            # a therapy the item says is over is no long-term (current) drug use (Z79)
            avoid = (*_INJURY_CHAPTERS, *(_CURRENT_DRUG if FINISHED.search(asserted) else ()))
            queries.append(
                NoteQuery(
                    st,
                    condition_named(asserted),
                    "ICD-10-CM",
                    w.history_threshold,
                    rationale,
                    avoid=avoid,
                    integral=symptoms,
                )
            )
        elif TREATED.search(flat):
            rationale = "chronic condition under treatment"
            queries.append(
                NoteQuery(
                    st,
                    condition_named(asserted),
                    "ICD-10-CM",
                    w.treated_threshold,
                    rationale,
                    avoid=_INJURY_CHAPTERS,
                    integral=symptoms,
                )
            )
        if st.status == "positive" and not GESTATIONAL_DIABETES.search(flat):
            drugs = drug_therapies(flat, listed=st.kind == "history")
            queries += _drug_queries(st, drugs, "long-term (current) drug therapy (Z79)", w)
        if st.status == "positive" and said_not_denied(DIALYSIS, flat):
            rationale = "dependence on renal dialysis (status)"
            queries.append(
                NoteQuery(
                    st,
                    "dependence on renal dialysis",
                    "ICD-10-CM",
                    w.history_threshold,
                    rationale,
                    prefixes=("Z99.2",),
                )
            )
        # a screening of this encounter, not one done before ("screening negative last year")
        if (
            st.status == "positive"
            and SCREENING.search(flat)
            and st.section != "plan"
            and not EARLIER.search(flat)
        ):
            queries.append(
                NoteQuery(
                    st,
                    f"encounter for screening for {asserted}",
                    "ICD-10-CM",
                    w.history_threshold,
                    "screening encounter (Z11-Z13)",
                    prefixes=("Z11", "Z12", "Z13"),
                )
            )
        if MECHANISM.search(st.span.text) and st.status == "positive":
            queries.extend(external_cause_queries(st, asserted, w))
    queries.extend(status_queries(note, found, w))
    queries.extend(gestation_queries(note, w))
    if delivery_record(note):
        queries.extend(delivery_outcome_queries(note, w))
        # the mother's record: the newborn's birth (Z38) is not hers
        queries = [
            replace(q, avoid=(*q.avoid, NEWBORN_BIRTH)) if q.system == "ICD-10-CM" else q
            for q in queries
        ]
    if no_drug_code:  # whatever statement would find it
        queries = [replace(q, avoid=(*q.avoid, *no_drug_code)) for q in queries]
    return queries, excluded


# a history item that is an operation and nothing else: "Lap cholecystectomy 2018",
# "Right ACL reconstruction 2008", "Appendectomy as a child"
_PAST_OPERATION = re.compile(
    r"^\W*(?:(?:right|left|bilateral|r|l|lap(?:aroscopic)?|open|robotic|total|partial|"
    r"remote|prior)\s+)*(?:[a-z]+(?:ectomy|otomy|ostomy|plasty|pexy|desis)|"
    r"[a-z]+ (?:reconstruction|repair|replacement|fusion|arthroplasty|transplant)|"
    # operations named otherwise: "C-section x2", "LEEP 2019", "D&C"
    r"c-?sections?|cesarean(?: sections?| deliver(?:y|ies))?|leep|d&c|tubal ligation|"
    r"cone biopsy)\b"
    r"(?:\s+x\s?\d)?"
    r"(?:\s+(?:\(?(?:19|20)\d\d\)?|as a child|in childhood|\(remote\)|remote))?\W*$",
    re.IGNORECASE,
)


SCOPE_EXTENT = re.compile(
    r"\b(?:advanced |passed |intubated )?to (?:the )?(?:level of the )?(?:cecum|terminal ileum|"
    r"ileocecal valve|appendiceal orifice|splenic flexure|hepatic flexure|"
    r"(?:second|third) (?:portion|part) of the duodenum)\b",
    re.IGNORECASE,
)


def _same_item(note: str, before: Statement, st: Statement) -> bool:
    """Two sentences of one list item: same section, nothing but spaces between them."""
    gap = note[before.span.end : st.span.start]
    return before.section == st.section and not gap.strip() and "\n" not in gap


# guideline I.C.15.g: gestational diabetes treated with insulin or oral drugs is its
# O24.4- code alone; long-term use (Z79.4, Z79.84) is not added
GESTATIONAL_DIABETES = re.compile(r"\b(?:gestational diabet\w*|gdm(?:a\d)?)\b", re.IGNORECASE)


def _drug_queries(
    st: Statement, drugs: list[str], why: str, w: NoteWeights, avoid: tuple[str, ...] = ()
) -> list[NoteQuery]:
    """The Z79 searches of a statement's drugs taken for long."""
    return [
        NoteQuery(st, drug, "ICD-10-CM", w.history_threshold, why, _CURRENT_DRUG, avoid)
        for drug in drugs
    ]


def _with_approach(text: str, approach: str | None) -> str:
    """A procedure statement with the approach the note's description names, unless the
    statement names one itself, in its words or in what its terms mean ("ESWL": External)."""
    # (a scope the statement names is its approach: "endoscopic maxillary antrostomy")
    if not approach or any(p.search(text.lower()) for _, p in (*APPROACHES, *SCOPE_APPROACHES)):
        return text
    if analyze(text, system="ICD-10-PCS").approach is not None:
        return text
    return f"{text} {approach}"


def _cpt_modifiers(retriever: Retriever, drafts: Iterable[Draft]) -> None:
    """Laterality modifiers and the multiple-procedure rule, from each code's page."""
    cpt = sorted((d for d in drafts if d.result.system == "CPT"), key=lambda d: -d.confidence)
    for d in cpt:
        attrs = retriever.record(d.result.system, d.result.code).attributes
        sides = {laterality(e.text) for e in d.evidence} - {None}
        if "bilateral" in sides:
            if attrs.get("bilateral_surgery") == "1":
                d.notes.append("bilateral: append modifier 50 (150% bilateral payment applies)")
            elif "bilateral_surgery" in attrs:
                d.notes.append(
                    f"bilateral: modifier 50 does not apply here (indicator "
                    f"{attrs['bilateral_surgery']}); report per side with RT/LT"
                )
        for side, modifier in (("right", "RT"), ("left", "LT")):
            if side in sides:
                known = f"modifier_{modifier}" in attrs
                d.notes.append(
                    f"{side} side: append modifier {modifier}"
                    + ("" if known else " (not listed on this code's page)")
                )
    if len(cpt) > 1:
        for d in cpt[1:]:
            attrs = retriever.record("CPT", d.result.code).attributes
            if attrs.get("multiple_procedures") == "2":
                d.notes.append(
                    "several procedures in one session: the multiple-procedure rule applies "
                    "(modifier 51 on the secondary procedure)"
                )
