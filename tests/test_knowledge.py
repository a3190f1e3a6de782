"""The coding-knowledge layer: lexicon data, word formation, phrase matching, qualifier
rules, instructional-note links, index terms, calibration."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from assistant.confidence import FEATURES, Calibrator, Signals, fit
from assistant.errors import KnowledgeError
from assistant.knowledge.lexicon import (
    CODE_SETS,
    PART_KINDS,
    TERM_KINDS,
    build_lexicon,
    load_lexicon,
)
from assistant.knowledge.morphology import decompose
from assistant.knowledge.phrases import find_terms, fold
from assistant.knowledge.qualifiers import agreement, load_groups, parse_groups, query_values
from assistant.knowledge.vocabulary import code_set_stems, stems_of, unknown_words
from assistant.query import analyze
from corpus.links import CodeRef, code_refs, index_terms
from corpus.records import CodeRecord, Section, Source

LEXICON = Path(__file__).resolve().parents[1] / "assistant" / "knowledge" / "lexicon"


@pytest.fixture(scope="module")
def stems() -> frozenset[str]:
    return code_set_stems()  # the packaged FY2026 code sets (a few seconds)


# -- the packaged lexicon -------------------------------------------------------------------
def test_lexicon_loads_and_is_broad() -> None:
    lexicon = load_lexicon()
    kinds = Counter(t.kind for senses in lexicon.terms.values() for t in senses)
    assert set(kinds) <= set(TERM_KINDS) and len(lexicon) >= 3000
    assert all(kinds[k] >= 100 for k in TERM_KINDS), kinds
    parts = Counter(p.kind for p in lexicon.parts)
    assert set(parts) == set(PART_KINDS) and parts["combining_form"] >= 300
    assert all(
        s in CODE_SETS for senses in lexicon.terms.values() for t in senses for s in t.systems
    )


def test_every_lexicon_meaning_is_written_in_code_title_words(stems: frozenset[str]) -> None:
    lexicon = load_lexicon()
    bad = [
        (t.domain, t.term, phrase, unknown_words(phrase, stems))
        for senses in lexicon.terms.values()
        for t in senses
        for phrase in t.means
        if unknown_words(phrase, stems)
    ]
    bad += [
        ("morphology", p.form, phrase, unknown_words(phrase, stems))
        for p in lexicon.parts
        for phrase in p.means
        if unknown_words(phrase, stems)
    ]
    assert not bad, bad[:10]


def test_a_sense_read_for_icd10cm_is_written_in_its_title_words() -> None:
    """A sense that applies to ICD-10-CM searches (no code set named, or ICD-10-CM) has a
    meaning in ICD-10-CM words: a PCS device or imaging value ("Intraluminal Device",
    "Plain Radiography") is for ICD-10-PCS only, or "a stent in my heart" searches PCS
    words among the diagnoses."""
    from corpus.icd10cm import parse_tabular

    cm = stems_of(
        text
        for record in parse_tabular()
        for text in (record.title, *record.section_texts("inclusion_terms"))
    )
    bad = [
        (t.domain, t.term, t.means)
        for senses in load_lexicon().terms.values()
        for t in senses
        if t.applies("ICD-10-CM") and all(unknown_words(m, cm) for m in t.means)
    ]
    assert not bad, bad[:10]


def test_no_sense_is_listed_twice_across_files() -> None:
    seen: Counter[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = Counter()
    for senses in load_lexicon().terms.values():
        for t in senses:
            seen[(t.term.lower(), t.kind, t.context, t.systems)] += 1
    assert not [k for k, n in seen.items() if n > 1]


def test_a_name_spelled_as_an_everyday_word_needs_its_context() -> None:
    """ "Pick", "Bell", "Down": an eponym or brand that is also an everyday English word is
    read only beside words of its own ("Bell's palsy", "facial droop"), so "pick up the
    baby" or "calms her down" names no disease."""
    from assistant.knowledge.english import everyday_words

    everyday = everyday_words()
    bare = [
        t.term
        for key, senses in load_lexicon().terms.items()
        if " " not in key and key in everyday
        for t in senses
        if t.kind in ("eponym", "brand") and not t.context
    ]
    assert not bare, bare
    analysis = analyze("my baby cries every evening and nothing calms her down")
    assert not any("down syndrome" in e.means.lower() for e in analysis.expansions)


def test_lexicon_covers_every_chapter_and_body_system() -> None:
    domains = {p.stem for p in LEXICON.glob("*.json")}
    assert {"morphology", "circulatory_respiratory", "digestive_endocrine"} <= domains
    assert len(domains) >= 7


def test_malformed_lexicon_files_are_refused_with_the_file_and_entry() -> None:
    with pytest.raises(KnowledgeError, match=r"x\.json entry 1: kind 'slang'"):
        build_lexicon([("x.json", {"version": 1, "entries": [{"term": "a", "kind": "slang"}]})])
    with pytest.raises(KnowledgeError, match="means"):
        build_lexicon([("x.json", {"version": 1, "entries": [{"term": "a", "kind": "lay"}]})])
    with pytest.raises(KnowledgeError, match="version"):
        build_lexicon([("x.json", {"version": 9, "entries": []})])
    bad_system = {"term": "a", "kind": "lay", "means": ["b"], "systems": ["ICD-9"]}
    with pytest.raises(KnowledgeError, match="unknown code set"):
        build_lexicon([("x.json", {"version": 1, "entries": [bad_system]})])


# -- matching -------------------------------------------------------------------------------
def _lexicon(*entries: dict[str, object], parts: tuple[dict[str, object], ...] = ()):
    files = [("t.json", {"version": 1, "domain": "t", "entries": list(entries)})]
    if parts:
        files.append(("morphology.json", {"version": 1, "entries": list(parts)}))
    return build_lexicon(files)


def test_terms_match_across_plurals_possessives_case_and_hyphens() -> None:
    lex = _lexicon(
        {"term": "kidney stone", "kind": "lay", "means": ["calculus of kidney"]},
        {"term": "Crohn", "kind": "eponym", "means": ["regional enteritis"]},
    )
    for text in ("Kidney-Stones again", "kidney stone", "my KIDNEY STONES"):
        (m,) = find_terms(text, lex)
        assert text[m.start : m.end].lower().replace("-", " ").startswith("kidney stone")
    (m,) = find_terms("Crohn's flare", lex)
    assert m.senses[0].means == ("regional enteritis",)
    assert fold("arteries") == fold("artery") and fold("aids") == "aids"
    assert fold("circumcised") == fold("circumcision")


def test_verb_forms_meet_each_other_but_not_the_noun() -> None:
    assert fold("snipped") == fold("snipping") != fold("snip")
    assert fold("bagging") != fold("bag") and fold("burned") != fold("burn")
    assert fold("detoxed") == fold("detox") and fold("bed") == "bed"
    lex = _lexicon({"term": "tubes snipped", "kind": "lay", "means": ["division"]})
    assert not find_terms("they were snipping my tubes", lex)  # word order is kept
    (m,) = find_terms("had my tubes snipping", lex)
    assert m.senses[0].means == ("division",)
    assert not find_terms("tubes snip", lex)


