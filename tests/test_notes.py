"""Operative notes: sections, statements, negation, evidence offsets, suggestions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from assistant.errors import QueryError
from assistant.note_text import note_setting
from assistant.notes import laterality, sections, statements
from assistant.results import CodeResult, SearchResponse
from assistant.suggest import validate_note
from corpus.limits import MAX_NOTE_CHARS
from corpus.records import CodeRecord, Parent, Source

NOTES = Path(__file__).parent / "fixtures" / "notes"


def read(name: str) -> str:
    return (NOTES / name).read_text(encoding="utf-8")


def test_sections_tolerate_many_heading_styles() -> None:
    note = (
        "PREOPERATIVE DIAGNOSIS: Urge incontinence.\n"
        "Post-op Dx - same\n"
        "Procedure(s) performed:\n  1. Sacral lead placement, right.\n"
        "Description of the procedure: Prone position.\n"
        "Complications: none\n"
        "PROCEDURE(S) PERFORMED (03/12):\n1. Laparoscopic cholecystectomy.\n"
        "DIAGNOSES (in order of priority): Acute cholecystitis.\n"
        "ED COURSE: Bleeding controlled.\n"
        "Mechanism: Restrained driver struck by another car.\n"
        "ASSESSMENT/PLAN:\n1. Laceration of right hand.\n"
        "PROCEDURES THIS ADMISSION:\n1. Mechanical thrombectomy.\n"
        "Pertinent history and medications: Hypothyroidism on levothyroxine.\n"
        "PROCEDURE - LACERATION REPAIR:\nWound irrigated. Closed with sutures.\n"
        "PLAN / DISPOSITION:\nDischarge home. Ibuprofen for pain.\n"
        "Diagnoses for this visit:\n- Hypertensive CKD stage 3b\n"
        "Encounter diagnoses: Pancytopenia.\n"
    )
    names = [s.name for s in sections(note)]
    assert names == [
        "preoperative_diagnosis",
        "postoperative_diagnosis",
        "procedure",
        "description",
        "complications",
        "procedure",
        "diagnosis",
        "narrative",
        "narrative",
        "assessment",
        "procedure",
        "history",
        "description",  # a title line of a note that lists its procedures elsewhere
        "description",
        "plan",
        "diagnosis",
        "diagnosis",
    ]
    for s in sections(note):
        assert note[s.body.start : s.body.end] == s.body.text


def test_statements_and_negation_uncertainty_history() -> None:
    note = read("knee_left.txt")
    found = statements(note)
    for st in found:
        assert note[st.span.start : st.span.end] == st.span.text
    by_text = {st.span.text: st for st in found}
    assert by_text["Primary osteoarthritis, left knee."].status == "positive"
    assert by_text["History of right knee replacement."].status == "history"
    assert by_text["No deep vein thrombosis."].status == "negated"
    assert by_text["Possible superficial wound dehiscence versus seroma."].status == "uncertain"
    assert all(st.kind == "procedure" for st in found if st.section == "procedure")
    # code-title words are not negations
    (st,) = statements("Diagnosis: Type 2 diabetes without complications\n")
    assert st.status == "positive"


def test_empty_statements_are_skipped() -> None:
    found = statements("Postoperative diagnosis: Same.\nComplications: None.\n")
    assert found == []


def test_laterality() -> None:
    assert laterality("Left total knee replacement") == "left"
    assert laterality("right S3 foramen") == "right"
    assert laterality("bilateral vasectomy") == "bilateral"
    assert laterality("sacral lead") is None


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        (b"\x00\x01binary", "binary"),
        (b"\xff\xfe\xfa", "UTF-8"),
        ("x" * (MAX_NOTE_CHARS + 1), "limit"),
        (12, "text"),
    ],
)
def test_bad_notes_are_clear_errors(note: object, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        validate_note(note)


# -- coding a note as a coder does (the plan: what is searched, what is not) -------------------
def _plan(note: str, setting: str = "outpatient"):  # type: ignore[no-untyped-def]
    from assistant.suggest import _plan as plan
    from assistant.weights import NOTE_WEIGHTS

    return plan(statements(note), note, setting, NOTE_WEIGHTS)


def test_context_scopes_follow_clauses() -> None:
    from assistant.notes import context

    assert context("No deep vein thrombosis.") == ("negated", "No")
    # a negation inside the line governs only its own clause
    assert context("Acute cholecystitis, no evidence of gangrene")[0] == "positive"
    assert context("Pneumonia ruled out")[0] == "negated"  # a backward trigger
    assert context("so the cholangiogram was NOT performed", "procedure")[0] == "not_performed"
    assert context("Mother with breast cancer at 45")[0] == "family"
    assert context("No change in his chronic kidney disease stage 3")[0] == "positive"  # pseudo
    assert context("Migraine, not intractable")[0] == "positive"


def test_a_procedure_not_performed_codes_nothing() -> None:
    note = (
        "PROCEDURE(S) PERFORMED:\n1. Laparoscopic cholecystectomy.\n"
        "2. Intraoperative cholangiogram was not performed.\n"
    )
    queries, excluded = _plan(note)
    searched = {q.text for q in queries}
    assert any("cholecystectomy" in t for t in searched)
    assert not any("cholangiogram" in t for t in searched)
    assert any("not_performed" in e.reason for e in excluded)


def test_two_conditions_in_one_line_are_both_searched() -> None:
    note = "POSTOPERATIVE DIAGNOSIS: Hypertensive heart disease with congestive heart failure.\n"
    texts = [q.text for q in _plan(note)[0]]
    assert texts[0].startswith("Hypertensive heart disease with congestive heart failure")
    assert "Hypertensive heart disease" in texts and "congestive heart failure" in texts


def test_uncertain_diagnosis_outpatient_is_not_coded_inpatient_is() -> None:
    note = "ASSESSMENT: Probable community acquired pneumonia.\n"
    out_queries, out_excluded = _plan(note, "outpatient")
    assert not out_queries and "outpatient: code the sign or symptom" in out_excluded[0].reason
    in_queries, _ = _plan(note, "inpatient")
    assert in_queries and "II.H" in in_queries[0].rationale


@pytest.mark.parametrize(
    ("note", "setting"),
    [
        (
            "DISCHARGE SUMMARY\nHOSPITAL COURSE: diuresed.\nFollow up outpatient cardiology.",
            "inpatient",
        ),
        ("Admitted through the emergency department with a hip fracture.", "inpatient"),
        ("OPERATIVE REPORT (Outpatient)\nDischarged home the same day.", "outpatient"),
        (
            "EMERGENCY DEPARTMENT NOTE\nLaceration repaired. Discharged home with parent.",
            "outpatient",
        ),
        ("PROCEDURE: colonoscopy.", "outpatient"),
    ],
)
def test_the_setting_is_read_from_the_note(note: str, setting: str) -> None:
    assert note_setting(note) == setting


def test_history_only_and_family_history_go_to_their_z_codes() -> None:
    note = (
        "PAST MEDICAL HISTORY: History of colon cancer.\n"
        "FAMILY HISTORY: Mother with breast cancer.\n"
    )
    queries, _ = _plan(note)
    by_text = {q.text: q for q in queries}
    history = next(q for t, q in by_text.items() if t.startswith("personal history of"))
    assert "personal history" in history.rationale
    family = next(q for t, q in by_text.items() if t.startswith("family history of"))
    assert family.prefixes == ("Z80", "Z81", "Z82", "Z83", "Z84")


def test_chronic_condition_on_medication_is_coded_with_its_drug_therapy() -> None:
    note = (
        "INDICATIONS: Right knee pain. "
        "She has hypertension controlled on amlodipine and is on insulin.\n"
    )
    queries, _ = _plan(note)
    condition = next(q for q in queries if q.rationale == "chronic condition under treatment")
    assert condition.text.lower().startswith("hypertension") and "amlodipine" not in condition.text
    assert condition.avoid  # a drug name does not make it a poisoning code
    drug = next(q for q in queries if q.prefixes == ("Z79",))
    assert drug.text == "long term (current) use of insulin"


def test_a_medication_list_s_drugs_taken_for_long_are_coded_and_short_courses_not() -> None:
    note = (
        "HOME MEDICATIONS:\n- Eliquis 5 mg twice daily\n- Aspirin 81 mg daily, held 5 days\n"
        "- Amoxicillin 500 mg three times daily x 7 days\n"
        "HISTORY: Osteoporosis, on alendronate for 18 months.\n"
    )
    drugs = {q.text for q in _plan(note)[0] if q.prefixes == ("Z79",)}
    assert "long term (current) use of anticoagulants" in drugs  # the lexicon's class
    assert "long term (current) use of Aspirin" in drugs  # an item naming its drug first
    assert "long term (current) use of bisphosphonates" in drugs  # "on" a drug in narrative
    assert not any("antibiotic" in d for d in drugs)  # a 7-day course


def test_insulin_is_no_long_term_drug_code_with_type_1_diabetes() -> None:
    note = "PMH: Type 1 diabetes since age 12, on an insulin pump.\nMeds: insulin lispro, pump.\n"
    queries = _plan(note)[0]
    assert all("Z79.4" in q.avoid for q in queries)
    type2 = "PMH: Type 2 diabetes, on insulin glargine.\n"
    assert not any("Z79.4" in q.avoid for q in _plan(type2)[0])


def test_a_diagnosis_line_is_searched_without_its_treatment() -> None:
    note = "DIAGNOSES:\n- Type 2 diabetes mellitus with hyperglycemia, on\n  metformin daily.\n"
    queries, _ = _plan(note)
    stated = next(q for q in queries if q.rationale == "diagnosis stated")
    assert stated.text.lstrip("- ") == "Type 2 diabetes mellitus with hyperglycemia"  # "with" kept
    assert any(q.prefixes == ("Z79",) for q in queries)  # the drug is its own code


def test_a_status_the_condition_is_on_is_not_part_of_the_condition() -> None:
    """ "ESRD on hemodialysis via a catheter": the condition is searched alone; dialysis is
    a status code of its own."""
    from assistant.note_text import before_treatment

    line = "End-stage renal disease on hemodialysis via tunneled right internal jugular catheter"
    assert before_treatment(line) == "End-stage renal disease"
    assert before_treatment("COPD on home oxygen") == "COPD"
    assert before_treatment("Atrial fibrillation on chronic anticoagulation") == (
        "Atrial fibrillation"
    )


def test_postoperative_diagnosis_wins_over_preoperative() -> None:
    note = (
        "PREOPERATIVE DIAGNOSIS: Acute appendicitis.\n"
        "POSTOPERATIVE DIAGNOSIS: Perforated appendicitis with localized peritonitis.\n"
    )
    queries, excluded = _plan(note)
    assert all(q.statement.section == "postoperative_diagnosis" for q in queries)
    assert "postoperative diagnosis is coded" in excluded[0].reason


def test_description_sentences_are_not_coded_alone() -> None:
    note = (
        "PROCEDURE: Laparoscopic appendectomy.\n"
        "DESCRIPTION: The abdomen was prepped. The wound was irrigated and closed.\n"
    )
    queries, _ = _plan(note)
    assert {q.statement.section for q in queries} == {"procedure"}
    assert all("irrigated" not in q.text for q in queries)


def test_injury_mechanism_asks_for_external_causes() -> None:
    note = "DIAGNOSIS: Left distal radius fracture after she slipped on ice on the sidewalk.\n"
    prefixes = {q.prefixes for q in _plan(note)[0]}
    assert {("V", "W", "X"), ("Y92",), ("Y93",)} <= prefixes


def test_external_cause_queries_join_places_and_read_the_activity() -> None:
    """ "slipped on the wet floor of the bathroom in her own single-family home while
    walking to the toilet": one place (the bathroom of the house), how with what she
    slipped on, the activity from "while ...ing"."""
    note = (
        "HPI: 84 y/o woman who slipped on the wet floor of the bathroom in her own "
        "single-family home while walking to the toilet; she landed on her left hip.\n"
        "DIAGNOSIS: Left femoral neck fracture after fall.\n"
    )
    queries = _plan(note, "inpatient")[0]
    texts = {
        q.prefixes: q.text for q in queries if q.prefixes and "slipped" in q.statement.span.text
    }
    assert texts[("Y92",)] == (
        "place of occurrence: wet floor of the bathroom in own single-family home"
    )
    assert texts[("V", "W", "X")] == "slipped on wet floor of the bathroom"
    assert texts[("Y93",)] == "activity: walking"


def test_an_injury_sentence_says_how_and_where_apart() -> None:
    from assistant.note_text import external_cause

    ladder = external_cause(
        "Patient was standing on a stepladder in the garage of his single-family home, "
        "reaching for a box, when he lost his balance and fell from the ladder onto his side."
    )
    assert ladder.how == "fell from the ladder"
    assert "garage of single-family home" in ladder.places  # owners dropped
    ice = external_cause("She slipped on ice on a public sidewalk and fell.")
    assert ice.how == "slipped on ice and fell" and ice.places == ("public sidewalk",)
    # the driver is part of how; where the patient was seen is not where it happened
    crash = external_cause("Restrained driver struck by another car on the interstate.")
    assert crash.how is not None and crash.how.startswith("driver struck")
    seen = external_cause("She was evaluated in the emergency department after a fall at home.")
    assert seen.places == ("home",)
    riding = external_cause("A boy riding his bicycle on a residential street hit a pothole.")
    assert riding.how == "riding his bicycle"


def test_sibling_codes_collapse_and_excludes1_pairs_do_not_survive(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from assistant.note_rules import _same_finding
    from assistant.note_types import Draft, Evidence
    from assistant.results import CodeResult

    ev = Evidence(0, 10, "x" * 10, "diagnosis")

    def draft(code: str, system: str = "ICD-10-PCS") -> Draft:
        return Draft(CodeResult(code, system, "t", 0.5, True), 0.5, "r", [ev])

    # the same procedure with another approach is one finding; another body part is not
    assert _same_finding(draft("0FT44ZZ"), draft("0FT40ZZ"))
    assert not _same_finding(draft("0FT44ZZ"), draft("0FB44ZZ"))
    assert _same_finding(draft("K80.12", "ICD-10-CM"), draft("K80.10", "ICD-10-CM"))


def test_a_combination_code_for_the_whole_line_wins_over_its_parts() -> None:
    """ "Disc herniation with radiculopathy": the line's combination code (M51.16) stays even
    when a part's code (M54.16) is more confident and the two exclude each other."""
    from types import SimpleNamespace

    from assistant.note_rules import PART_RATIONALE, reconcile
    from assistant.note_types import Draft, Evidence
    from assistant.results import CodeResult
    from corpus.links import CodeRef

    ev = Evidence(0, 10, "x" * 10, "postoperative_diagnosis")
    rows = {"M51.16": 0, "M54.16": 1}
    excludes = {0: (), 1: (CodeRef("M51.1", "M51.1"),)}  # M54.1 Excludes1 M51.1-
    retriever = SimpleNamespace(
        record_row=lambda system, code: rows.get(code),
        ranking=SimpleNamespace(excludes1_refs=lambda row: excludes[row]),
        index=SimpleNamespace(records=SimpleNamespace(links=lambda row: {})),
        tree=SimpleNamespace(ancestors=lambda row: ()),
    )

    def draft(code: str, confidence: float, rationale: str) -> Draft:
        return Draft(CodeResult(code, "ICD-10-CM", "t", 0.5, True), confidence, rationale, [ev])

    whole = draft("M51.16", 0.8, "diagnosis stated")
    part = draft("M54.16", 0.9, PART_RATIONALE)
    kept, dropped = reconcile(retriever, [part, whole])  # type: ignore[arg-type]
    assert [d.result.code for d in kept] == ["M51.16"]
    assert [a.code for a in dropped] == ["M54.16"] and "Excludes1" in dropped[0].why


