"""A diagnosis named inside a patient's sentence becomes the query's focus."""

from __future__ import annotations

from assistant.conventions import query_facts
from assistant.knowledge.phrases import term_key, tokens
from assistant.named import ConditionNames, other_words
from assistant.query import analyze
from assistant.scene_reading import told_by_a_person

ROWS = [
    ("ICD-10-CM", "J05.0", "Acute obstructive laryngitis [croup]", ("Obstructive laryngitis",)),
    ("ICD-10-CM", "R05.9", "Cough, unspecified", ()),
    ("ICD-10-CM", "B96.20", "E. coli as the cause of diseases classified elsewhere", ()),
    ("ICD-10-CM", "E03.9", "Hypothyroidism, unspecified", ("Thyroid",)),
    ("ICD-10-PCS", "0DT60ZZ", "Resection of Stomach, Open Approach", ()),
]


def _names() -> ConditionNames:
    systems, codes, titles, extra = zip(*ROWS, strict=True)
    return ConditionNames(systems, codes, titles, lambda i: (titles[i], *extra[i]))


def test_condition_names_come_from_disease_chapters_only() -> None:
    keys = _names().keys
    assert {term_key("croup"), term_key("Obstructive laryngitis")} <= keys
    assert not [k for k in keys if "cough" in k]  # a symptom (R) is no condition name
    assert not [k for k in keys if "coli" in k]  # an organism "classified elsewhere"
    assert not [k for k in keys if "stomach" in k]  # procedures are not conditions
    assert "thyroid" not in keys  # a body part is not a one-word condition name


def test_names_are_found_in_a_sentence_with_their_offsets() -> None:
    text = "my 3 year old has Croup, his cough sounds like a seal barking"
    spans = _names().find(text)
    assert [text[a:b] for a, b in spans] == ["Croup"]
    assert other_words(tokens(text), spans) >= 5
    assert told_by_a_person(text) and not told_by_a_person("croup, barking cough, stridor")


def test_a_reported_diagnosis_is_the_focus_unless_denied() -> None:
    said = analyze("painful blistery rash on one side, they said it's shingles")
    assert said.focus.startswith("shingles") and said.diagnosis_stated
    called = analyze("my heart pounds out of nowhere, the doctor called it panic disorder")
    assert called.focus.startswith("panic disorder") and called.diagnosis_stated
    denied = analyze("fluid behind the eardrum, the doctor says it isn't infected")
    assert not denied.focus and not denied.diagnosis_stated
    shown = analyze("CT chest: solitary 9 mm nodule")  # what a test showed, not a diagnosis
    assert shown.focus and not shown.diagnosis_stated


def test_a_stated_symptom_is_the_diagnosis_and_a_denied_dx_states_nothing() -> None:
    from assistant.conventions import symptom_shift, term_exact
    from assistant.knowledge.qualifiers import load_groups

    groups = load_groups()
    facts = query_facts(analyze("ED dx: syncope, w/u unrevealing, d/c home"), groups)
    assert facts.definitive and facts.stated
    # the statement names the symptom: it is not moved down as a symptom of something else
    assert symptom_shift("R55", facts, title="Syncope and collapse") == 0
    assert symptom_shift("R07.9", facts, title="Chest pain, unspecified") < 0
    # and the code named by it is as good as an exact name
    assert term_exact(facts, ("Syncope and collapse", "Syncope")) == 2
    sided = query_facts(analyze("dx: varicose veins of both legs"), groups)
    assert term_exact(sided, ("Varicose veins",)) == 0  # the side chooses the code
    denied = analyze("PSA 7.2 on screening labs, no prior dx of prostate cancer")
    assert not denied.stated


def test_roman_numerals_of_a_grade_are_not_abbreviations_and_a_diagnosis_has_no_approach() -> None:
    graded = analyze("Grade IV splenic laceration with hemoperitoneum", system="ICD-10-CM")
    assert not [e for e in graded.expansions if e.term == "IV"]
    assert "Percutaneous" not in graded.expanded
    drip = analyze("antibiotics given IV", system="ICD-10-PCS")
    assert [e for e in drip.expansions if e.term == "IV"]


def test_a_part_taken_out_and_a_new_one_put_in_is_a_replacement() -> None:
    lens = analyze(
        "they took out the cloudy lens and put in a new plastic lens", system="ICD-10-PCS"
    )
    means = [e.means for e in lens.expansions]
    assert "Replacement" in means and "Synthetic Substitute" in means
    assert "Resection" not in means and "Insertion" not in means
    # a device exchanged is its removal and a new insertion, not a Replacement
    device = analyze("took out the old pacemaker and put in a new one", system="ICD-10-PCS")
    assert "Replacement" not in [e.means for e in device.expansions]
    # a piece taken is part of the body part: an Excision, diagnostic when sent to test
    piece = analyze("took a tiny piece of my stomach to test", system="ICD-10-PCS")
    assert "Excision" in [e.means for e in piece.expansions]
    assert "Resection" not in [e.means for e in piece.expansions]