def test_irregular_verbs_meet_their_regular_forms_but_nouns_of_another_sense_do_not() -> None:
    assert fold("got") == fold("getting") == fold("get") == fold("gotten")
    assert fold("took") == fold("taken") == fold("taking") and fold("stung") == fold("sting")
    assert fold("cuts") != fold("cutting") and fold("fell") != fold("falls")
    assert fold("had") != fold("have")  # the tense tells a history from a current condition
    # a condition in "-ism" is not its organ: "prostatism" is not "prostate"
    assert fold("prostatism") != fold("prostate") and fold("prostatism") == fold("Prostatism")
    lex = _lexicon({"term": "getting snipped", "kind": "lay", "means": ["division"]})
    for text in ("my husband got snipped", "he gets snipped next week", "get snipped"):
        (m,) = find_terms(text, lex)
        assert text[m.start : m.end].endswith("snipped")


def test_possessive_determiners_match_any_speaker() -> None:
    lex = _lexicon({"term": "camera down the throat", "kind": "lay", "means": ["inspection"]})
    for text in ("camera down my throat", "a camera down his throat", "camera down the throat"):
        (m,) = find_terms(text, lex)
        assert text[m.start : m.end].startswith("camera")


def test_words_a_speaker_slips_into_a_term_are_skipped() -> None:
    lex = _lexicon(
        {"term": "ringing in the ears", "kind": "lay", "means": ["tinnitus"]},
        {"term": "left ventricular failure", "kind": "synonym", "means": ["left heart failure"]},
    )
    for text in ("ringing in both ears", "ringing in ears", "ringing in my ears"):
        (m,) = find_terms(text, lex)
        assert m.senses[0].means == ("tinnitus",) and text[m.start : m.end] == text
    # a side the term itself says is not skipped in the term
    assert not find_terms("right ventricular failure", lex)
    assert not find_terms("ringing", lex)  # a one-word remainder is no match


def test_longest_term_wins_and_context_chooses_the_sense() -> None:
    lex = _lexicon(
        {"term": "MS", "kind": "abbreviation", "means": ["multiple sclerosis"]},
        {"term": "MS", "kind": "abbreviation", "means": ["mitral stenosis"], "context": ["valve"]},
        {"term": "heart", "kind": "lay", "means": ["cardiac"]},
        {"term": "heart attack", "kind": "lay", "means": ["myocardial infarction"]},
    )
    assert [m.senses[0].means[0] for m in find_terms("MS relapse", lex)] == ["multiple sclerosis"]
    valve = find_terms("MS of the mitral valve", lex)
    assert valve[0].senses[0].means == ("mitral stenosis",)
    (m,) = find_terms("had a heart attack", lex)
    assert m.senses[0].means == ("myocardial infarction",)


def test_an_abbreviation_of_several_meanings_inside_a_term_takes_the_meaning_that_makes_it() -> (
    None
):
    lex = _lexicon(
        {"term": "RA", "kind": "abbreviation", "means": ["rheumatoid arthritis"]},
        {"term": "RA", "kind": "abbreviation", "means": ["right atrium"], "context": ["heart"]},
        {"term": "RA", "kind": "abbreviation", "means": ["room air"], "context": ["sat"]},
        {
            "term": "seropositive rheumatoid arthritis",
            "kind": "synonym",
            "means": ["rheumatoid arthritis with rheumatoid factor"],
        },
        {"term": "right atrium enlargement", "kind": "synonym", "means": ["cardiomegaly"]},
        {"term": "room air oxygen", "kind": "synonym", "means": ["oxygen"]},
    )
    (m,) = find_terms("seropositive RA, on MTX", lex)
    assert m.senses[0].term == "seropositive rheumatoid arthritis"
    assert [x.senses[0].term for x in find_terms("RA enlargement", lex)] == [
        "right atrium enlargement"
    ]
    # in lower case it is no abbreviation, and no meaning makes "seropositive ra joints" a term
    assert not [x for x in find_terms("seropositive ra", lex) if " " in x.senses[0].term]
    (first, *_) = find_terms("seropositive RA joints", lex)
    assert first.senses[0].term == "seropositive rheumatoid arthritis"


def test_abbreviation_spelled_like_a_common_word_counts_only_in_capitals() -> None:
    lex = _lexicon(
        {"term": "PAD", "kind": "abbreviation", "means": ["peripheral vascular disease"]}
    )
    assert find_terms("PAD of legs", lex, common_words={"pad"})
    assert not find_terms("heel pad pain", lex, common_words={"pad"})


def test_an_english_word_in_lower_case_is_no_acronym_of_the_generic_lists() -> None:
    """ "come" and "catch" are words, not COME (chronic otitis media with effusion) or
    CATCH; in capitals they are the abbreviations; short ones ("sob") are typed so."""
    from assistant.query import analyze

    def listed(query: str) -> set[str]:
        return {e.term for e in analyze(query).expansions if e.kind == "abbreviation"}

    assert "come" not in listed("my periods come regular every month")
    assert "catch" not in listed("a filter to catch clots")
    assert "COME" in listed("COME in a toddler")
    assert "sob" in listed("sob on exertion")
    # everyday short words are words however short: not DAD, MAP or CAR
    assert not listed("my dad had a bad fall from his car")
    assert "DAD" in listed("DAD on the biopsy")


def test_a_word_of_the_language_is_not_corrected_to_a_title_word() -> None:
    from assistant.knowledge.english import english_words
    from assistant.spelling import Vocabulary

    vocabulary = Vocabulary(["Cellulitis of face", "Smelling disorder"])
    assert "smiling" in english_words()
    assert vocabulary.correct("smiling") is None  # not "smelling"
    assert vocabulary.correct("celulitis") == "cellulitis"


def test_a_term_does_not_run_across_the_end_of_a_sentence() -> None:
    lex = _lexicon(
        {"term": "colon removed", "kind": "lay", "means": ["resection of large intestine"]},
        {"term": "C diff", "kind": "abbreviation", "means": ["Clostridium difficile"]},
    )  # fmt: skip
    assert find_terms("my colon removed in 2019", lex)
    assert not find_terms("polyp in the sigmoid colon. Removed en bloc", lex)
    assert find_terms("C. diff colitis", lex)  # a period after an initial ends nothing


def test_senses_are_limited_to_the_code_set_searched() -> None:
    lex = _lexicon(
        {"term": "CABG", "kind": "abbreviation", "means": ["bypass coronary artery"],
         "systems": ["ICD-10-PCS"]},
    )  # fmt: skip
    assert find_terms("CABG x3", lex, "ICD-10-PCS")
    assert not find_terms("CABG x3", lex, "ICD-10-CM")
    assert find_terms("CABG x3", lex, None)  # unfiltered: every sense