def test_a_second_procedure_section_is_the_description() -> None:
    note = (
        "PROCEDURES:\n1. Laparoscopic left ovarian cystectomy.\n\n"
        "PROCEDURE: Veress entry at the umbilicus. Uterus normal. Fascia and skin closed.\n"
    )
    found = [s for s in statements(note) if s.kind == "procedure"]
    assert [s.span.text for s in found] == ["Laparoscopic left ovarian cystectomy."]


def test_measurements_are_not_statements_and_a_negation_runs_over_commas() -> None:
    from assistant.notes import measurement

    assert measurement("HR 118") and measurement("ED: T 39.4 C")
    assert measurement("creatinine 2.3 (baseline 0.9).")
    assert not measurement("Stage 3 CKD") and not measurement("3 days of flank pain")
    note = "HISTORY: Flank pain, HR 118. CT: no hydronephrosis, no renal or perinephric abscess.\n"
    found = statements(note)
    assert "HR 118" not in [s.span.text.strip(". ") for s in found]
    abscess = [s for s in found if "perinephric" in s.span.text]
    assert len(abscess) == 1 and abscess[0].status == "negated"


def test_symptoms_in_the_history_give_way_to_stated_diagnoses() -> None:
    note = "DIAGNOSIS: Acute pyelonephritis.\nHISTORY: Dysuria, hypertension.\n"
    history = [q for q in _plan(note)[0] if q.statement.section == "history"]
    assert history and all(q.integral == ("R",) for q in history)
    alone = [q for q in _plan("HISTORY: Dysuria, hypertension.\n")[0]]
    assert alone and all(not q.integral for q in alone)


