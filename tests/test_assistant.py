"""Search: exact codes, understanding, fusion, billable resolution, citations, bad input."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from assistant.assistant import Assistant
from assistant.candidates import Fused, PerRecord, tied_ranks
from assistant.conventions import coverage_adjustment, qualifier_adjustment, query_facts
from assistant.errors import QueryError, UnknownCodeError, UnknownSystemError
from assistant.evaluate import EvalCase, evaluate, metrics
from assistant.fusion import convex, grouped_ranks, minmax, ranked, rrf
from assistant.knowledge.lexicon import load_lexicon
from assistant.knowledge.morphology import decompose
from assistant.query import analyze
from assistant.search import Retriever
from corpus.loader import load_corpus
from index.build import build_index
from index.lexical import tokenize
from index.search_index import SearchIndex
from tests.helpers import HashEmbedder
from tests.test_index import small_config


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, fixtures: Path, seeds: Path) -> Assistant:
    tmp = tmp_path_factory.mktemp("assistant")
    embedder = HashEmbedder()
    corpus = load_corpus(small_config(fixtures, seeds))
    build_index(corpus, tmp / "idx", embedder, tmp / "cache")
    index = SearchIndex.open(tmp / "idx", model=embedder.info)
    return Assistant(Retriever(index, embedder))


@pytest.mark.parametrize(
    ("query", "system", "code"),
    [
        ("N3941", "ICD-10-CM", "N39.41"),
        ("n39.41", "ICD-10-CM", "N39.41"),
        ("N39.41", "ICD-10-CM", "N39.41"),
        ("64561", "CPT", "64561"),
        ("01hy3mz", "ICD-10-PCS", "01HY3MZ"),
        ("e0745", "HCPCS", "E0745"),
        ("s72001a", "ICD-10-CM", "S72.001A"),
    ],
)
def test_exact_code_lookup_in_any_form(assistant: Assistant, query, system, code) -> None:
    top = assistant.search(query).results[0]
    assert (top.system, top.code, top.match, top.score) == (system, code, "exact", 1.0)


def test_code_inside_a_sentence_is_found_first(assistant: Assistant) -> None:
    results = assistant.search("what is n39.41 used for").results
    assert results[0].code == "N39.41" and results[0].match == "exact"
    assert len(results) > 1  # the words are searched too


def test_abbreviation_expansion(assistant: Assistant) -> None:
    analysis = analyze("OAB with urgency")
    (oab,) = [e for e in analysis.expansions if e.term == "OAB"]
    assert oab.means.lower() == "overactive bladder" and (oab.start, oab.end) == (0, 3)
    assert "overactive bladder" in analysis.expanded.lower()
    result = assistant.search("OAB", system="ICD-10-CM").results[0]
    assert result.code == "N32.81"
    # a lower-case word of the corpus is not taken for an abbreviation
    assert not [
        e for e in analyze("fracture of neck", {"neck", "fracture"}).expansions if e.term == "neck"
    ]


def test_expansions_are_typed_records_pointing_into_the_query() -> None:
    query = "pt  w/ heart attack and lap chole"
    analysis = analyze(query)
    assert analysis.expansions
    for e in analysis.expansions:
        assert query[e.start : e.end] == e.term and e.kind and e.source
    heart = [e for e in analysis.expansions if e.term == "heart attack"]
    assert heart and "myocardial infarction" in heart[0].means.lower()
    assert heart[0].source.startswith("lexicon:")


def test_a_duration_names_no_stage_or_type() -> None:
    for query in (
        "CKD for 4 years",
        "CKD x 4 yrs",
        "cough for the past 2 weeks",
        "3 days of fever",
    ):
        searched = analyze(query, system="ICD-10-CM").expanded
        assert not any(ch.isdigit() for ch in searched), searched
    # gestational weeks and stages keep their numbers
    assert "10" in analyze("10 weeks pregnant", system="ICD-10-CM").expanded
    assert "4" in analyze("CKD stage 4", system="ICD-10-CM").expanded


def test_procedure_words_and_approach() -> None:
    a = analyze("laparoscopic cholecystectomy")
    assert a.approach == "Percutaneous Endoscopic"
    assert "resection" in a.expanded.lower() and "gallbladder" in a.expanded.lower()
    partial = analyze("partial nephrectomy, open")
    assert "excision" in partial.expanded.lower() and "resection" not in partial.expanded.lower()
    assert partial.approach == "Open"
    # a growth taken out is an Excision of its organ; "for" naming the operation is no reason
    tumor = analyze("craniotomy for resection of glioma", system="ICD-10-PCS").expanded.lower()
    assert "excision" in tumor and "resection of" not in tumor.replace("for resection of", "")
    gland = analyze("parathyroidectomy, adenoma excised", system="ICD-10-PCS").expanded.lower()
    assert "resection" in gland  # the -ectomy of a whole gland stays a Resection
    # how a drug is given names the approach when no procedure word does
    assert analyze("tPA through a peripheral IV").approach == "Percutaneous"
    assert analyze("open appendectomy, IV antibiotics").approach == "Open"
    assert analyze("appendix taken out through one big cut").approach == "Open"
    assert analyze("ERCP with sphincterotomy").approach.endswith("Opening Endoscopic")  # type: ignore[union-attr]
    assert decompose("appendectomy", load_lexicon()) is not None
    # searching diagnoses, procedure words add no root operations
    diagnosis = analyze("status post appendectomy", system="ICD-10-CM")
    assert "resection" not in diagnosis.expanded.lower()


def test_laterality_picks_the_right_sided_code(assistant: Assistant) -> None:
    left = assistant.search("fracture of neck of left femur", system="ICD-10-CM").results
    right = assistant.search("fracture of neck of right femur", system="ICD-10-CM").results
    assert left[0].code.startswith("S72.002")
    assert right[0].code.startswith("S72.001")


def test_encounter_picks_the_seventh_character(assistant: Assistant) -> None:
    later = assistant.search(
        "fracture of neck of right femur subsequent encounter", system="ICD-10-CM"
    ).results
    assert later[0].code == "S72.001D"
    first = assistant.search("fracture of neck of right femur", system="ICD-10-CM").results
    assert first[0].code == "S72.001A"  # no encounter said: initial


def test_qualifier_adjustment_signs() -> None:
    a = analyze("left knee, subsequent encounter")
    assert qualifier_adjustment(a, "Pain in left knee, subsequent encounter") > 0
    assert qualifier_adjustment(a, "Pain in right knee, subsequent encounter") < 0
    lap = analyze("laparoscopic appendectomy")
    assert qualifier_adjustment(lap, "Resection of Appendix, Percutaneous Endoscopic Approach") > 0
    assert qualifier_adjustment(lap, "Resection of Appendix, Open Approach") < 0
    terms = frozenset(tokenize("headache"))
    assert coverage_adjustment(terms, "Headache, unspecified") > coverage_adjustment(
        terms, "Headache with orthostatic component"
    )


def test_billable_preference_resolves_category_to_child(assistant: Assistant) -> None:
    retriever = assistant.retriever
    records = retriever.index.records
    category = retriever.record_row("ICD-10-CM", "N39.4")
    assert category is not None and not records.billable[category]
    notes: defaultdict[int, list[str]] = defaultdict(list)
    analysis = analyze("urge incontinence")
    facts = query_facts(analysis, retriever.groups)
    out = retriever.ranking.resolve(
        {category: 0.9}, analysis, None, notes, PerRecord.empty(), facts
    )
    (child,) = [row for row in out if row != category]
    assert records.codes[child] == "N39.41"  # the child that says what the query says
    assert records.billable[child] and out[child] > out[category]
    assert "N39.4 (Other specified urinary incontinence) is not billable" in notes[child][0]
    # a 7th-character stem resolves to the initial encounter unless told otherwise
    stem = retriever.record_row("ICD-10-CM", "S72.002")
    out = retriever.ranking.resolve(
        {stem: 0.8}, analyze("left femur neck"), None, notes, PerRecord.empty()
    )
    assert {records.codes[r] for r in out} == {"S72.002", "S72.002A"}
    results = assistant.search("other specified urinary incontinence", system="ICD-10-CM").results
    assert results[0].billable
    only = assistant.search("urinary incontinence", system="ICD-10-CM", billable_only=True)
    assert all(r.billable for r in only.results)


def test_system_filter_and_grouping(assistant: Assistant) -> None:
    pcs = assistant.search("neurostimulator lead", system="ICD-10-PCS", k=5).results
    assert pcs and all(r.system == "ICD-10-PCS" for r in pcs)
    assert len(pcs) <= 5
    grouped = assistant.search("neurostimulator electrode", k=20).by_system()
    assert {"CPT", "ICD-10-PCS"} <= set(grouped)
    # unfiltered: every system with a match gets a share of k, best first
    mixed = assistant.search("neurostimulator lead for urge incontinence", k=6)
    assert len(mixed.results) == 6
    assert {"CPT", "ICD-10-CM", "ICD-10-PCS"} <= set(mixed.by_system())
    scores = [r.score for r in mixed.results]
    assert scores == sorted(scores, reverse=True)


def test_citations_point_at_real_text(assistant: Assistant) -> None:
    for query in (
        "percutaneous sacral lead for urge incontinence",
        "urge incontinence",
        "gallbladder resection",
        "neurostimulator pulse generator",
    ):
        for result in assistant.search(query, k=10).results:
            record = assistant.code(result.system, result.code)
            assert result.citations, result.code
            for c in result.citations:
                assert record.source_text[c.start : c.end] == c.text
                assert 0 <= result.score <= 1


def test_cpt_page_cites_the_matching_sentence(assistant: Assistant) -> None:
    results = assistant.search("voiding dysfunction: urge incontinence and frequency", system="CPT")
    top = results.results[0]
    assert top.code == "64561"
    assert "urge incontinence, urgency, frequency" in top.citations[0].text
    assert len(top.citations[0].text) < 400  # a sentence, not the whole page


@pytest.mark.parametrize("query", ["", "   ", "x" * 10_000])
def test_bad_queries_are_clear_errors(assistant: Assistant, query: str) -> None:
    with pytest.raises(QueryError):
        assistant.search(query)


def test_bad_arguments(assistant: Assistant) -> None:
    with pytest.raises(UnknownSystemError):
        assistant.search("knee", system="ICD-9")
    with pytest.raises(QueryError):
        assistant.search("knee", k=0)
    with pytest.raises(UnknownCodeError):
        assistant.code("ICD-10-CM", "Z99.999")
    assert assistant.code("ICD-10-CM", "n3941").code == "N39.41"


def test_rrf_is_normalized_and_tie_aware() -> None:
    scores = rrf({"a": ranked(["x", "y", "z"]), "b": ranked(["x", "z"])})
    assert scores["x"] == pytest.approx(1.0)
    assert scores["z"] > scores["y"]  # found by both retrievers
    tied = rrf({"a": grouped_ranks([["p", "q"], ["r"]])})
    assert tied["p"] == tied["q"] > tied["r"]
    weighted = rrf({"a": ranked(["x"]), "b": ranked(["y"])}, {"a": 3.0, "b": 1.0})
    assert weighted["x"] == pytest.approx(3 * weighted["y"])
    assert rrf({"a": ranked(["x", "x"])}) == {"x": pytest.approx(1.0)}
    assert rrf({}) == {}


def test_convex_fusion_normalizes_each_retriever() -> None:
    dense = np.array([0.9, 0.5, 0.7], np.float32)
    lexical = np.array([0.0, 12.0, 6.0], np.float32)
    fused = convex(dense, lexical, 0.5)
    # each retriever's best gets its full weight, its worst none
    assert fused.tolist() == pytest.approx([0.5, 0.5, 0.5 * 0.5 + 0.5 * 0.5])
    assert convex(dense, lexical, 1.0).tolist() == pytest.approx([1.0, 0.0, 0.5])
    assert minmax(np.array([3.0, 3.0])).tolist() == [1.0, 1.0]  # all equal and positive
    assert minmax(np.array([0.0, 0.0])).tolist() == [0.0, 0.0]  # nothing matched
    assert len(minmax(np.zeros(0))) == 0
    with pytest.raises(ValueError):
        convex(dense, lexical[:2])


def test_metrics_and_evaluate() -> None:
    m = metrics([1, 2, None, 11], k=10)
    assert (m.n, m.hit1, m.hitk) == (4, 0.25, 0.5)
    assert m.mrr == pytest.approx((1 + 0.5) / 4)
    cases = [
        EvalCase("q1", "ICD-10-CM", ("A00.0",), kind="lay"),
        EvalCase("q2", "CPT", (), ("645",), kind="chart"),
        EvalCase("q3", "", (), kind="off-topic"),
        EvalCase("q4", "", (), kind="off-topic"),
    ]
    answers = {
        "q1": [("A00.0", 0.9)],
        "q2": [("99", 0.3), ("64561", 0.2)],
        "q3": [("Z00.0", 0.1)],
        "q4": [("W28", 0.7)],  # a confident answer to an off-topic query: wrong
    }
    report, outcomes = evaluate(cases, lambda q, s, k: answers[q], k=10)
    assert report.by_system["ICD-10-CM"].hit1 == 1.0 and report.by_system["CPT"].mrr == 0.5
    assert report.by_system["all"].n == 2  # off-topic queries are not in the hit rates
    assert report.by_kind["lay"].hit1 == 1.0 and report.by_kind["chart"].hit1 == 0.0
    assert report.by_system_kind[("CPT", "chart")].hitk == 1.0
    assert (report.off_topic, report.abstained) == (2, 0.5)
    assert [o.rank for o in outcomes] == [1, 2, None, None]
    # top answers: 0.9 right, 0.3 wrong; an off-topic answer is never a right code, so
    # its confidence (0.1, abstained; 0.7, not) is measured against 0
    assert report.ece == pytest.approx((0.1 + 0.3 + 0.1 + 0.7) / 4)
    assert (report.confident_share, report.confident_precision) == (0.5, 1.0)


def test_instructional_notes_point_to_related_codes(assistant: Assistant) -> None:
    (result,) = [r for r in assistant.search("N39.41").results if r.code == "N39.41"]
    related = {(x.relation, x.code) for x in result.related}
    # N39.41 inherits its parent N39.4's "code also any associated overactive bladder (N32.81)"
    assert ("code_also", "N32.81") in related
    assert all(x.code != "N39.41" for x in result.related)


def test_misspellings_are_tolerated(assistant: Assistant) -> None:
    analysis = analyze("urge incontinance", assistant.retriever.vocabulary)
    assert any(e.term == "incontinance" and "incontinence" in e.means for e in analysis.expansions)
    assert str(analyze("urge incontinense", assistant.retriever.vocabulary).expansions[-1]) == (
        "incontinense: incontinence"
    )
    top = assistant.search("urge incontinance", system="ICD-10-CM").results[0]
    assert top.code == "N39.41"


NOTES = Path(__file__).parent / "fixtures" / "notes"


def _suggest(assistant: Assistant, name: str):
    note = (NOTES / name).read_text(encoding="utf-8")
    response = assistant.suggest(note)
    for s in response.suggestions:
        for e in s.evidence:
            assert note[e.start : e.end] == e.text
    return note, response


def test_suggest_sacral_lead_note(assistant: Assistant) -> None:
    _, response = _suggest(assistant, "sacral_lead.txt")
    codes = {(s.system, s.code) for s in response.suggestions}
    assert ("CPT", "64561") in codes
    excluded = [e.text for e in response.excluded]
    assert "No evidence of infection." in excluded
    assert not any("infection" in s.title.lower() for s in response.suggestions)
    cpt = next(s for s in response.suggestions if s.code == "64561")
    assert any("right S3 foramen" in e.text for e in cpt.evidence)
    assert any("modifier RT" in n for n in cpt.notes)


def test_suggest_generator_replacement_note(assistant: Assistant) -> None:
    _, response = _suggest(assistant, "generator_replacement.txt")
    assert "64590" in [s.code for s in response.suggestions if s.system == "CPT"]
    reasons = {e.text: e.reason for e in response.excluded}
    assert reasons["Wound infection was ruled out."].startswith("negated")


def test_suggest_left_knee_note_picks_left_codes(assistant: Assistant) -> None:
    _, response = _suggest(assistant, "knee_left.txt")
    titles = [s.title.lower() for s in response.suggestions]
    assert not any("right" in t for t in titles)  # the right knee is history only
    assert {e.text for e in response.excluded} >= {
        "History of right knee replacement.",
        "No deep vein thrombosis.",
    }


def test_a_code_page_must_be_about_what_the_statement_names(assistant: Assistant) -> None:
    from assistant.note_rules import grounded

    def said(statement: str):  # type: ignore[no-untyped-def]
        return statement, assistant.search(statement, system="CPT").expansions

    page = "Percutaneous implantation of neurostimulator electrode array; sacral nerve"
    cataract = "Phacoemulsification of cataract with implantation of intraocular lens"
    assert not grounded(*said(cataract), page)  # only the verb shared
    lead = "Percutaneous placement of a sacral nerve lead through the S3 foramen"
    assert grounded(*said(lead), page)


def test_suggest_rejects_bad_notes(assistant: Assistant) -> None:
    with pytest.raises(QueryError):
        assistant.suggest("   ")
    with pytest.raises(QueryError):
        assistant.suggest(b"\x00\x00\x00")


def test_cpt_modifier_and_multiple_procedure_notes(assistant: Assistant) -> None:
    from assistant.note_types import Draft, Evidence
    from assistant.results import CodeResult
    from assistant.suggest import _cpt_modifiers

    def draft(code: str, score: float, text: str) -> Draft:
        result = CodeResult(code, "CPT", "t", score, True)
        return Draft(
            result, score, "procedure performed", [Evidence(0, len(text), text, "procedure")]
        )

    primary = draft("64590", 0.9, "generator replacement")
    secondary = draft("64580", 0.8, "open neuromuscular electrode array, left side")
    both = draft("64580", 0.8, "bilateral open neuromuscular electrode array")
    _cpt_modifiers(assistant.retriever, [primary, secondary])
    # 64580's page: multiple procedures indicator 2, modifiers LT and RT listed
    assert any("modifier 51" in n for n in secondary.notes)
    assert not any("modifier 51" in n for n in primary.notes)  # the primary procedure
    assert any("modifier LT" in n for n in secondary.notes)
    _cpt_modifiers(assistant.retriever, [both])
    assert any("modifier 50 does not apply" in n and "indicator 0" in n for n in both.notes)


def test_candidates_group_per_record_best_first() -> None:
    # chunks 0-4 belong to records 7, 7, 3, 7, 3
    record_row = np.array([7, 7, 3, 7, 3])
    fused = Fused(
        chunks=np.array([0, 1, 2, 3, 4]),
        scores=np.array([0.2, 0.9, 0.5, 0.9, 0.1]),
        lexical=None,
        cosines=np.array([0.30, 0.80, 0.60, 0.70, 0.95]),
    )
    per = PerRecord(fused, record_row)
    assert dict(zip(per.rows.tolist(), per.best.tolist(), strict=True)) == {3: 0.5, 7: 0.9}
    assert per.chunks(7) == [3, 1, 0]  # best first; equal scores: higher chunk id first
    assert per.chunks(3) == [2, 4] and per.chunks(99) == []
    assert per.similarity(7) == 0.8
    per.merge(7, 3)  # record 3's chunks credited to record 7
    assert per.chunks(7) == [3, 1, 0, 2, 4] and per.similarity(7) == 0.95
    assert tied_ranks(np.array([5, 6, 8]), np.array([2.0, 2.0, 1.0])) == [(5, 0), (6, 0), (8, 2)]


def test_code_set_names_are_not_expanded_as_clinical_abbreviations() -> None:
    cpt = analyze("cpt code for sacral lead")
    assert not any(e.term.lower() == "cpt" for e in cpt.expansions)  # not Child-Pugh-Turcotte
    icd = [str(e) for e in analyze("ICD lead implantation").expansions]
    assert any("defibrillator" in e.lower() for e in icd)
    assert not any("classification of diseases" in e.lower() for e in icd)
    # the code set itself: no clinical expansion
    assert not [e for e in analyze("ICD code for asthma").expansions if e.term == "ICD"]
    assert not any(e.term == "HCPCS" for e in analyze("HCPCS wheelchair").expansions)


# -- coding conventions on the mini code set ---------------------------------------------------
def test_type_1_and_type_2_diabetes_are_never_swapped(assistant: Assistant) -> None:
    for query, category in [
        ("type 2 diabetes", "E11"),
        ("T2DM", "E11"),
        ("type 1 diabetes mellitus", "E10"),
        ("juvenile onset diabetes", "E10"),
    ]:
        top = assistant.search(query, system="ICD-10-CM").results[0]
        assert top.code.startswith(category), (query, top.code)


def test_no_specifics_means_the_default_code(assistant: Assistant) -> None:
    # the unspecified MI, not the type 2 MI; the uncomplicated diabetes code
    assert assistant.search("heart attack", system="ICD-10-CM").results[0].code == "I21.9"
    assert assistant.search("type 2 diabetes", system="ICD-10-CM").results[0].code == "E11.9"
    # specifics choose the child
    stage = assistant.search("chronic kidney disease stage 3a", system="ICD-10-CM").results
    assert stage[0].code == "N18.31"
    combined = assistant.search("type 2 diabetes with diabetic chronic kidney disease").results
    assert combined[0].code == "E11.22"


def test_an_unspecified_side_or_site_is_the_default_not_an_added_word(
    assistant: Assistant,
) -> None:
    # "Tinnitus, unspecified ear" adds nothing to "Tinnitus": the side is left open
    assert assistant.search("tinnitus", system="ICD-10-CM").results[0].code == "H93.19"
    assert assistant.search("tinnitus left ear", system="ICD-10-CM").results[0].code == "H93.12"
    # "with unspecified complications" claims complications: not the default of E11
    codes = [r.code for r in assistant.search("type 2 diabetes", system="ICD-10-CM").results]
    assert codes.index("E11.9") < codes.index("E11.8")


def test_use_additional_code_companions_are_related(assistant: Assistant) -> None:
    (e1122,) = [r for r in assistant.search("E11.22").results if r.code == "E11.22"]
    related = {(x.relation, x.code) for x in e1122.related}
    assert ("use_additional_code", "N18.30") in related or any(
        rel == "use_additional_code" and code.startswith("N18") for rel, code in related
    )


def test_excludes1_pairs_are_not_ranked_as_if_both_applied(assistant: Assistant) -> None:
    results = assistant.search("diabetes mellitus", system="ICD-10-CM", k=10).results
    codes = [r.code for r in results]
    first_e10 = next(i for i, c in enumerate(codes) if c.startswith("E10"))
    first_e11 = next(i for i, c in enumerate(codes) if c.startswith("E11"))
    later = results[max(first_e10, first_e11)]
    assert any("Excludes1" in n for n in later.notes), later


def test_confidence_is_calibrated_and_gibberish_gets_none(assistant: Assistant) -> None:
    good = assistant.search("urge incontinence", system="ICD-10-CM")
    assert all(0.0 <= r.confidence <= 1.0 for r in good.results)
    assert good.results[0].confidence > good.results[-1].confidence
    exact = assistant.search("N39.41").results[0]
    assert exact.confidence == 1.0
    junk = assistant.search("asdkjh qwe zzxq")
    assert junk.no_confident_match and all(r.confidence < 0.5 for r in junk.results)


def test_weights_drive_the_stages(assistant: Assistant) -> None:
    import dataclasses

    from assistant.search import SearchOptions
    from assistant.weights import WEIGHTS

    retriever = assistant.retriever
    query = "fracture of neck of left femur"
    base = retriever.search(query, system="ICD-10-CM").results[0]
    flipped = dataclasses.replace(WEIGHTS, side_match=-0.5, side_conflict=0.5)
    other = Retriever(retriever.index, retriever.embedder, SearchOptions(weights=flipped))
    top = other.search(query, system="ICD-10-CM").results[0]
    assert base.code.startswith("S72.002") and top.code.startswith("S72.001")


def test_a_stated_diagnosis_is_searched_on_its_own_and_outranks_symptoms() -> None:
    from assistant.conventions import symptom_shift
    from assistant.knowledge.qualifiers import load_groups

    analysis = analyze("CP radiating to L arm, trops neg. Dx: unstable angina")
    assert analysis.focus.startswith("unstable angina")
    assert analyze("chest pain radiating to the arm").focus == ""
    # what a test showed is searched on its own too
    ct = analyze("CT chest: incidental 9 mm RLL nodule, recommend f/u CT in 6 months")
    assert ct.focus.startswith("incidental 9 mm RLL nodule")
    assert analyze("EGD showed duodenal ulcer").focus.startswith("duodenal ulcer")
    facts = query_facts(analysis, load_groups())
    assert facts.definitive
    assert symptom_shift("R07.9", facts) < 0 and symptom_shift("I20.0", facts) == 0
    plain = query_facts(analyze("chest pain"), load_groups())
    assert symptom_shift("R07.9", plain) == 0


def test_no_x_in_the_query_agrees_with_a_non_x_title() -> None:
    from assistant.conventions import specificity_shift
    from assistant.knowledge.qualifiers import load_groups

    groups = load_groups()
    facts = query_facts(analyze("aortic stenosis, no rheumatic disease"), groups)
    rheumatic = specificity_shift(facts, groups, "Rheumatic aortic stenosis", ())
    nonrheumatic = specificity_shift(facts, groups, "Nonrheumatic aortic (valve) stenosis", ())
    plain = specificity_shift(facts, groups, "Aortic stenosis", ())
    assert rheumatic < plain < nonrheumatic


def test_denials_reach_every_item_of_a_series_and_prefixed_words() -> None:
    """ "without perforation or gangrene" denies both (title and query side); a series
    ending in "or" is denied whole; "unruptured" denies rupture, "unconscious" nothing."""
    from assistant.conventions import specificity_shift
    from assistant.knowledge.qualifiers import load_groups

    groups = load_groups()
    facts = query_facts(analyze("acute appendicitis, nonperforated, no gangrene"), groups)
    assert {"perfor", "gangren"} <= facts.negated
    both = "Acute appendicitis, without perforation or gangrene"
    gangrene = "Acute appendicitis with gangrene, without perforation"
    assert specificity_shift(facts, groups, both, ()) > specificity_shift(
        facts, groups, gangrene, ()
    )
    series = query_facts(analyze("diverticulitis without perforation, abscess or bleeding"), groups)
    assert {"perfor", "abscess", "bleed"} <= series.negated
    listed = query_facts(analyze("hernia, no gangrene, reducible"), groups)
    assert "reduc" not in listed.negated
    aneurysm = query_facts(analyze("AAA 5.2 cm, unruptured"), groups)
    assert tokenize("rupture")[0] in aneurysm.negated
    assert not query_facts(analyze("found unconscious"), groups).negated


def test_a_complication_the_query_does_not_name_is_not_the_default() -> None:
    """A title's "with X" needs the query to name X: "diverticulosis" meets the code
    without bleeding, "diverticulosis with bleeding" the one with it."""
    from assistant.conventions import specificity_shift
    from assistant.knowledge.qualifiers import load_groups

    groups = load_groups()
    with_bleeding = "Diverticulosis of large intestine without perforation or abscess with bleeding"
    without = "Diverticulosis of large intestine without perforation or abscess without bleeding"
    plain = query_facts(analyze("diverticulosis"), groups)
    assert specificity_shift(plain, groups, with_bleeding, ()) < specificity_shift(
        plain, groups, without, ()
    )
    bleeding = query_facts(analyze("diverticulosis with bleeding"), groups)
    assert specificity_shift(bleeding, groups, with_bleeding, ()) > specificity_shift(
        bleeding, groups, without, ()
    )
    # the site after "with X of" is the title's head: "scalp" does not name a foreign body
    scalp = query_facts(analyze("scalp laceration"), groups)
    assert specificity_shift(
        scalp, groups, "Laceration with foreign body of scalp, initial encounter", ()
    ) < specificity_shift(
        scalp, groups, "Laceration without foreign body of scalp, initial encounter", ()
    )
    # what the title's head already says is not a companion ("type 2 diabetes" names
    # diabetes, not the kidney disease)
    dm = query_facts(analyze("type 2 diabetes"), groups)
    assert specificity_shift(
        dm, groups, "Type 2 diabetes mellitus with diabetic chronic kidney disease", ()
    ) < specificity_shift(dm, groups, "Type 2 diabetes mellitus without complications", ())


def test_a_named_side_contradicts_a_title_that_leaves_the_side_open() -> None:
    from assistant.conventions import qualifier_shift, title_info

    both = analyze("age-related nuclear cataract, both eyes")
    assert both.laterality == "bilateral"
    bilateral = qualifier_shift(both, title_info("Age-related nuclear cataract, bilateral"))
    unspecified = qualifier_shift(both, title_info("Age-related nuclear cataract, unspecified eye"))
    assert bilateral > 0 > unspecified
    plain = analyze("age-related nuclear cataract")
    assert qualifier_shift(plain, title_info("Age-related nuclear cataract, unspecified eye")) == 0


def test_absence_said_after_the_thing_is_absence() -> None:
    from assistant.knowledge.qualifiers import load_groups

    facts = query_facts(
        analyze("laceration of left index finger, nail not involved"), load_groups()
    )
    assert "nail" in facts.negated and "nail" not in facts.positive
    intact = query_facts(analyze("open wound of scalp, skull intact"), load_groups())
    assert "skull" in intact.negated


def test_a_residual_category_is_other_anywhere_in_the_title() -> None:
    from assistant.conventions import residual

    assert residual("Sprain of other ligament of right ankle, subsequent encounter")
    assert residual("Other specified disorders of nose")
    assert not residual("Sprain of unspecified ligament of right ankle, subsequent encounter")


def test_retrieval_also_reads_what_the_query_affirms() -> None:
    from assistant.query import affirmed

    said = affirmed(analyze("GCA w/ jaw claudication, no PMR"))
    assert "claudication" in said and "PMR" not in said
    assert "polymyalgia" not in said.lower()  # the negated abbreviation's meaning goes too
    assert "giant cell arteritis" in said.lower()  # the affirmed one's stays
    assert affirmed(analyze("gallstones without obstruction")) == ""  # as titles say it


def test_a_word_found_as_written_in_the_index_outranks_the_lexicon_s_rewording() -> None:
    from dataclasses import replace

    from assistant.conventions import specificity_shift, term_exact
    from assistant.knowledge.qualifiers import load_groups

    groups = load_groups()
    facts = query_facts(analyze("eczema"), groups)  # the lexicon: atopic dermatitis
    atopic = ("Atopic dermatitis",)
    assert term_exact(facts, ("Dermatitis", "Eczema")) == 2
    looked_up = replace(facts, written_indexed=True)
    assert term_exact(looked_up, atopic) == 1
    # a query that is one lexicon term and that no code is indexed under as written:
    # its rewording is as good as written ("HTN" is "hypertension")
    assert term_exact(facts, atopic) == 2
    assert not replace(facts, reworded_whole=False).reworded_whole
    plain = specificity_shift(looked_up, groups, "Atopic dermatitis, unspecified", ())
    assert specificity_shift(looked_up, groups, "Atopic dermatitis, unspecified", atopic) <= plain
    assert specificity_shift(facts, groups, "Atopic dermatitis, unspecified", atopic) > plain


def test_each_condition_a_short_title_joins_with_and_is_an_index_term() -> None:
    from assistant.conventions import term_exact
    from assistant.knowledge.qualifiers import load_groups

    syncope = query_facts(analyze("syncope"), load_groups())
    assert term_exact(syncope, ("Syncope and collapse",)) == 2
    tonsils = query_facts(analyze("hypertrophy of tonsils"), load_groups())
    assert term_exact(tonsils, ("Hypertrophy of tonsils and adenoids",)) == 0  # longer


def test_a_side_named_takes_the_sided_sibling_of_a_side_open_code(assistant: Assistant) -> None:
    """ "both my ears": "Tinnitus, bilateral", not "Tinnitus, unspecified ear", though the
    open code's title repeats the query's "ear"."""
    assert analyze("ringing in both my ears").laterality == "bilateral"
    top = assistant.search("ringing in both my ears", system="ICD-10-CM").results[0]
    assert top.code == "H93.13"
    retriever = assistant.retriever
    records = retriever.index.records
    side_open = retriever.record_row("ICD-10-CM", "H93.19")
    both = retriever.record_row("ICD-10-CM", "H93.13")
    assert side_open is not None and both is not None
    notes: defaultdict[int, list[str]] = defaultdict(list)
    facts = query_facts(analyze("ringing in both my ears"), retriever.groups)
    out = retriever.ranking.sided({side_open: 0.9, both: 0.7}, facts, notes, PerRecord.empty())
    assert out[both] > out[side_open]
    assert "names the side (bilateral)" in notes[both][0]
    # no side named: the side-open code stays where it was
    plain = query_facts(analyze("tinnitus"), retriever.groups)
    assert retriever.ranking.sided({side_open: 0.9}, plain, notes, PerRecord.empty()) == {
        side_open: 0.9
    }
    assert records.codes[side_open] == "H93.19"


def test_an_excludes1_line_sends_a_combination_the_query_names_to_its_code() -> None:
    """N20 "Excludes1: that with hydronephrosis (N13.2)": a ureteral stone with
    hydronephrosis is N13.2; "pre-existing hypertension with pre-eclampsia (O11.-)" needs
    all its words, not only "pre-eclampsia"."""
    from assistant.knowledge.qualifiers import load_groups
    from assistant.ranking import with_redirect

    def said(query: str) -> frozenset[str]:
        return query_facts(analyze(query), load_groups()).positive

    stone = said("ureteral stone with hydronephrosis")
    (ref,) = with_redirect("that with hydronephrosis (N13.2)", stone)
    assert ref.first == "N13.2"
    assert with_redirect("that with hydronephrosis (N13.2)", said("ureteral stone")) == ()
    line = "pre-existing hypertension with pre-eclampsia (O11.-)"
    assert with_redirect(line, said("severe pre-eclampsia, third trimester")) == ()
    assert with_redirect(line, said("pre-existing hypertension with pre-eclampsia"))


def test_a_category_s_default_when_the_query_names_nothing_its_children_differ_by(
    assistant: Assistant,
) -> None:
    retriever = assistant.retriever
    row = retriever.record_row("ICD-10-CM", "H93.1")
    assert row is not None
    told_apart = retriever.tree.distinguishing(row, retriever.weights.resolve_max_children)
    # the sides tell the children apart; the category's own word does not
    assert told_apart is not None and {"right", "left", "bilater"} <= told_apart
    assert "tinnitus" not in told_apart
    # other words, even many, leave the default; a side word chooses the child
    said = "tinnitus for months, worse at night and when it is quiet"
    assert assistant.search(said, system="ICD-10-CM").results[0].code == "H93.19"
    sided = "tinnitus for months, worse at night, in the left ear"
    assert assistant.search(sided, system="ICD-10-CM").results[0].code == "H93.12"


def test_beside_an_unspecified_default_an_uncomplicated_child_is_a_value_of_its_own(
    assistant: Assistant,
) -> None:
    retriever = assistant.retriever
    row = retriever.record_row("ICD-10-CM", "F10.23")
    assert row is not None
    told_apart = retriever.tree.distinguishing(row, retriever.weights.resolve_max_children)
    assert told_apart is not None and "uncompl" in told_apart
    said = assistant.search("alcohol dependence with uncomplicated withdrawal", system="ICD-10-CM")
    assert said.results[0].code == "F10.230"
    plain = assistant.search("alcohol dependence with withdrawal", system="ICD-10-CM")
    assert plain.results[0].code == "F10.239"


def test_a_drug_taken_for_long_is_set_apart_from_the_condition_it_treats() -> None:
    from assistant.conventions import query_facts
    from assistant.knowledge.qualifiers import load_groups

    analysis = analyze("seropositive RA, hands and feet, on MTX + folic acid", system="ICD-10-CM")
    # the condition is searched on its own, and stated: a Z79 code comes second
    assert analysis.focus.startswith("seropositive RA, hands and feet")
    assert "MTX" not in analysis.focus
    assert query_facts(analysis, load_groups()).drug_beside_condition
    alone = analyze("on methotrexate", system="ICD-10-CM")
    assert not query_facts(alone, load_groups()).drug_beside_condition


def test_the_plural_of_an_abbreviation_in_capitals_is_the_abbreviation() -> None:
    analysis = analyze("bilat segmental PEs, no RV strain", system="ICD-10-CM")
    assert any(e.term == "PEs" and "embolism" in e.means for e in analysis.expansions)
    # a word in lower case is no plural abbreviation
    assert not any(e.term == "pes" for e in analyze("pes planus").expansions)


def test_the_words_a_statement_says_of_a_code_s_names(assistant: Assistant) -> None:
    from assistant.note_rules import words_said

    retriever = assistant.retriever
    assert words_said(retriever, "tinnitus, left ear", (), "H93.12") == 1.0
    assert words_said(retriever, "obstructing median lobe of the prostate", (), "H93.12") == 0.0
    # a category's name counts for its codes ("without complications" need not be said)
    assert words_said(retriever, "type 2 diabetes mellitus", (), "E11.9") == 1.0
    # status and history codes say "personal history of": not measured so
    assert words_said(retriever, "on insulin", (), "Z79.4") == 1.0


@pytest.mark.parametrize(
    ("query", "quadrant"),
    [
        ("invasive ductal carcinoma, left breast, 2:00 position", "upper-outer quadrant"),
        ("right breast mass at 2 o'clock", "upper-inner quadrant"),
        ("lump in the right breast at 10:30", "upper-outer quadrant"),
        ("left breast lump at 7:00", "lower-inner quadrant"),
        ("left breast lump at 12:00", None),  # on the line between two quadrants
        ("left knee pain since 2:00 this afternoon", None),  # no breast
    ],
)
def test_a_breast_finding_s_clock_position_names_its_quadrant(query: str, quadrant) -> None:  # type: ignore[no-untyped-def]
    from assistant.condition_phrases import clock_quadrant

    found = [e.means for e in clock_quadrant(query)]
    assert found == ([quadrant] if quadrant else [])


def test_a_receptor_status_is_set_apart_from_the_tumor() -> None:
    analysis = analyze("breast cancer, left, ER positive / HER2 negative", system="ICD-10-CM")
    assert analysis.focus.startswith("breast cancer, left") and "ER" not in analysis.focus


def test_a_bracketed_synonym_in_a_name_is_a_name_of_its_own() -> None:
    from assistant.conventions import _term_exact, _term_stems

    names = ("Panic disorder [episodic paroxysmal anxiety]", "Panic attack")
    assert _term_exact(_term_stems("panic disorder"), frozenset(), names) == 2
    assert _term_exact(_term_stems("episodic paroxysmal anxiety"), frozenset(), names) == 2
    croup = ("Acute obstructive laryngitis [croup]",)
    assert _term_exact(_term_stems("croup"), frozenset(), croup) == 2
    assert _term_exact(_term_stems("laryngitis"), frozenset(), croup) == 0


def test_an_age_is_no_old_condition() -> None:
    from assistant.knowledge.qualifiers import load_groups, query_values

    groups = load_groups()

    def history(text: str) -> bool:
        return "history" in query_values(groups, text)

    assert history("old myocardial infarction")
    assert not history("my 2 year old has croup")
    assert not history("a 78-year-old man with a hip fracture")
    assert not history("my 86 yr old grandma")


def test_what_a_speaker_says_of_a_body_part_is_the_term_said_the_other_way_round() -> None:
    analysis = analyze("my thyroid is underactive, i take a pill every morning", system="ICD-10-CM")
    assert any(e.means == "hypothyroidism" for e in analysis.expansions)
    # the clause about the medicine is treatment: the condition is what is stated
    assert "pill" not in analysis.focus and analysis.stated == "hypothyroidism"
    # a word the lexicon does not pair with the part names nothing
    assert not any(
        e.term.startswith("thyroid is") for e in analyze("my thyroid is fine").expansions
    )


def test_weeks_after_at_name_the_trimester_and_a_letter_after_a_number_is_a_unit() -> None:
    from assistant.knowledge.qualifiers import load_groups, query_values

    groups = load_groups()
    assert "third trimester" in query_values(groups, "g2p1 @ 34w, preeclampsia")
    assert "third trimester" in query_values(groups, "preeclampsia at 36 weeks")
    assert "first trimester" not in query_values(groups, "cough for 3 weeks")
    # "5 L removed": liters, not the left side; "L knee": the left side
    assert not any(e.means == "left" for e in analyze("paracentesis, 5 L removed").expansions)
    assert any(e.means == "left" for e in analyze("L knee arthroscopy").expansions)