def test_word_formation_glosses_one_word_terms() -> None:
    lexicon = load_lexicon()
    cases = {
        "cholecystitis": ("gallbladder", "itis"),
        "pyelonephritis": ("kidney", "itis"),
        "appendectomy": ("appendix", "ectomy"),
        "orchiopexy": ("testis", "pexy"),
        "arthrodesis": ("joint", "desis"),
    }
    for word, (organ, suffix) in cases.items():
        found = decompose(word, lexicon)
        assert found is not None, word
        assert found.parts[-1].form == suffix and organ in found.gloss.lower(), found
    assert decompose("appendectomy", lexicon).procedural  # type: ignore[union-attr]
    assert not decompose("cholecystitis", lexicon).procedural  # type: ignore[union-attr]
    assert decompose("table", lexicon) is None and decompose("xqzvkw", lexicon) is None


# -- qualifier rules ------------------------------------------------------------------------
def test_qualifier_groups_read_type_stage_and_defaults() -> None:
    groups = load_groups()
    t2 = query_values(groups, "t2dm with ckd stage 3a")
    assert agreement(groups, t2, "type 1 diabetes mellitus with ketoacidosis").conflict == 1
    assert agreement(groups, t2, "type 2 diabetes mellitus with hyperglycemia").agree == 1
    assert agreement(groups, t2, "chronic kidney disease, stage 3a").agree == 1
    assert agreement(groups, t2, "chronic kidney disease, stage 4 (severe)").conflict == 1
    plain = query_values(groups, "migraine")
    assert agreement(groups, plain, "migraine, unspecified, intractable").non_default == 1
    assert agreement(groups, plain, "migraine, unspecified, not intractable").non_default == 0
    fracture = query_values(groups, "fracture of shaft of left tibia")
    assert agreement(groups, fracture, "initial encounter for open fracture").non_default == 1
    # "type 2" means the MI type only in an MI title, the diabetes type only in a diabetes one
    mi = query_values(groups, "type 2 diabetes")
    assert agreement(groups, mi, "myocardial infarction type 2").agree == 0
    # a condition of years ago is history; one of days ago is not
    old = query_values(groups, "had a heart attack about three years ago")
    assert agreement(groups, old, "old myocardial infarction").agree == 1
    recent = query_values(groups, "had a heart attack two days ago")
    assert agreement(groups, recent, "old myocardial infarction").agree == 0
    # a pressure ulcer's stage from how its depth is described (NPIAP staging)
    broken = query_values(groups, "bedsore on the tailbone, skin is broken but not deep")
    assert agreement(groups, broken, "pressure ulcer of sacral region, stage 2").agree == 1
    assert agreement(groups, broken, "pressure ulcer of sacral region, stage 1").conflict == 1
    bone = query_values(groups, "pressure sore on the heel, bone is showing")
    assert agreement(groups, bone, "pressure ulcer of right heel, stage 4").agree == 1
    # a burn's depth from how it is described: blisters are partial thickness (second
    # degree), charred or leathery skin full thickness (third)
    blistered = query_values(groups, "burned my hand on the stove and it blistered")
    assert agreement(groups, blistered, "burn of second degree of hand").agree == 1
    assert agreement(groups, blistered, "burn of first degree of hand").conflict == 1
    red = query_values(groups, "burned my arm on the oven, just red, no blisters")
    assert agreement(groups, red, "burn of first degree of forearm").agree == 1
    charred = query_values(groups, "burn to the forearm, charred and leathery")
    assert agreement(groups, charred, "burn of third degree of forearm").agree == 1
    # a poisoning of no stated intent is accidental (guideline I.C.19.e.5.b)
    bee = query_values(groups, "toxic effect of bee sting")
    assert agreement(groups, bee, "toxic effect of venom of bees, assault").non_default == 1
    accidental = "toxic effect of venom of bees, accidental (unintentional)"
    assert agreement(groups, bee, accidental).non_default == 0
    od = query_values(groups, "intentional overdose of acetaminophen")
    assert (  # the intent and the drug event (an overdose is a poisoning)
        agreement(groups, od, "poisoning by 4-aminophenol derivatives, intentional self-harm").agree
        == 2
    )
    assert (
        agreement(
            groups, od, "poisoning by 4-aminophenol derivatives, accidental (unintentional)"
        ).conflict
        == 1
    )


def test_drug_events_and_the_holder_of_a_history_are_told_apart() -> None:
    groups = load_groups()
    poisoning = "poisoning by beta-adrenoreceptor antagonists, accidental (unintentional)"
    adverse = "adverse effect of beta-adrenoreceptor antagonists"
    under = "underdosing of beta-adrenoreceptor antagonists"
    mistake = query_values(groups, "took twice my dose of metoprolol by mistake")
    assert agreement(groups, mistake, poisoning).conflict == 0
    assert agreement(groups, mistake, under).conflict == 1
    missed = query_values(groups, "ran out of metoprolol and missed doses for a week")
    assert agreement(groups, missed, under).conflict == 0
    assert agreement(groups, missed, poisoning).conflict == 1
    prescribed = query_values(groups, "bradycardia on metoprolol taken as prescribed")
    assert agreement(groups, prescribed, adverse).conflict == 0
    assert agreement(groups, prescribed, poisoning).conflict == 1
    # a relative who died of it, or who had it beside the patient speaking: the family's
    family = "family history of malignant neoplasm of digestive organs"
    personal = "personal history of other malignant neoplasm of large intestine"
    died = query_values(groups, "my father died of colon cancer")
    assert agreement(groups, died, family).conflict == 0
    assert agreement(groups, died, personal).conflict == 1
    screening = query_values(groups, "my dad had colon cancer so i'm due for a colonoscopy")
    assert agreement(groups, screening, personal).conflict == 1
    # a carer writing about the patient: "my mom had colon cancer" is the mother's own
    carer = query_values(groups, "my mom had colon cancer years ago, all clear now")
    assert agreement(groups, carer, personal).conflict == 0
    # a history of no stated holder is the patient's own (the default)
    assert agreement(groups, query_values(groups, "history of colon cancer"), family).non_default


def test_the_query_s_own_words_name_a_qualifier_before_the_lexicon_s_gloss() -> None:
    from assistant.conventions import query_facts
    from assistant.query import analyze

    groups = load_groups()
    healing = next(i for i, g in enumerate(groups) if g.axis == "fracture healing")
    analysis = analyze("L humeral shaft fx, subsequent encounter, delayed healing")
    # the lexicon glosses "healing" as routine healing; the query says delayed
    assert "routine healing" in analysis.expanded.lower()
    assert query_facts(analysis, groups).qualifiers[healing] == "delayed healing"