def test_the_note_approach_is_one_the_note_names_alone_or_a_scope() -> None:
    from assistant.note_text import note_approach

    assert note_approach("A midline incision was made.") == "Open"
    assert note_approach("Laparoscopic ports placed through small incisions.") == (
        "Percutaneous Endoscopic"
    )
    # an incision and a needle: each procedure's own words decide
    assert note_approach("Local anesthetic by needle; a 3 cm incision was made.") is None
    # a scope that was only discussed, deferred or planned is not the way in
    done = "A 4 cm scrotal incision was made and the spermatocele excised."
    assert note_approach(f"{done} Cystoscopy was discussed but deferred to clinic.") == "Open"
    tube = "Pigtail catheter placed over a wire."
    assert (
        note_approach(f"{tube} Elective VATS would be reasonable; pt will think about it.") is None
    )
    assert note_approach(f"{tube} VATS bleb resection was performed.") == (
        "Percutaneous Endoscopic"
    )


def test_a_procedure_whose_terms_name_an_approach_keeps_it() -> None:
    from assistant.suggest import _with_approach

    scope = "Via Natural or Artificial Opening Endoscopic"
    # ESWL is external whatever scope the note mentions ("no cystoscopy was performed")
    assert _with_approach("ESWL of left renal pelvis stone", scope) == (
        "ESWL of left renal pelvis stone"
    )
    assert _with_approach("Left ovarian cystectomy", "Open") == "Left ovarian cystectomy Open"


def test_a_medication_names_the_condition_it_treats() -> None:
    note = (
        "INDICATIONS: Takes atorvastatin (hyperlipidemia) and metoprolol (hypertension).\n"
        "MEDICATIONS: lisinopril for high blood pressure; aspirin 81 mg daily.\n"
        "HISTORY: Blood pressure controlled on amlodipine.\n"
        "ALLERGIES: penicillin (rash).\n"
    )
    queries = _plan(note)[0]
    texts = {q.text for q in queries if q.system == "ICD-10-CM" and q.prefixes != ("Z79",)}
    assert {"hyperlipidemia", "hypertension", "high blood pressure"} <= texts
    assert "rash" not in texts  # an allergy's reaction is not a condition treated
    assert not any("aspirin" in t for t in texts)  # a drug names no condition of its own
    # ... it is coded as the drug therapy it is
    assert any("aspirin" in q.text for q in queries if q.prefixes == ("Z79",))


def test_former_and_quit_are_history_and_list_qualifiers_stay_with_their_condition() -> None:
    from assistant.notes import context

    assert context("Former tobacco use (quit 2015).")[0] == "history"
    assert context("Quit smoking in 2010.")[0] == "history"
    found = [s.span.text for s in statements("PMH: Diabetes mellitus, type 2, CKD, stage 3.\n")]
    assert found == ["Diabetes mellitus, type 2", "CKD, stage 3."]
    other = statements("OTHER HISTORY: Hypothyroidism on levothyroxine.\n")
    assert other and other[0].kind == "history"
    # a status word alone belongs to the condition before it, and a list of history and
    # medications under one heading is a history list
    found = [
        s.span.text
        for s in statements(
            "PERTINENT HISTORY AND MEDICATIONS: Coronary artery disease with a stent in 2021, "
            "asymptomatic, on aspirin. Hypothyroidism on levothyroxine.\n"
        )
    ]
    assert found[0] == "Coronary artery disease with a stent in 2021, asymptomatic"
    assert "asymptomatic" not in found


def test_the_risks_a_consent_lists_are_no_findings() -> None:
    from assistant.notes import asserted, scopes

    for text in (
        "Consent obtained, including risks of bleeding, bile leak, pneumothorax.",
        "Risks and benefits including infection and pneumothorax were discussed.",
    ):
        found = scopes(text, "finding")
        assert found and found[0].status == "hypothetical"
        assert "pneumothorax" not in asserted(text, found)


def test_an_inspection_is_not_coded_with_the_procedure_it_serves() -> None:
    from types import SimpleNamespace

    from assistant.note_rules import reconcile
    from assistant.note_types import Draft, Evidence
    from assistant.results import CodeResult

    ev = Evidence(0, 10, "x" * 10, "procedure")
    retriever = SimpleNamespace(
        record_row=lambda system, code: None,
        index=SimpleNamespace(records=None),
        tree=None,
    )

    def draft(code: str) -> Draft:
        return Draft(CodeResult(code, "ICD-10-PCS", "t", 0.5, True), 0.6, "r", [ev])

    kept, dropped = reconcile(retriever, [draft("0TJB8ZZ"), draft("0TBB8ZZ")])  # type: ignore[arg-type]
    assert [d.result.code for d in kept] == ["0TBB8ZZ"]
    assert "B3.11a" in dropped[0].why
    kept, _ = reconcile(retriever, [draft("0TJB8ZZ"), draft("0DBN8ZZ")])  # type: ignore[arg-type]
    assert {d.result.code for d in kept} == {"0TJB8ZZ", "0DBN8ZZ"}  # another body system


def test_the_plan_after_a_dash_and_a_part_that_only_says_where_are_not_searched() -> None:
    note = (
        "ASSESSMENT: 1. Chronic migraine without aura - continue topiramate.\n"
        "2. Displaced bimalleolar fracture, right ankle, closed.\n"
    )
    texts = [q.text for q in _plan(note)[0]]
    assert "Chronic migraine without aura" in texts
    assert not any("topiramate" in t for t in texts)
    assert "right ankle" not in texts


def test_the_plan_running_on_after_a_semicolon_and_return_precautions_code_nothing() -> None:
    note = (
        "ASSESSMENT AND PLAN:\n"
        "1. Concussion without loss of consciousness - cognitive rest, no sports until\n"
        "   cleared; concussion handout.\n"
        "2. Scalp laceration.\n"
        "Return precautions for worsening headache, repeated vomiting, confusion.\n"
    )
    queries, excluded = _plan(note)
    texts = [q.text for q in queries]
    assert any(t.startswith("1. Concussion") or t.startswith("Concussion") for t in texts)
    assert not any("handout" in t or "vomiting" in t for t in texts)
    assert any("2. Scalp laceration" in t or t.startswith("Scalp") for t in texts)
    reasons = {e.text.strip(): e.reason for e in excluded}
    assert reasons["concussion handout."].startswith("the plan of the assessment item")
    assert any(r.startswith("instructions to the patient") for r in reasons.values())


def test_a_condition_that_starts_like_a_qualifier_is_its_own_statement() -> None:
    note = "PMH: Lumbar stenosis, no myelopathy. Type 2 diabetes controlled on metformin.\n"
    texts = [s.span.text for s in statements(note)]
    assert "Type 2 diabetes controlled on metformin." in texts


def test_treatment_words_across_a_line_break() -> None:
    note = "INDICATIONS: Pneumonia. Type 2 diabetes on\nmetformin.\n"
    texts = {q.text for q in _plan(note)[0]}
    assert "Type 2 diabetes" in texts and "long term (current) use of metformin" in texts


def test_status_screening_and_weeks_of_gestation_are_asked_for() -> None:
    note = (
        "INDICATION: Screening colonoscopy, average risk.\n"
        "HISTORY: End-stage renal disease on in-center hemodialysis.\n"
    )
    prefixes = {q.prefixes for q in _plan(note)[0]}
    assert ("Z11", "Z12", "Z13") in prefixes and ("Z99.2",) in prefixes
    ob = "DELIVERY NOTE\nAdmission: 40 weeks 2 days, spontaneous labor.\nDelivered vaginally.\n"
    weeks = [q for q in _plan(ob, "inpatient")[0] if q.prefixes == ("Z3A",)]
    assert len(weeks) == 1 and weeks[0].text.startswith("40 weeks")
    st = weeks[0].statement
    assert ob[st.span.start : st.span.end] == st.span.text  # evidence offsets hold
    assert not [q for q in _plan(note)[0] if q.prefixes == ("Z3A",)]  # not obstetric


def test_hypertension_and_diabetes_with_kidney_or_heart_disease_are_combined() -> None:
    from types import SimpleNamespace

    from assistant.note_rules import presumed_links, reconcile
    from assistant.note_types import Draft, Evidence
    from assistant.results import CodeResult
    from assistant.search import SearchResponse

    def draft(code: str, start: int) -> Draft:
        ev = Evidence(start, start + 5, "x" * 5, "diagnosis")
        return Draft(CodeResult(code, "ICD-10-CM", code, 0.5, True), 0.7, "r", [ev])

    def links(*codes: str) -> dict[str, str]:
        kept = [draft(c, i * 10) for i, c in enumerate(codes)]
        return {d.result.code: target for d, target, _ in presumed_links(kept)}

    assert links("I10", "N18.32") == {"I10": "I12.9"}
    assert links("I10", "N18.6") == {"I10": "I12.0"}
    assert links("I10", "I50.23") == {"I10": "I11.0"}
    assert links("I10", "I50.23", "N18.32") == {"I10": "I13.0"}
    assert links("I11.9", "I13.10", "I50.23", "N18.32") == {"I11.9": "I13.0", "I13.10": "I13.0"}
    assert links("E11.9", "N18.32") == {"E11.9": "E11.22"}
    # a diabetic chronic kidney disease code names the kidney disease hypertension is
    # presumed linked with
    assert links("E11.22", "I10") == {"I10": "I12.9"}
    assert links("E10.22", "I10", "I50.9") == {"I10": "I13.0"}
    assert links("E11.21", "I10") == {}  # diabetic nephropathy is no chronic kidney disease
    assert links("I10", "E78.5") == {}  # nothing to combine

    def search_with_signals(query: str, system: str, k: int):  # type: ignore[no-untyped-def]
        found = CodeResult(query, "ICD-10-CM", "combined", 1.0, True, match="exact")
        return SearchResponse(query, (found,)), {}

    retriever = SimpleNamespace(
        record_row=lambda system, code: None,
        search_with_signals=search_with_signals,
        index=SimpleNamespace(records=None),
        tree=None,
    )
    kept, dropped = reconcile(retriever, [draft("I10", 0), draft("N18.32", 10)])  # type: ignore[arg-type]
    assert sorted(d.result.code for d in kept) == ["I12.9", "N18.32"]
    combined = next(d for d in kept if d.result.code == "I12.9")
    assert combined.evidence and "I.C.9.a" in combined.rationale
    assert [a.code for a in dropped] == ["I10"]

    # "diabetic CKD stage 4; HTN": the stage E11.22's note asks for is found only among the
    # statement's lesser codes; it joins first, and the hypertension is combined with it
    from corpus.links import CodeRef

    rows = {"E11.22": 1}
    links_of = {1: {"use_additional_code": (CodeRef("N18.1", "N18.6"),)}}
    retriever.record_row = lambda system, code: rows.get(code)
    retriever.index = SimpleNamespace(records=SimpleNamespace(links=lambda r: links_of.get(r, {})))
    retriever.tree = SimpleNamespace(ancestors=lambda r: ())
    diabetic = draft("E11.22", 0)
    stage = CodeResult("N18.4", "ICD-10-CM", "Chronic kidney disease, stage 4", 0.4, True)
    diabetic.others = [replace(stage, confidence=0.3)]
    kept, dropped = reconcile(retriever, [diabetic, draft("I10", 10)])  # type: ignore[arg-type]
    assert sorted(d.result.code for d in kept) == ["E11.22", "I12.9", "N18.4"]
    assert [a.code for a in dropped] == ["I10"]


def test_procedure_lists_that_name_no_procedure_code_nothing() -> None:
    note = (
        "DISCHARGE SUMMARY\nHOSPITAL COURSE: treated.\n"
        "PROCEDURES:\n- None (transthoracic echocardiogram only).\n- Peripheral IV.\n"
        "- Pulmonary rehabilitation referral.\n- Outpatient spirometry.\n"
        "- Bronchoscopy with bronchoalveolar lavage.\n"
    )
    queries, excluded = _plan(note, "inpatient")
    searched = {q.statement.span.text for q in queries if q.system == "ICD-10-PCS"}
    assert searched == {"Bronchoscopy with bronchoalveolar lavage."}
    assert len([e for e in excluded if e.section == "procedure"]) == 4


def test_a_condition_of_both_sides_without_a_bilateral_code_is_coded_per_side() -> None:
    """Guideline I.B.13: "abrasions of both hands" is the right hand and the left hand;
    where a bilateral code exists it is the code."""
    from assistant.note_sides import each_side, sides_of_one
    from assistant.results import CodeResult

    def result(code: str, title: str) -> CodeResult:
        return CodeResult(code, "ICD-10-CM", title, 0.9, True)

    unspecified = result("S60.519A", "Abrasion of unspecified hand, initial encounter")
    right = result("S60.511A", "Abrasion of right hand, initial encounter")
    left = result("S60.512A", "Abrasion of left hand, initial encounter")
    assert each_side(unspecified, (unspecified, left, right)) == [right, left]
    assert each_side(right, (right, left)) == [right, left]
    assert each_side(unspecified, (unspecified, right)) == []  # the other side not found
    cataract = result("H25.10", "Age-related nuclear cataract, unspecified eye")
    both = result("H25.13", "Age-related nuclear cataract, bilateral")
    sides = (
        result("H25.11", "Age-related nuclear cataract, right eye"),
        result("H25.12", "Age-related nuclear cataract, left eye"),
    )
    assert each_side(cataract, (cataract, both, *sides)) == []  # a bilateral code exists
    # the two sides of one condition are two findings, not one coded twice
    assert sides_of_one(right.title, left.title)
    assert not sides_of_one(right.title, unspecified.title)


def test_an_implanted_pacemaker_is_coded_by_generator_and_each_lead() -> None:
    note = (
        "PROCEDURE: Implantation of dual-chamber permanent pacemaker (right atrial and right\n"
        "ventricular leads) via left cephalic venous access.\n"
    )
    queries, _ = _plan(note)
    pcs = [q for q in queries if q.system == "ICD-10-PCS"]
    assert len(pcs) == 3 and all("coded by its parts" in q.rationale for q in pcs)
    assert any("right atrium" in q.text for q in pcs)
    assert any("right ventricle" in q.text for q in pcs)
    # other code sets still search the statement as written
    assert any(q.system == "CPT" and "dual-chamber" in q.text for q in queries)


def test_a_total_hysterectomy_with_bso_is_each_part_with_the_statement_s_approach() -> None:
    note = "PROCEDURE: Total laparoscopic hysterectomy with bilateral salpingo-oophorectomy.\n"
    queries, _ = _plan(note, "inpatient")
    pcs = sorted(q.text for q in queries if q.system == "ICD-10-PCS")
    assert pcs == [
        "resection of bilateral fallopian tubes, percutaneous endoscopic approach",
        "resection of bilateral ovaries, percutaneous endoscopic approach",
        "resection of cervix, percutaneous endoscopic approach",
        "resection of uterus, percutaneous endoscopic approach",
    ]