def test_a_meaning_narrower_than_the_term_s_first_does_not_steer_a_diagnosis_search() -> None:
    from assistant.query import analyze

    lex = _lexicon(
        {"term": "ear infection", "kind": "lay",
         "means": ["otitis media", "acute suppurative otitis media"]},
    )  # fmt: skip
    analysis = analyze("ear infection", system="ICD-10-CM", lexicon=lex)
    # both meanings are listed; only the first (the default) is searched
    assert [e.means for e in analysis.expansions] == [
        "otitis media",
        "acute suppurative otitis media",
    ]
    assert "suppurative" not in analysis.expanded
    assert "suppurative" in analyze("ear infection", system="ICD-10-PCS", lexicon=lex).expanded


def test_quitting_is_a_history_and_a_named_drug_event_is_searched() -> None:
    from assistant.query import analyze

    groups = load_groups()
    history = next(g for g in groups if g.axis == "history")
    assert history.value("smoked for 20 years but quit back in 2015") == "history"
    assert history.value("ex-smoker") == "history"
    assert history.value("trying to quit smoking") is None  # still smoking
    assert history.value("i smoke a pack a day and want help quitting") is None

    def events(query: str) -> str:  # every meaning the analysis adds, in one text
        return " | ".join(e.means for e in analyze(query, system="ICD-10-CM").expansions).lower()

    # the event is searched: by the drug-event rule, or by a scene that already says it
    assert "poisoning" in events("took my warfarin twice this morning by mistake")
    assert "underdosing" in events("ran out of my metoprolol last week")
    assert "poisoning" not in events("swallowed a coin")  # no drug named: no drug event


def test_a_relative_s_condition_is_searched_as_a_family_history() -> None:
    from assistant.query import analyze

    def means(query: str) -> list[str]:
        return [e.means for e in analyze(query, system="ICD-10-CM").expansions]

    assert "family history" in means("my father died of colon cancer")
    said = "Hi, my father died of colon cancer"  # offsets into the query as written
    added = [e for e in analyze(said, system="ICD-10-CM").expansions if e.means == "family history"]
    assert added and all(said[e.start : e.end] == e.term for e in added)
    assert not any("family" in m for m in means("i had colon cancer five years ago"))
    assert "am" not in {e.term for e in analyze("i am due for a screening").expansions}


def test_malformed_qualifier_rules_are_refused() -> None:
    one_value = {
        "version": 1,
        "groups": [{"axis": "x", "values": [{"name": "a", "patterns": ["a"]}]}],
    }
    with pytest.raises(KnowledgeError, match="at least two"):
        parse_groups(one_value)
    bad_default = {
        "version": 1,
        "groups": [
            {"axis": "x", "default": "c", "values": [
                {"name": "a", "patterns": ["a"]}, {"name": "b", "patterns": ["b"]}]}
        ],
    }  # fmt: skip
    with pytest.raises(KnowledgeError, match="default"):
        parse_groups(bad_default)


# -- instructional notes and index terms ----------------------------------------------------
def test_code_references_in_notes_with_prefixes_and_ranges() -> None:
    refs = code_refs("Escherichia coli infection (A04.0-A04.4), listeriosis (A32.-)")
    assert [str(r) for r in refs] == ["A04.0-A04.4", "A32"]
    assert refs[0].covers("A04.1") and not refs[0].covers("A04.5") and refs[1].covers("A32.11")
    stage = code_refs("code to identify stage of chronic kidney disease (N18.1-N18.6)")
    assert stage == (CodeRef("N18.1", "N18.6"),)
    assert stage[0].covers("N18.30") and stage[0].covers("N18.6") and not stage[0].covers("N18.9")
    many = code_refs("dementia (F02.81-, F02.A1-, F02.B1-)")
    assert [str(r) for r in many] == ["F02.81", "F02.A1", "F02.B1"]
    assert code_refs("hantavirus (cardio)-pulmonary syndrome (B33.4)") == (
        CodeRef("B33.4", "B33.4"),
    )


def test_index_terms_drop_nonessential_modifiers_and_default_markers() -> None:
    text = (
        "Acute myocardial infarction, unspecified\n"
        "Inclusion terms: Myocardial infarction (acute) NOS"
    )
    record = CodeRecord(
        "ICD-10-CM",
        "I21.9",
        "Acute myocardial infarction, unspecified",
        True,
        Source("file", "x.xml", "FY2026"),
        text,
        sections=(
            Section("title", text[:40], 0, 40),
            Section("inclusion_terms", "Myocardial infarction (acute) NOS", 59, len(text)),
        ),
    )
    assert record.section_texts("inclusion_terms") == ["Myocardial infarction (acute) NOS"]
    assert index_terms(record) == ("Acute myocardial infarction", "Myocardial infarction")


# -- calibration ----------------------------------------------------------------------------
def _signals(score: float, coverage: float, rank: int = 1) -> Signals:
    return Signals(score, score, 0.0, 0.1, 1.0 / rank, 0.0, coverage, 1.0)


def test_calibration_fit_orders_and_round_trips() -> None:
    rows = [_signals(s / 20, c / 4, r) for s in range(20) for c in range(5) for r in (1, 2)]
    labels = [r.score + r.coverage > (1.0 if r.inverse_rank == 1 else 1.4) for r in rows]
    model = fit(rows, labels, "synthetic")
    # the answer and the alternatives are calibrated apart
    assert model.confidence(_signals(0.6, 0.6)) > model.confidence(_signals(0.6, 0.6, 2))
    high, low = model.confidence(_signals(0.95, 1.0)), model.confidence(_signals(0.1, 0.0))
    assert 0.0 <= low < 0.2 < 0.8 < high <= 1.0
    again = Calibrator.from_json(json.loads(json.dumps(model.to_json())))
    assert again.confidence(_signals(0.5, 0.5)) == pytest.approx(
        model.confidence(_signals(0.5, 0.5))
    )
    assert Calibrator.uninformed().confidence(_signals(0.9, 1.0)) == 0.5
    with pytest.raises(KnowledgeError, match="features"):
        Calibrator.from_json({**model.to_json(), "features": list(FEATURES)[:-1]})