def test_a_title_line_that_names_a_procedure_is_the_procedure_statement() -> None:
    note = (
        "PROCEDURE NOTE (11/05) - Dual-chamber permanent pacemaker implantation\n"
        "Operator: EP attending.\n"
        "Description: The left chest was prepped and draped.\n"
    )
    found = sections(note)
    assert [(s.name, s.body.text) for s in found][:2] == [
        ("procedure", "Dual-chamber permanent pacemaker implantation"),
        ("other", "EP attending."),
    ]
    # a note that also lists its procedures under a heading: the title is no second one
    both = sections(
        "OPERATIVE REPORT - Laparoscopic cholecystectomy\n"
        "PROCEDURE: Laparoscopic cholecystectomy with intraoperative cholangiogram.\n"
    )
    assert [s.name for s in both] == ["description", "procedure"]
    # a title line naming a specialty is no procedure
    titled = sections("OPERATIVE NOTE - UROLOGY (Outpatient)\nPROCEDURE: Cystoscopy.\n")
    assert [s.name for s in titled] == ["description", "procedure"]


def test_a_history_item_naming_its_drug_after_a_dash_is_a_treated_condition() -> None:
    from assistant.note_text import TREATED, condition_named

    assert condition_named("Hypertension - lisinopril 20 mg daily.") == "Hypertension"
    assert TREATED.search("GERD - omeprazole 20 mg daily.")
    assert not TREATED.search("Colon - 3 mm polyp")
    # or after a colon, when the label is the condition and not a list's name
    assert condition_named("- Hypertension: lisinopril-HCTZ 20/12.5 mg daily") == "Hypertension"
    assert condition_named("Home meds: metformin 1000 mg BID") == "metformin 1000 mg BID"


def test_a_past_episode_over_and_done_is_history_and_social_is_no_family_history() -> None:
    from assistant.notes import context

    assert context("Kidney stone 2015 (passed), none since")[0] == "history"
    note = "FAMILY HISTORY: Father - lumbar fusion.\nSOCIAL: Never smoker. Occasional alcohol.\n"
    assert [s.name for s in sections(note)] == ["family_history", "social_history"]
    titled = sections("HISTORY / INDICATIONS:\n43-year-old male with leg pain.\n")
    assert [s.name for s in titled] == ["indications"]


def test_a_finding_acted_on_is_a_procedure_of_its_own() -> None:
    note = (
        "PROCEDURE: Colonoscopy to the cecum.\n\n"
        "FINDINGS:\n"
        " 1. Sigmoid colon: 12 mm polyp - removed with hot snare.\n"
        " 2. No diverticulosis.\n"
        " 3. Small internal hemorrhoids.\n"
    )
    queries, _ = _plan(note)
    acted = [q for q in queries if q.rationale == "a finding acted on: a procedure of its own"]
    assert len(acted) == 1 and "removed with hot snare" in acted[0].text
    assert acted[0].system == "ICD-10-PCS"


def test_a_routine_step_codes_nothing_unless_it_names_a_procedure() -> None:
    note = (
        "PROCEDURES:\n"
        " 1. Ultrasound-guided right common femoral artery access.\n"
        " 2. Balloon angioplasty of the left superficial femoral artery.\n"
        " 3. Time-out performed.\n"
    )
    queries, excluded = _plan(note)
    searched = {q.statement.span.text.strip(" .") for q in queries}
    assert any("angioplasty" in t for t in searched)
    assert not any("access" in t or "Time-out" in t for t in searched)
    assert any("routine step" in e.reason for e in excluded)


def test_a_delivery_record_gets_its_outcome_of_delivery() -> None:
    mother = (
        "DELIVERY SUMMARY\n\nDelivery: Spontaneous vaginal delivery, liveborn male.\n"
        "DIAGNOSES:\n1. Term pregnancy, delivered vaginally.\n"
    )
    queries, _ = _plan(mother)
    outcome = [q for q in queries if q.prefixes == ("Z37",)]
    assert len(outcome) == 1 and outcome[0].text.endswith("single live birth")
    newborn = "NEWBORN ADMISSION NOTE\n\nDelivered by cesarean at 39 weeks gestation, Apgars 8/9.\n"
    assert not [q for q in _plan(newborn)[0] if q.prefixes == ("Z37",)]


def test_status_after_a_procedure_is_coded_outside_the_procedure_performed() -> None:
    note = (
        "PREOPERATIVE DIAGNOSIS: Right inguinal hernia.\n"
        "PROCEDURE PERFORMED: Open right inguinal hernia repair with mesh.\n"
        "HISTORY: Coronary artery disease s/p CABG in 2016. Family history: mother s/p "
        "mastectomy.\n"
    )
    queries, _ = _plan(note)
    status = [q for q in queries if q.rationale.startswith("status after a procedure")]
    assert [q.prefixes for q in status] == [("Z95.1",)]
    st = status[0].statement
    assert note[st.span.start : st.span.end] == st.span.text == "CABG"


def test_an_age_is_not_an_old_condition_and_a_delivery_record_is_the_mothers() -> None:
    from assistant.note_text import delivery_record
    from assistant.notes import statements

    [st] = statements("HPI: 16-year-old male riding his bicycle fell on the pavement.\n")
    assert st.status == "positive"
    [old] = statements("HPI: Old MI in 2010, now chest pain.\n")
    assert old.status == "history"
    mother = "DELIVERY NOTE\nLow transverse cesarean delivery, liveborn female, Apgars 8/9.\n"
    assert delivery_record(mother)
    assert all("Z38" in q.avoid for q in _plan(mother, "inpatient")[0] if q.system == "ICD-10-CM")
    newborn = "NEWBORN ADMISSION NOTE\nDelivered by cesarean at 39 weeks gestation, Apgars 8/9.\n"
    assert not delivery_record(newborn)


def test_a_status_is_not_coded_for_the_procedure_of_this_encounter() -> None:
    note = (
        "PROCEDURE PERFORMED: Laparoscopic cholecystectomy.\n"
        "HOSPITAL COURSE: POD 1 s/p laparoscopic cholecystectomy, tolerating diet. "
        "Remote history: s/p right total knee arthroplasty 2015.\n"
    )
    status = [q for q in _plan(note, "inpatient")[0] if q.rationale.startswith("status after")]
    assert [q.prefixes for q in status] == [("Z96.65",)]


def test_a_condition_of_a_delivery_complicates_childbirth() -> None:
    from types import SimpleNamespace

    from assistant.note_rules import in_childbirth
    from assistant.results import CodeResult

    def result(code: str, title: str) -> CodeResult:
        return CodeResult(code, "ICD-10-CM", title, 0.5, True)

    pregnancy = result("O24.410", "Gestational diabetes mellitus in pregnancy, diet controlled")
    childbirth = result("O24.420", "Gestational diabetes mellitus in childbirth, diet controlled")
    other = result("O99.814", "Abnormal glucose complicating childbirth")
    asked: list[str] = []

    def search(text: str, system: str, k: int) -> SimpleNamespace:
        asked.append(text)
        return SimpleNamespace(results=(other, pregnancy, childbirth))

    retriever = SimpleNamespace(search=search)
    picked = in_childbirth(retriever, "gestational diabetes", pregnancy)  # type: ignore[arg-type]
    assert picked.code == childbirth.code
    assert asked == ["gestational diabetes in childbirth"]
    # no sibling of the same category in childbirth: the code stays
    lone = result("O26.891", "Other specified pregnancy related conditions, first trimester")
    assert in_childbirth(retriever, "x", lone) is lone  # type: ignore[arg-type]


class _FakeRetriever:
    """Searches find one code; records know its block and category (code-set shape)."""

    def __init__(self, code: str, confidence: float, parents: tuple[Parent, ...]) -> None:
        self.code, self.confidence, self.parents = code, confidence, parents

    def search(self, query: str, system: str, k: int) -> SearchResponse:
        found = CodeResult(self.code, system, "", 0.9, True, confidence=self.confidence)
        return SearchResponse(query, (found,))

    def record(self, system: str, code: str) -> CodeRecord:
        source = Source("package", "simple-icd-10-cm", "FY2026")
        return CodeRecord(system, code, "", True, source, "", parents=self.parents)


def test_history_queries_name_the_group_the_condition_is_classified_in() -> None:
    from typing import cast

    from assistant.note_history import history_query
    from assistant.search import Retriever

    parents = (
        Parent("2", "Neoplasms (C00-D49)", "chapter"),
        Parent("C15-C26", "Malignant neoplasms of digestive organs (C15-C26)", "block"),
        Parent("C18", "Malignant neoplasm of colon", "category"),
    )
    colon = cast(Retriever, _FakeRetriever("C18.9", 0.9, parents))
    assert history_query(colon, "family history of colon cancer", 0.3) == (
        "family history of colon cancer (Malignant neoplasms of digestive organs; "
        "Malignant neoplasm of colon)"
    )
    assert history_query(colon, "colon cancer", 0.3) == "colon cancer"  # not a history
    unsure = cast(Retriever, _FakeRetriever("C18.9", 0.1, parents))
    assert history_query(unsure, "family history of colon cancer", 0.3).endswith("cancer")
    status = cast(Retriever, _FakeRetriever("Z90.13", 0.9, parents))  # not a disease
    assert history_query(status, "personal history of mastectomy", 0.3).endswith("mastectomy")


class _Z68Records:
    codes = ("Z68", "Z68.1", "Z68.41", "Z68.45", "Z68.51")
    titles = (
        "Body mass index [BMI]",
        "Body mass index [BMI] 19.9 or less, adult",
        "Body mass index [BMI] 40.0-44.9, adult",
        "Body mass index [BMI] 70 or greater, adult",
        "Body mass index [BMI] pediatric, less than 5th percentile for age",
    )
    billable = (False, True, True, True, True)


class _Z68Retriever:
    class index:
        records = _Z68Records()

    def descendants(self, system: str, code: str) -> list[int]:
        return [1, 2, 3, 4]


def test_a_bmi_value_is_coded_by_the_ranges_the_z68_titles_name() -> None:
    from typing import cast

    from assistant.note_measures import bmi_code, bmi_value, patient_age
    from assistant.search import Retriever

    retriever = cast(Retriever, _Z68Retriever())
    note = "58-year-old man. PMH: morbid obesity, BMI 41.2; hypertension."
    found = bmi_code(retriever, note)
    assert found is not None and found[0] == "Z68.41"
    assert note[found[1].start : found[1].end] == "BMI 41.2"
    assert bmi_code(retriever, "Obesity (body mass index of 72)")[0] == "Z68.45"  # type: ignore[index]
    assert bmi_code(retriever, "Underweight, BMI: 17.5")[0] == "Z68.1"  # type: ignore[index]
    assert bmi_code(retriever, "12-year-old, obesity, BMI 31") is None  # percentiles
    assert bmi_value("BMI not recorded") is None and patient_age("a 7 yo boy") == 7


def test_a_line_splits_into_conditions_not_into_sites_or_encounters() -> None:
    from assistant.note_text import parts

    assert parts("Hypertensive heart disease with heart failure") == [
        "Hypertensive heart disease",
        "heart failure",
    ]
    line = "Laceration without foreign body, dorsum right hand, initial encounter - repaired"
    assert parts(line) == []  # one injury: its site and encounter are no conditions
    # a parenthesis elaborates its condition: nothing is split inside it
    graded = "Grade IV splenic laceration (major laceration with hilar involvement) with shock"
    assert parts(graded) == []


def test_what_is_to_happen_in_some_days_is_not_coded_as_done() -> None:
    note = (
        "ASSESSMENT/PLAN:\n1. Laceration of right hand, repaired.\n"
        "2. Suture removal in 10-14 days.\n"
    )
    by_text = {st.span.text: st.status for st in statements(note)}
    assert by_text["Suture removal in 10-14 days."] == "hypothetical"
    assert by_text["Laceration of right hand, repaired."] == "positive"
    later = {
        st.span.text: st.status for st in statements("HPI: Cough for 3 days, fell 2 weeks ago.")
    }
    assert "hypothetical" not in later.values()


def _build(code: str, operation: str, part: str, meaning: str) -> object:
    from assistant.pcs.builder import Built
    from assistant.search import PcsBuild
    from corpus.pcs_axes import AxisValue

    axes = (AxisValue(4, "Body Part", code[3], meaning),)
    built = Built(code, axes, ("", "", operation, part, "External", "", ""), ())
    return PcsBuild("q", built, ())


class _Builds:
    def __init__(self, refined: object) -> None:
        self.refined = refined

    def build_pcs(self, text: str, k: int = 10) -> object:
        return self.refined


def test_the_principal_diagnosis_names_the_site_a_procedure_leaves_unsaid() -> None:
    from typing import cast

    from assistant.note_encounter import site_unsaid, with_site
    from assistant.search import PcsBuild, Retriever
    from assistant.weights import NOTE_WEIGHTS

    vague = cast(PcsBuild, _build("0HQ7XZZ", "repair", "skin", "Abdomen Skin"))
    assert site_unsaid(vague)
    said = _build("0FT44ZZ", "resection", "gallbladder", "Gallbladder")
    assert not site_unsaid(cast(PcsBuild, said))
    hand = _build("0HQFXZZ", "repair", "hand skin", "Right Hand Skin")
    refined = with_site(cast(Retriever, _Builds(hand)), vague, "q (dx)", NOTE_WEIGHTS)
    assert refined is hand
    # another root table: the first build is kept
    other_table = _build("0XQJXZZ", "repair", "right hand", "Right Hand")
    kept = with_site(cast(Retriever, _Builds(other_table)), vague, "q (dx)", NOTE_WEIGHTS)
    assert kept is vague


def test_a_treated_cancer_in_the_history_is_a_personal_history_not_a_current_cancer() -> None:
    from assistant.note_text import FINISHED, treated_cancer

    note = (
        "PMH: Right breast cancer (stage I, ER+), lumpectomy and radiation 2015, completed "
        "5 years of tamoxifen in 2020; no evidence of recurrence. Hypothyroidism.\n"
    )
    found = [st for st in statements(note) if st.kind == "history"]
    # a comma inside parentheses does not split the list item
    assert found[0].span.text == "Right breast cancer (stage I, ER+)"
    assert treated_cancer(note, found[0].span.start, found[0].span.text)
    active = "PMH: Breast cancer, on tamoxifen since 2021.\n"
    assert not treated_cancer(active, active.index("Breast"), "Breast cancer")
    abbreviated = "PMH: papillary thyroid CA s/p total thyroidectomy + RAI 2015, NED.\n"
    assert treated_cancer(abbreviated, abbreviated.index("pap"), "papillary thyroid CA")
    calcium = "PMH: hypoparathyroidism, Ca 7.9 s/p thyroidectomy 2015.\n"
    assert not treated_cancer(calcium, calcium.index("hypo"), "hypoparathyroidism, Ca 7.9")
    blood = "PMH: CLL, treated 2019.\n"
    assert not treated_cancer(blood, blood.index("CLL"), "chronic lymphocytic leukemia")
    assert FINISHED.search("completed 5 years of tamoxifen")
    assert not FINISHED.search("hormone replacement therapy (to be stopped)")


def test_a_purpose_to_come_a_denied_dialysis_and_an_earlier_screening_code_nothing() -> None:
    from assistant.note_text import DIALYSIS, EARLIER, said_not_denied

    note = (
        "ASSESSMENT:\n1. Sigmoid adenocarcinoma, post resection, for adjuvant chemotherapy.\n"
        "2. CKD stage 5, not on dialysis - fistula created in anticipation of hemodialysis.\n"
    )
    said = [" ".join(st.asserted.split()) for st in statements(note)]
    # what is to come is not asserted: the chemotherapy, the hemodialysis
    assert "chemotherapy" not in said[0] and "adenocarcinoma" in said[0]
    assert "hemodialysis" not in said[1] and "CKD stage 5" in said[1]
    assert not said_not_denied(DIALYSIS, "CKD stage 5, not yet on dialysis")
    assert said_not_denied(DIALYSIS, "ESRD on hemodialysis MWF via left AV fistula")
    assert EARLIER.search("Diabetic retinopathy screening negative last year.")
    assert not EARLIER.search("Screening colonoscopy, average risk.")