def test_recorded_signals_round_trip_and_refuse_other_features(tmp_path: Path) -> None:
    from assistant.confidence import RecordedRow, read_recorded, write_recorded

    rows = [RecordedRow(i, f"A0{i}", i % 2 == 0, _signals(i / 10, 0.5, i + 1)) for i in range(4)]
    path = tmp_path / "dev.recorded.jsonl"
    write_recorded(path, rows, "dev.jsonl; code abc123")
    again = read_recorded(path)
    assert [(r.case, r.code, r.right) for r in again] == [(r.case, r.code, r.right) for r in rows]
    assert again[3].signals.inverse_rank == pytest.approx(0.25)
    lines = path.read_text(encoding="utf-8").splitlines()
    header = json.loads(lines[0])
    path.write_text(
        "\n".join([json.dumps({**header, "features": ["score"]}), *lines[1:]]), encoding="utf-8"
    )
    with pytest.raises(KnowledgeError, match="features"):
        read_recorded(path)
    path.write_text("not json\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="recorded signals"):
        read_recorded(path)


def test_absent_value_reads_as_the_default_and_unmatched_values_count() -> None:
    groups = load_groups()
    spread = query_values(groups, "cancer that has spread to the liver")
    # a malignant neoplasm title that does not say secondary is a primary one
    assert agreement(groups, spread, "malignant neoplasm of liver, primary").conflict == 1
    assert agreement(groups, spread, "malignant neoplasm of liver").conflict == 1
    assert agreement(groups, spread, "secondary malignant neoplasm of liver").agree >= 1
    acute = query_values(groups, "acute on chronic systolic heart failure")
    assert agreement(groups, acute, "systolic (congestive) heart failure").unmatched >= 1
    assert agreement(groups, acute, "acute on chronic systolic heart failure").unmatched == 0
    recurrent = query_values(groups, "c diff colitis")
    title = "enterocolitis due to clostridium difficile, recurrent"
    assert agreement(groups, recurrent, title).non_default == 1


def test_inflammation_words_keep_their_own_stem() -> None:
    from index.lexical import tokenize

    assert tokenize("hepatitis") != tokenize("hepatic")
    assert tokenize("esophagitis") != tokenize("esophageal")


def test_code_gates_open_only_on_their_words() -> None:
    from assistant.knowledge.gates import gated, load_gates, shut_gates

    gates = load_gates()
    assert {g.name for g in gates} >= {"injury", "drug event", "pregnancy", "newborn"}

    def behind(code: str, text: str) -> str | None:
        return gated(code, shut_gates(gates, text))

    # a drug named as treatment is no drug event; an overdose or a side effect is
    assert behind("T47.1X6A", "gerd on omeprazole") == "drug event"
    assert behind("T47.1X1A", "omeprazole overdose") is None
    assert behind("T43.225A", "side effect of sertraline") is None
    # an injury code needs an injury; a condition code is behind no gate
    assert behind("S33.140A", "lumbar disc herniation with radiculopathy") == "injury"
    assert behind("S33.140A", "l4-l5 subluxation after a fall") is None
    assert behind("M51.16", "lumbar disc herniation with radiculopathy") is None
    # obstetric and perinatal codes need a pregnancy, a newborn
    assert behind("O23.10", "bladder infection") == "pregnancy"
    assert behind("O23.10", "bladder infection at 20 weeks pregnant") is None
    # the codes of the maternal record too: a patient born at 39 weeks is no gestation
    assert behind("Z3A.39", "born at 39 weeks, normal development") == "pregnancy"
    assert behind("Z3A.39", "iup at 39 weeks gestation") is None
    # a manifestation code (by its title) needs an underlying condition named with it
    n16 = "Renal tubulo-interstitial disorders in diseases classified elsewhere"
    assert gated("N16", shut_gates(gates, "pyelonephritis"), n16) == "manifestation"
    assert gated("N16", shut_gates(gates, "pyelonephritis in sarcoidosis"), n16) is None
    n12 = "Tubulo-interstitial nephritis, not specified as acute or chronic"
    assert gated("N12", shut_gates(gates, "pyelonephritis"), n12) is None
    assert behind("P59.9", "jaundice") == "newborn"
    assert behind("P59.9", "jaundice in a newborn") is None
    assert behind("P59.9", "my 3 day old is turning yellow") is None  # the neonatal period
    assert behind("P59.9", "my 3 year old is turning yellow") == "newborn"


def test_a_newborn_s_condition_is_coded_to_the_perinatal_chapter_first() -> None:
    from assistant.conventions import gate_shift, query_facts
    from assistant.query import analyze
    from assistant.weights import WEIGHTS

    def shift(code: str, query: str) -> float:
        return gate_shift(code, query_facts(analyze(query), load_groups()))

    assert shift("P59.9", "my 3 day old's skin is yellow") == WEIGHTS.perinatal_first
    assert shift("P59.9", "newborn jaundice") == WEIGHTS.perinatal_first
    assert shift("R17", "my 3 day old's skin is yellow") == 0.0
    # a baby is not a newborn by that word alone: thrush is no neonatal candidiasis
    assert shift("P37.5", "my baby has thrush") == 0.0


def test_malformed_gate_rules_are_refused() -> None:
    from assistant.knowledge.gates import parse_gates

    with pytest.raises(KnowledgeError, match="version 1"):
        parse_gates({"gates": []})
    with pytest.raises(KnowledgeError, match="gate 1: needs 'codes'"):
        parse_gates({"version": 1, "gates": [{"name": "x", "codes": "^S"}]})
    with pytest.raises(KnowledgeError, match="gate 1: bad pattern"):
        parse_gates({"version": 1, "gates": [{"name": "x", "codes": "^S", "words": ["(a"]}]})


def test_spinal_levels_name_their_region_near_a_spine_word() -> None:
    from assistant.query import analyze

    assert "lumbar" in analyze("L4-L5 disc herniation", system="ICD-10-CM").rewritten
    assert "lumbosacral" in analyze("L5-S1 disc bulge", system="ICD-10-CM").rewritten
    assert "cervical" in analyze("C5-6 stenosis", system="ICD-10-CM").rewritten
    # without a spine word a level is left alone (T2-weighted images, the S1 heart sound)
    assert "thoracic" not in analyze("T2 weighted images", system="ICD-10-CM").rewritten
    assert "sacral" not in analyze("S1 heart sound", system="ICD-10-CM").rewritten


def test_a_past_condition_asks_for_a_history_code() -> None:
    groups = load_groups()
    axis = [g.axis for g in groups].index("history")

    def history(text: str) -> str | None:
        return query_values(groups, text.lower())[axis]

    assert history("hx MI in 2019, old Q waves") == "history"
    assert history("PMH: colon cancer resected 2015") == "history"
    assert history("acute inferior STEMI") is None
    wanted = query_values(groups, "hx mi in 2019")
    assert agreement(groups, wanted, "old myocardial infarction").conflict == 0
    assert agreement(groups, wanted, "acute myocardial infarction, unspecified").conflict >= 1


def test_external_causes_and_statuses_need_their_words_and_negated_words_open_nothing() -> None:
    from assistant.conventions import query_facts
    from assistant.knowledge.gates import gated
    from assistant.query import analyze

    def behind(code: str, text: str) -> str | None:
        return gated(code, query_facts(analyze(text), load_groups()).shut)

    assert behind("W54.0XXA", "dog bit my left calf") == "external cause"
    assert behind("W54.0XXA", "external cause code for a dog bite") is None
    assert behind("Z89.411", "gout in my right big toe") == "acquired absence"
    assert behind("Z89.411", "right great toe amputation") is None
    assert behind("Z95.1", "coronary artery disease") == "device or graft status"
    assert behind("Z95.1", "CAD s/p CABG") is None
    # "no injury": the injury gate stays shut
    assert behind("S27.0XXA", "my lung collapsed out of nowhere, no injury") == "injury"


def test_an_external_cause_is_never_first_when_the_injury_is_named() -> None:
    from assistant.conventions import gate_shift, query_facts
    from assistant.query import analyze

    both = query_facts(
        analyze("external cause code for a fall from a ladder, hip fracture"), load_groups()
    )
    assert gate_shift("W11.XXXA", both) < 0 == gate_shift("S72.001A", both)
    cause_only = query_facts(analyze("external cause code for a fall from a ladder"), load_groups())
    assert gate_shift("W11.XXXA", cause_only) == 0


def test_a_place_of_occurrence_comes_after_the_cause_and_does_not_steer_the_search() -> None:
    from assistant.conventions import gate_shift, query_facts
    from assistant.query import analyze

    fall = analyze("fell off a ladder at home, injury", system="ICD-10-CM")
    assert any("place of occurrence" in e.means for e in fall.expansions)
    assert "residence" not in fall.expanded.lower()
    facts = query_facts(fall, load_groups())
    assert facts.place_beside_cause and gate_shift("Y92.009", facts) < 0
    # how the injury happened, beside the injury, does not steer the search either
    mvc = analyze("MVC, T12 wedge compression fx", system="ICD-10-CM")
    assert any("traffic" in e.means for e in mvc.expansions)
    assert "traffic" not in mvc.expanded.lower() and "fracture" in mvc.expanded.lower()
    assert "traffic" in analyze("MVC", system="ICD-10-CM").expanded.lower()
    alone = analyze("at school", system="ICD-10-CM")
    assert "school" in alone.expanded.lower().replace("at school", "")
    assert not query_facts(alone, load_groups()).place_beside_cause


def test_a_title_that_leaves_an_axis_open_contradicts_a_named_value() -> None:
    """ "Not specified as primary or secondary" is no value, not even the default: wrong for
    a query that says secondary, neutral for one that says nothing."""
    groups = load_groups()
    open_title = "malignant neoplasm of liver, not specified as primary or secondary"
    secondary = query_values(groups, "secondary malignant neoplasm of liver")
    plain = query_values(groups, "malignant neoplasm of liver")
    assert agreement(groups, secondary, open_title).conflict == 1
    assert agreement(groups, plain, open_title).conflict == 0
    assert agreement(groups, plain, open_title).non_default == 0
    bronchitis = "bronchitis, not specified as acute or chronic"
    assert agreement(groups, query_values(groups, "acute bronchitis"), bronchitis).conflict == 1


def test_where_a_cancer_has_spread_is_a_secondary_site() -> None:
    from assistant.query import analyze

    for query, site in [
        ("cancer that has spread to my liver", "liver"),
        ("breast cancer metastatic to bone", "bone"),
        ("brain metastases from lung primary", "brain"),
    ]:
        analysis = analyze(query, system="ICD-10-CM")
        means = [e.means for e in analysis.expansions]
        assert f"secondary malignant neoplasm of {site}" in means
        assert analysis.focus == f"secondary malignant neoplasm of {site}"
    assert not [
        e
        for e in analyze("multiple metastases", system="ICD-10-CM").expansions
        if e.source == "oncology phrasing"
    ]


def test_device_systems_are_coded_by_their_components(stems: frozenset[str]) -> None:
    from assistant.knowledge.device_systems import coded_by_parts, load_device_systems

    systems = load_device_systems()
    assert {s.name for s in systems} >= {"dual-chamber pacemaker", "single-chamber defibrillator"}
    for system in systems:
        for part in system.components:
            assert not unknown_words(part, stems), (system.name, part)
    (pacemaker,) = coded_by_parts(
        "Implantation of dual-chamber permanent pacemaker (right atrial and ventricular leads)"
    )
    assert len(pacemaker.components) == 3
    assert any("generator" in p or "dual chamber" in p for p in pacemaker.components)
    # a generator change or a device check is not the implantation of a whole system
    assert coded_by_parts("Dual-chamber pacemaker generator change, battery depletion") == ()
    assert coded_by_parts("Interrogation of dual-chamber pacemaker") == ()
    assert coded_by_parts("Laparoscopic appendectomy") == ()


def test_an_operation_on_several_body_parts_is_coded_by_each_part() -> None:
    """Guideline B3.2a: "TAH-BSO" is four Resections; the approach the statement names
    fills each part; a supracervical hysterectomy leaves the cervix."""
    from assistant.knowledge.device_systems import coded_by_parts, part_text

    found = coded_by_parts("Total abdominal hysterectomy with BSO (TAH-BSO)")
    assert [s.name for s in found] == ["total hysterectomy", "bilateral salpingo-oophorectomy"]
    parts = [part_text(p, "Open") for s in found for p in s.components]
    assert parts[:2] == ["resection of uterus, open approach", "resection of cervix, open approach"]
    assert part_text("resection of uterus, {approach}", None) == "resection of uterus"
    assert not coded_by_parts("Laparoscopic supracervical hysterectomy")
    (ta,) = coded_by_parts("T&A for recurrent tonsillitis")
    assert all("external approach" in p for p in ta.components)  # guideline B5.2


def test_status_after_a_procedure_names_real_status_codes(stems: frozenset[str]) -> None:
    from assistant.knowledge.status_after import load_status_rules
    from corpus.icd10cm import parse_tabular

    rules = load_status_rules()
    codes = [r.code for r in parse_tabular()]
    for status in (*rules.statuses, *rules.states):
        for prefix in status.prefixes:  # each answers with real status codes
            assert any(c.startswith(prefix) for c in codes), (status.name, prefix)
        words = status.wording.replace("{organ}", "").replace("{text}", "")
        assert not unknown_words(words, stems), status.name
    for organ, wording in rules.organs:
        assert not unknown_words(wording, stems), organ


def test_status_after_a_procedure_is_read_with_its_organ_and_side() -> None:
    from assistant.knowledge.status_after import statuses_after

    def read(text: str) -> list[tuple[str, str, tuple[str, ...]]]:
        found = statuses_after(text)
        assert all(text[f.start : f.end] for f in found)  # a span of the text itself
        return [(f.name, f.search, f.prefixes) for f in found]

    [(_, search, prefixes)] = read("History of right breast cancer, s/p mastectomy.")
    assert search == "acquired absence of breast and nipple, right" and prefixes == ("Z90",)
    # the organ comes from the word's parts; one whose absence is not reported codes nothing
    [(_, search, _)] = read("Status post laparoscopic cholecystectomy (2017).")
    assert "digestive tract" in search
    assert read("s/p appendectomy as a child") == []
    found = read("PMH: CAD s/p CABG x3 in 2016 and PCI with DES to LAD, s/p R TKA, h/o BKA left")
    assert [f[0] for f in found] == [
        "coronary artery bypass graft",
        "coronary stent",
        "artificial knee joint",
        "amputation",
    ]
    assert found[2][1].endswith(", right")
    assert found[3][1] == "acquired absence of leg below knee, left"
    # what is not a status: negated, another person's, undone
    assert read("No prior cardiac device. Mother s/p hysterectomy.") == []
    assert read("Prior colostomy, reversed in 2019.") == []
    assert [f[0] for f in read("Left eye pseudophakic.")] == ["pseudophakia"]


def test_transport_accidents_are_worded_as_their_titles_are_built() -> None:
    from assistant.knowledge.transport import transport_wording

    mvc = "Restrained driver of a sedan struck on the driver's side by another passenger car"
    assert transport_wording(mvc) == (
        "Car driver injured in collision with other type car in traffic accident"
    )
    bike = "riding his bicycle on the street, went over the handlebars"
    assert transport_wording(bike) == (
        "Pedal cycle driver injured in noncollision transport accident in traffic accident"
    )
    walker = "pedestrian struck by a pick-up truck in a parking lot"
    assert transport_wording(walker) == (
        "Pedestrian on foot injured in collision with car, pick-up truck or van in nontraffic "
        "accident"
    )
    tree = "MVC, car hit a tree"  # no role written: the unspecified occupant
    assert transport_wording(tree).startswith("Unspecified car occupant injured in collision")
    assert transport_wording("fell from a ladder while painting") == ""


def test_malformed_transport_rules_are_refused() -> None:
    from assistant.knowledge.transport import parse_transport

    with pytest.raises(KnowledgeError, match="victims and counterparts"):
        parse_transport({"version": 1, "victims": [], "counterparts": []})
    with pytest.raises(KnowledgeError, match="victim 1"):
        parse_transport({"version": 1, "victims": [{"words": ["car"]}]})


def test_gestational_weeks_name_the_trimester_beside_pregnancy_words() -> None:
    from assistant.knowledge.qualifiers import load_groups

    (trimester,) = [g for g in load_groups() if g.axis == "trimester"]
    assert trimester.value("iup 10 wks, primigravida") == "first trimester"
    assert trimester.value("13 6/7 wks ga") == "first trimester"
    assert trimester.value("14 weeks pregnant") == "second trimester"
    assert trimester.value("g2p1 @ 32 wks w/ preeclampsia") == "third trimester"
    assert trimester.value("28 2/7 weeks gestation") == "third trimester"
    # weeks of something else name no trimester
    assert trimester.value("cough for 2 weeks") is None
    assert trimester.value("newborn at 2 weeks old") is None


def test_a_test_written_with_its_result_sign_says_positive_or_negative() -> None:
    from assistant.query import analyze

    def results(query: str) -> list[str]:
        return [e.means for e in analyze(query).expansions if e.source == "test result sign"]

    assert results("L breast ca, ER+, PR-") == ["positive", "negative"]
    assert results("HER2+ disease") == ["positive"]
    assert results("T-cell lymphoma, x-ray negative") == []


def test_denials_in_everyday_words_and_a_deficiency_is_no_denial() -> None:
    from assistant.conventions import query_facts
    from assistant.knowledge.qualifiers import load_groups
    from assistant.query import analyze

    def negated(query: str) -> frozenset[str]:
        return query_facts(analyze(query, system="ICD-10-CM"), load_groups()).negated

    assert "alcohol" in negated("fatty liver but i dont drink alcohol")
    assert "smoke" in negated("never smoked, has COPD")
    assert "iron" not in negated("my blood count is low because I don't have enough iron")


def test_a_stated_diagnosis_ends_where_another_clause_begins() -> None:
    from assistant.query import analyze

    analysis = analyze("ultrasound says i have a fatty liver but i dont drink alcohol")
    assert analysis.focus.startswith("a fatty liver")
    assert "alcohol" not in analysis.focus


def test_units_and_english_words_are_no_acronyms_of_the_lexicon() -> None:
    from assistant.query import analyze

    def terms(query: str) -> set[str]:
        return {e.term for e in analyze(query, system="ICD-10-CM").expansions}

    assert "wks" not in terms("G2P1 at 32 wks w/ preeclampsia")  # not Wernicke-Korsakoff
    assert "gave" not in terms("they gave me antibiotics")  # not GAVE
    assert "GAVE" in terms("GAVE with bleeding")
    assert "mets" in terms("breast ca with mets")  # typed so: metastases


def test_a_number_of_the_query_falls_in_a_title_s_range_or_outside_it() -> None:
    from assistant.conventions import number_shift, query_facts, query_numbers
    from assistant.knowledge.qualifiers import load_groups
    from assistant.query import analyze

    assert query_numbers("preemie 32 0/7 wks GA, BW 1600 g") == (32.0, 1600.0)
    assert query_numbers("G2P1, L4-5, T2DM") == ()
    facts = query_facts(analyze("morbid obesity, BMI 42"), load_groups())
    assert number_shift(facts, "Body mass index [BMI] 40.0-44.9, adult") > 0
    assert number_shift(facts, "Body mass index [BMI] 70 or greater, adult") < 0
    assert number_shift(facts, "Morbid (severe) obesity due to excess calories") == 0
    low = query_facts(analyze("BW 450 g"), load_groups())
    assert number_shift(low, "Extremely low birth weight newborn, less than 500 grams") > 0


def test_a_misspelling_is_corrected_to_the_title_word_used_most() -> None:
    from assistant.spelling import Vocabulary

    vocabulary = Vocabulary(
        ["Migraine without aura", "Migraine with aura", "Thrombophlebitis migrans", "Migraine"]
    )
    assert vocabulary.correct("migranes") == "migraine"


def test_a_phrasal_verb_is_found_with_its_object_between_verb_and_particle() -> None:
    """ "took my whole thyroid out" is the term "took out" (matched on the verb, so the
    object keeps its own terms); a clause mark ends the object; an instrument put in and
    taken away ("put a needle in") is no Insertion."""
    lex = _lexicon(
        {"term": "took out", "kind": "lay", "means": ["Resection"]},
        {"term": "put in", "kind": "lay", "means": ["Insertion"]},
        {"term": "big vein", "kind": "lay", "means": ["vena cava"]},
    )
    (took,) = find_terms("they took my whole thyroid out", lex)
    assert (took.start, took.end) == (5, 9) and took.senses[0].means == ("Resection",)
    put, vein = find_terms("they put a filter in the big vein", lex)
    assert put.senses[0].means == ("Insertion",) and vein.senses[0].means == ("vena cava",)
    assert not find_terms("they took my blood, then went out", lex)
    assert not find_terms("they put a needle in my back", lex)


def test_a_condition_on_a_drug_is_the_focus_and_long_term_use_comes_after_it() -> None:
    from assistant.conventions import gate_shift, query_facts
    from assistant.knowledge.qualifiers import load_groups
    from assistant.query import analyze

    titles = {"insulin", "controlled", "right", "side"}
    analysis = analyze("hypertension on lisinopril", titles, "ICD-10-CM")
    assert analysis.focus.startswith("hypertension") and analysis.stated == "hypertension"
    # words the titles use after "on" / "with" are no treatment to strip
    assert not analyze("gestational diabetes controlled with insulin", titles).stated
    assert not analyze("shingles rash on my right side", titles).stated
    facts = query_facts(analyze("afib on eliquis", titles, "ICD-10-CM"), load_groups())
    assert gate_shift("Z79.01", facts) < 0 == gate_shift("I48.91", facts)


def test_a_title_s_encounter_is_its_seventh_character_or_a_subsequent_episode() -> None:
    from assistant.conventions import _joined, title_encounter

    fall = "Fall on same level from slipping, tripping and stumbling without subsequent "
    assert title_encounter(fall + "striking against object, initial encounter") == "initial"
    assert title_encounter("Laceration of right hand, sequela") == "sequela"
    assert title_encounter("Subsequent non-ST elevation (NSTEMI) myocardial infarction") == (
        "subsequent"
    )
    # a head with a list of alternatives: each item is a name of its own
    assert _joined("Activity, walking, marching and hiking") == (
        "Activity, walking",
        "Activity, marching",
        "Activity, hiking",
    )
    assert _joined("Syncope and collapse") == ("Syncope", "collapse")


def test_a_query_that_is_one_lexicon_term_is_reworded_whole() -> None:
    from assistant.conventions import query_facts
    from assistant.knowledge.qualifiers import load_groups
    from assistant.query import analyze

    def whole(query: str) -> bool:
        return query_facts(analyze(query, system="ICD-10-CM"), load_groups()).reworded_whole

    assert whole("HTN") and whole("heart attack")
    assert not whole("HTN on lisinopril") and not whole("hypertension")


def test_one_sided_paralysis_is_coded_by_the_dominance_of_the_side_affected() -> None:
    from assistant.query import analyze

    def side(query: str) -> tuple[str | None, list[str]]:
        a = analyze(query, system="ICD-10-CM")
        return a.laterality, [e.means for e in a.expansions if e.source == "dominance"]

    # the chart's handedness decides, and names no side affected
    assert side("L hemiparesis after CVA, pt is R-handed") == ("left", ["left non-dominant side"])
    assert side("right hemiplegia, right hand dominant") == ("right", ["right dominant side"])
    assert side("left-handed, left hemiparesis") == ("left", ["left dominant side"])
    assert side("ambidextrous, L hemiplegia")[1] == ["left dominant side"]
    # none stated: the right side is dominant, the left non-dominant (guideline I.C.6.a)
    assert side("right hemiplegia after stroke")[1] == ["right dominant side"]
    assert side("left sided weakness from old stroke")[1] == ["left non-dominant side"]
    assert side("left knee pain, right-handed") == ("left", [])  # no paralysis named


def test_a_sequela_belongs_to_a_condition_in_the_past() -> None:
    groups = load_groups()
    past = query_values(groups, "stroke two years ago with residual left hemiparesis")
    sequela = "hemiplegia and hemiparesis following cerebral infarction affecting left side"
    assert agreement(groups, past, sequela).conflict == 0
    assert agreement(groups, past, "sequelae of cerebral infarction").agree == 1
    assert agreement(groups, past, "cerebral infarction, unspecified").conflict == 1


def test_an_incision_that_reaches_another_operation_is_its_approach() -> None:
    from assistant.query import analyze

    def readings(query: str) -> list[str]:
        a = analyze(query, system="ICD-10-PCS")
        return [e.means for e in a.expansions if e.term.lower().endswith("otomy")]

    assert readings("thoracotomy and lobectomy") == ["Open"]
    assert readings("craniotomy for evacuation of subdural hematoma") == ["Open"]
    assert readings("craniotomy")[0].startswith("Drainage")  # alone: its own reading


def test_a_digit_amputation_s_level_names_the_detachment_qualifier() -> None:
    from assistant.procedure_phrases import detachment_level

    def level(query: str) -> list[str]:
        return [e.means for e in detachment_level(query)]

    assert level("amputation of right third toe at the MTP joint") == ["Complete"]
    assert level("my whole right big toe had to be amputated") == ["Complete"]
    assert level("amputation of the tip of the left index finger") == ["Low"]
    assert level("finger amputated through the PIP joint") == ["Mid"]
    assert level("toe amputation through the proximal phalanx") == ["High"]
    assert level("below knee amputation") == [] and level("MTP joint arthritis of toe") == []


def test_a_meaning_that_says_what_is_absent_names_it_absent() -> None:
    from assistant.conventions import query_facts
    from assistant.query import analyze

    lex = _lexicon(
        {"term": "shingles rash", "kind": "lay", "means": ["zoster without complications"]}
    )
    facts = query_facts(analyze("shingles rash on my back", lexicon=lex), load_groups())
    assert "complic" in facts.negated and "complic" not in facts.positive
    # the query's own words still say what is there
    said = query_facts(analyze("shingles rash with complications", lexicon=lex), load_groups())
    assert "complic" in said.positive


def test_a_laboratory_value_outside_its_range_names_its_condition() -> None:
    from assistant.knowledge.lab_values import lab_readings, load_lab_rules, parse_lab_rules

    rules = load_lab_rules()

    def read(text: str) -> list[str]:
        return [condition for _, _, condition in lab_readings(text, rules)]

    assert read("K 6.4 on BMP") == ["hyperkalemia"] and read("Na: 125") == ["hyponatremia"]
    assert read("plt 40k") == read("platelets 40,000") == ["thrombocytopenia"]
    assert read("K 4.1") == [] and read("Hgb 13.5") == []  # inside the range: nothing
    assert read("breast ca 2015") == []  # a year is no calcium
    assert read("lisinopril 10 mg daily") == []
    with pytest.raises(KnowledgeError, match="each limit needs the condition"):
        entry = {"analyte": "x", "names": ["x"], "low": 1, "high": None, "plausible": [0, 9]}
        parse_lab_rules({"version": 1, "entries": [entry]})
    # in a query: a value leading it names the condition; after a condition named first it
    # is that condition's finding
    from assistant.query import analyze

    def sources(query: str) -> list[str]:
        a = analyze(query, system="ICD-10-CM")
        return [e.means for e in a.expansions if e.source == "laboratory value"]

    assert sources("K 6.4 on BMP, peaked T waves") == ["hyperkalemia"]
    assert sources("CLL, Rai stage 0, WBC 28k, watch and wait") == []