def test_gestational_diabetes_on_insulin_adds_no_long_term_use_code() -> None:
    """Guideline I.C.15.g: O24.4- alone; a type 2 diabetic's insulin is Z79.4."""
    gdm = "DIAGNOSES:\n1. Gestational diabetes mellitus, class A2 - insulin controlled.\n"
    queries, _ = _plan(gdm, "inpatient")
    assert not [q for q in queries if q.text.startswith("long term")]
    dm2 = "PMH:\n- Type 2 DM with diabetic nephropathy - insulin glargine 18 u qHS\n"
    queries, _ = _plan(dm2)
    assert [q.text for q in queries if q.text.startswith("long term")] == [
        "long term (current) use of insulin"
    ]


def test_a_denied_family_history_and_an_earlier_operation_code_no_condition() -> None:
    note = (
        "PAST SURGICAL HISTORY: Lap cholecystectomy 2018.\n"
        "PMH:\n- HTN - on metoprolol and losartan 50 mg daily\n"
        "FAMILY HISTORY: Mother with breast cancer. No known Lynch syndrome.\n"
    )
    found = statements(note)
    assert [s.status for s in found if s.section == "family_history"] == ["family", "negated"]
    queries, _ = _plan(note)
    texts = [q.text for q in queries]
    assert "HTN" in texts  # the condition before the dash and its drug
    assert not any("cholecystectomy" in t.lower() for t in texts)
    assert not any("Lynch" in t for t in texts)


def test_an_item_of_the_surgical_history_is_an_operation_not_what_it_treated() -> None:
    note = "PMH: HTN on lisinopril. Uterine fibroids.\nPSH: TAH 2009 (fibroids); wisdom teeth.\n"
    found = statements(note)
    assert {s.section for s in found if "TAH" in s.span.text} == {"surgical_history"}
    queries, _ = _plan(note)
    # the fibroids of the history list are a condition; those of the operation are gone
    assert [q.statement.span.start for q in queries if "fibroid" in q.text.lower()] == [
        note.index("Uterine")
    ]
    assert not any("teeth" in q.text or "TAH" in q.text for q in queries)


def test_a_procedure_line_the_note_says_was_not_done_codes_nothing() -> None:
    note = (
        "PROCEDURES:\n"
        "1. Repeat low transverse cesarean delivery.\n"
        "2. NOT PERFORMED: Bilateral salpingectomy was offered.\n"
        "3. Transbronchial biopsy of RUL mass - planned, NOT performed.\n"
    )
    assert [s.status for s in statements(note)] == ["positive", "not_performed", "not_performed"]
    queries, _ = _plan(note, "inpatient")
    assert not any("salpingectomy" in q.text or "biopsy" in q.text for q in queries)


def test_how_far_a_scope_went_is_no_site_of_what_it_did() -> None:
    note = "PROCEDURE: Colonoscopy to the cecum with cold snare polypectomy x2.\n"
    queries, _ = _plan(note)
    pcs = [q.text for q in queries if q.system == "ICD-10-PCS"]
    assert pcs and not any("cecum" in t for t in pcs)


def test_a_sentence_that_only_says_what_was_done_acts_on_the_finding_before_it() -> None:
    note = (
        "PROCEDURE: Colonoscopy.\n"
        "FINDINGS:\n"
        "1. Sigmoid colon: one 8 mm sessile polyp. Removed en bloc with cold snare.\n"
        "2. Removed cecal lipoma? No.\n"
    )
    queries, _ = _plan(note)
    acted = [q.text for q in queries if q.rationale == "a finding acted on: a procedure of its own"]
    assert any(t.startswith("Sigmoid colon: one 8 mm sessile polyp. Removed") for t in acted)


def test_parenthesised_and_lettered_list_marks_split_items_and_leave_the_text() -> None:
    note = (
        "PREOPERATIVE DIAGNOSIS:\n"
        "(1) Carpal tunnel syndrome, bilateral\n"
        "(2) Trigger finger, right ring finger\n"
        "PROCEDURE(S):\n"
        " (1) Phacoemulsification with intraocular lens, OS\n"
        "     - IOL: one-piece acrylic in the bag\n"
        " (2) Anterior vitrectomy - NOT performed\n"
    )
    found = statements(note)
    assert [s.span.text for s in found if s.kind == "diagnosis"] == [
        "Carpal tunnel syndrome, bilateral",
        "Trigger finger, right ring finger",
    ]
    procedures = [s for s in found if s.kind == "procedure"]
    # the bullet indented under item (1) belongs to it; item (2) is its own, not done
    assert procedures[0].span.text.startswith("Phacoemulsification")
    assert "IOL" in procedures[0].span.text
    assert [s.status for s in procedures] == ["positive", "not_performed"]
    assert all(note[s.span.start : s.span.end] == s.span.text for s in found)


def test_a_condition_before_its_drug_and_dose_in_parentheses_is_treated() -> None:
    from assistant.note_text import indications

    sentence = (
        "She is also followed for hypothyroidism (levothyroxine 88 mcg), hypertension "
        "(losartan 50 mg) and GERD (pantoprazole 40 mg)."
    )
    assert indications(sentence, False) == ["hypothyroidism", "hypertension", "GERD"]
    # a parenthesis without a dose names no treatment; nor does a drug-less remark
    assert (
        indications("Iron deficiency anemia as above (oral ferrous sulfate at home).", False) == []
    )
    note = f"HISTORY: {sentence}\nPROCEDURE: Lumpectomy, left breast.\n"
    queries, _ = _plan(note)
    treated = {q.text for q in queries if "medication's indication" in q.rationale}
    assert treated == {"hypothyroidism", "hypertension", "GERD"}


def test_localization_and_the_splint_of_a_reduction_are_not_searched() -> None:
    note = (
        "PROCEDURE:\n"
        "1. Closed reduction of left distal radius fracture with sugar-tong splint application.\n"
        "2. Left breast partial mastectomy, radioactive-seed localized.\n"
        "3. Application of short arm cast.\n"
    )
    queries, _ = _plan(note)
    pcs = [q.text for q in queries if q.system == "ICD-10-PCS"]
    assert any(t.startswith("Closed reduction") and "splint" not in t for t in pcs)
    assert any("mastectomy" in t and "seed" not in t for t in pcs)
    # a cast applied on its own is a procedure of its own
    assert any("cast" in t for t in pcs)


def test_a_scope_the_statement_names_keeps_its_approach() -> None:
    note = (
        "PROCEDURE:\n1. Bilateral endoscopic maxillary antrostomy.\n2. Septoplasty.\n"
        "DESCRIPTION: A hemitransfixion incision was made and the flaps opened.\n"
    )
    queries, _ = _plan(note)
    pcs = {q.text for q in queries if q.system == "ICD-10-PCS"}
    assert "Bilateral endoscopic maxillary antrostomy." in pcs
    assert any(t.startswith("Septoplasty") and t.endswith("Open") for t in pcs)


def test_a_postoperative_diagnosis_same_as_before_keeps_the_preoperative_one() -> None:
    note = (
        "PRE-OP DIAGNOSIS: Benign prostatic hyperplasia with lower urinary tract symptoms.\n"
        "POST-OP DIAGNOSIS: Same; trilobar prostatic enlargement.\n"
        "OPERATION PERFORMED: Transurethral resection of the prostate.\n"
    )
    queries, _ = _plan(note)
    searched = {q.text for q in queries if q.system == "ICD-10-CM"}
    assert any(t.startswith("Benign prostatic hyperplasia") for t in searched)
    assert any("trilobar" in t for t in searched)
    # a postoperative diagnosis of its own replaces the preoperative one
    other = note.replace("Same; trilobar", "Trilobar")
    queries, _ = _plan(other)
    assert not any(q.text.startswith("Benign") for q in queries if q.system == "ICD-10-CM")


def test_emergency_note_headings_for_impressions_and_decision_making() -> None:
    note = (
        "Complications: none.\n\n"
        "MDM:\nClosed displaced distal radius fracture, reduced in the ED.\n\n"
        "Clinical Impression:\n1. Closed Colles' fracture, left distal radius\n"
        "ROS: Negative except as above.\n"
    )
    names = [s.name for s in sections(note)]
    assert names == ["complications", "narrative", "assessment", "other"]


def test_a_procedure_list_has_one_procedure_per_line() -> None:
    note = (
        "Operation (09/04)\n"
        "Coronary artery bypass grafting x 3:\n"
        "  - Left internal mammary artery to LAD\n"
        "Endoscopic harvest of greater saphenous vein, LEFT thigh and leg\n"
        "Cardiopulmonary bypass (pump time 94 min)\n"
        "PROCEDURE: Implantation of dual-chamber pacemaker (right atrial and right\n"
        "ventricular leads) via left cephalic venous access.\n"
    )
    procedures = [s.span.text for s in statements(note) if s.kind == "procedure"]
    assert procedures == [
        "Coronary artery bypass grafting x 3:\n  - Left internal mammary artery to LAD",
        "Endoscopic harvest of greater saphenous vein, LEFT thigh and leg",
        "Cardiopulmonary bypass (pump time 94 min)",
    ]
    # a line wrapped inside a sentence stays one procedure
    wrapped = [s.span.text for s in statements(note[note.index("PROCEDURE:") :])]
    assert len(wrapped) == 1 and wrapped[0].endswith("venous access.")


def test_a_part_s_unspecified_code_gives_way_to_the_line_s_specific_sibling() -> None:
    from assistant.note_rules import PART_RATIONALE, specific_of_line
    from assistant.note_types import Alternative, Draft, Evidence

    line = "Invasive ductal carcinoma, left breast, 2:00 position"
    ev = Evidence(0, len(line), line, "preoperative_diagnosis")

    def result(code: str, title: str, confidence: float) -> CodeResult:
        return CodeResult(code, "ICD-10-CM", title, confidence, True, confidence=confidence)

    part = Draft(
        result("C50.919", "Malignant neoplasm of unspecified site", 0.86),
        0.86,
        PART_RATIONALE,
        [ev],
    )
    specific = result("C50.412", "Malignant neoplasm of upper-outer quadrant of left", 0.35)
    other = result("C44.91", "Basal cell carcinoma of skin, unspecified", 0.3)
    below_line = Alternative(
        "C50.412", "ICD-10-CM", specific.title, 0.35, "confidence 0.35 is below 0.50", (ev,)
    )
    kept, alternatives = specific_of_line(
        [part], {(0, "ICD-10-CM"): [other, specific]}, [below_line]
    )
    assert [d.result.code for d in kept] == ["C50.412"]
    assert kept[0].evidence == [ev]
    assert [a.code for a in alternatives] == ["C50.919"]
    # nothing found below the threshold for the line: the part's code stays
    kept, _ = specific_of_line([part], {}, [])
    assert [d.result.code for d in kept] == ["C50.919"]


def test_biopsies_taken_in_the_findings_are_procedures_of_their_own() -> None:
    note = (
        "PROCEDURE: EGD.\n"
        "FINDINGS:\n"
        "Esophagus: Four-quadrant biopsies were taken from the distal esophagus.\n"
        "Stomach: Biopsies from antrum and body.\n"
        "Duodenum: No biopsies taken from the duodenum.\n"
    )
    queries, _ = _plan(note)
    acted = [q.text for q in queries if q.rationale == "a finding acted on: a procedure of its own"]
    assert any("distal esophagus" in t for t in acted) and any("antrum" in t for t in acted)
    assert not any("duodenum" in t for t in acted)


def test_a_value_beside_a_diagnosis_is_no_part_of_its_name() -> None:
    from assistant.notes import without_measures

    assert without_measures("Hyperlipidemia, LDL 142") == "Hyperlipidemia"
    assert without_measures("Type 2 diabetes mellitus, A1c 7.2%") == "Type 2 diabetes mellitus"
    assert without_measures("Obesity, BMI 34.6") == "Obesity, BMI 34.6"  # BMI is coded
    assert without_measures("LDL 142") == "LDL 142"  # nothing else: the line as it is


def test_a_cancer_treated_and_gone_in_a_diagnosis_list_is_a_personal_history() -> None:
    note = (
        "SECONDARY DIAGNOSES:\n1. Hypertension\n"
        "2. Prostate adenocarcinoma, radical prostatectomy 2015, PSA undetectable, "
        "no treatment since\n"
    )
    queries, _ = _plan(note)
    cancer = [q for q in queries if "Prostate" in q.statement.span.text]
    assert cancer and all(q.prefixes == ("Z85",) for q in cancer)
    assert any(q.text == "Hypertension" for q in queries)


def test_imaging_or_monitoring_during_the_operation_is_part_of_it() -> None:
    note = (
        "PROCEDURES PERFORMED:\n1. L4-L5 transforaminal lumbar interbody fusion.\n"
        "2. Intraoperative fluoroscopy; neuromonitoring (SSEP/EMG)\n"
        "3. Ultrasound-guided liver biopsy\n"
    )
    queries, excluded = _plan(note)
    searched = " | ".join(q.text for q in queries).lower()
    assert "fusion" in searched and "biopsy" in searched  # guidance of a procedure named
    assert "fluoroscopy" not in searched and "neuromonitoring" not in searched
    assert sum("during the operation" in e.reason for e in excluded) == 2


def test_a_procedure_heading_that_names_it_is_the_statement_and_its_steps_describe_it() -> None:
    note = (
        "PROCEDURE - LACERATION REPAIR:\nWounds irrigated with saline. Edges trimmed.\n"
        "ASSESSMENT:\n1. Laceration of left calf\n"
    )
    names = [(s.name, s.body.text.strip()) for s in sections(note)]
    assert names[0] == ("procedure", "LACERATION REPAIR:")
    assert names[1][0] == "description" and names[1][1].startswith("Wounds irrigated")


def test_a_social_history_heading_written_shx_is_no_history_list() -> None:
    note = "PMH: HTN.\nSHx: Never smoker. Retired machinist.\nSoc Hx: lives alone.\n"
    assert [s.name for s in sections(note)] == ["history", "social_history", "social_history"]
    both = "INDICATION / DIAGNOSIS: Complete heart block.\nINDICATION: syncope.\n"
    assert [s.name for s in sections(both)] == ["diagnosis", "indications"]


def test_drugs_histories_and_statuses_of_one_line_are_findings_apart() -> None:
    from assistant.note_rules import _same_finding
    from assistant.note_types import Draft, Evidence

    ev = Evidence(0, 30, "x" * 30, "medications")

    def draft(code: str) -> Draft:
        return Draft(CodeResult(code, "ICD-10-CM", code, 0.5, True), 0.7, "r", [ev])

    assert not _same_finding(draft("Z79.4"), draft("Z79.82"))  # insulin, aspirin
    assert not _same_finding(draft("Z79.82"), draft("Z79.84"))  # aspirin, oral hypoglycemic
    assert not _same_finding(draft("Z85.3"), draft("Z86.718"))
    assert _same_finding(draft("Z87.891"), draft("Z87.898"))  # one subcategory
    assert _same_finding(draft("N18.3"), draft("N18.31"))  # degrees of one condition


@pytest.mark.parametrize(
    ("item", "operation"),
    [
        ("C-section x2.", True),
        ("LEEP 2019", True),
        ("Lap cholecystectomy 2018", True),
        ("Hypertension", False),
        ("Cesarean section scar pain", False),
    ],
)
def test_an_earlier_operation_named_otherwise_is_no_condition(item: str, operation: bool) -> None:
    from assistant.suggest import _PAST_OPERATION

    assert bool(_PAST_OPERATION.match(item)) is operation


def test_a_condition_abbreviated_with_digits_is_named_before_its_treatment() -> None:
    from assistant.note_text import condition_named

    assert condition_named("T2DM on insulin glargine + metformin") == "T2DM"
    assert condition_named("CKD3 on losartan") == "CKD3"
    assert condition_named("on metformin") == "on metformin"  # no condition before it


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Ruled out: bacterial pneumonia (CXR negative)", "negated"),
        ("UTI (cath UA negative)", "negated"),
        ("Pneumonia, CXR negative", "negated"),
        ("Rule out MI", "negated"),
        ("Pneumonia on CXR", "positive"),
    ],
)
def test_a_condition_ruled_out_or_tested_negative_is_negated(text: str, status: str) -> None:
    from assistant.notes import context

    assert context(text)[0] == status


def test_an_hpi_and_history_heading_is_a_history_list() -> None:
    note = "HPI / HX: 58M, current smoker, HTN, HLD, DM2.\nINDICATION: Inferior STEMI.\n"
    assert [s.name for s in sections(note)] == ["history", "indications"]
