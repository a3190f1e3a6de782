"""The ICD-10-PCS builder: axes read from procedure words, valid codes only, open axes,
body part key, devices and qualifiers by default; the HTTP and CLI surfaces."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.settings import Settings
from assistant.assistant import Assistant
from assistant.pcs.reading import Reading
from assistant.search import Retriever
from corpus.loader import CorpusConfig, load_corpus
from index.build import build_index
from index.lexical import tokenize
from index.search_index import SearchIndex
from tests.helpers import HashEmbedder


@pytest.fixture(scope="module")
def pcs_index(tmp_path_factory: pytest.TempPathFactory, fixtures: Path) -> Path:
    tmp = tmp_path_factory.mktemp("pcs-builder")
    config = CorpusConfig(
        systems=("ICD-10-CM", "ICD-10-PCS"),
        cm_xml=fixtures / "cm" / "icd10cm-tabular-mini.xml",
        pcs_file=fixtures / "pcs" / "icd10pcs_order_builder.txt",
    )
    build_index(load_corpus(config), tmp / "idx", HashEmbedder(), tmp / "cache")
    return tmp / "idx"


@pytest.fixture(scope="module")
def assistant(pcs_index: Path) -> Assistant:
    embedder = HashEmbedder()
    return Assistant(Retriever(SearchIndex.open(pcs_index, model=embedder.info), embedder))


def test_the_index_keeps_the_axes_of_every_code(assistant: Assistant) -> None:
    axes = assistant.pcs_axes("0FT44ZZ")
    assert axes is not None
    assert [a.meaning for a in axes] == [
        "Medical and Surgical",
        "Hepatobiliary System and Pancreas",
        "Resection",
        "Gallbladder",
        "Percutaneous Endoscopic",
        "No Device",
        "No Qualifier",
    ]
    imaging = assistant.pcs_axes("BW03ZZZ")
    assert imaging is not None and imaging[2].name == "Type" and imaging[3].meaning == "Chest"


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("laparoscopic cholecystectomy", "0FT44ZZ"),
        ("open cholecystectomy", "0FT40ZZ"),
        ("laparoscopic appendectomy", "0DTJ4ZZ"),
        ("biopsy of gallbladder, laparoscopic", "0FB44ZX"),  # Diagnostic for a biopsy
        ("percutaneous sacral lead for urge incontinence", "01HY3MZ"),  # body part key
        ("bilateral breast reduction, open", "0HBV0ZZ"),
        # a repair that puts in mesh is a Supplement; without a device it is a Repair
        ("open right inguinal hernia repair with mesh", "0YU50JZ"),
        ("open repair of right inguinal hernia", "0YQ50ZZ"),
        # outside surgery, Open means "during open surgery": not the guess when unsaid
        ("other antineoplastic into peripheral vein", "3E03305"),
        # guideline B5.2: a structure seen through the mouth is reached External
        ("tonsillectomy", "0CTPXZZ"),
        ("open tonsillectomy", "0CTPXZZ"),  # even when the surgeon says he cut
    ],
)
def test_builder_composes_the_code(assistant: Assistant, query: str, code: str) -> None:
    build = assistant.build_pcs(query, k=5)
    assert build.built is not None
    assert build.built.code == code, [r.code for r in build.results]


def _reading(assistant: Assistant, query: str):  # type: ignore[no-untyped-def]
    from assistant.conventions import query_facts
    from assistant.pcs.reading import read, vocabulary
    from assistant.query import analyze

    retriever = assistant.retriever
    builder = retriever.ranking.builder
    assert builder is not None
    analysis = analyze(query, retriever.vocabulary, "ICD-10-PCS")
    return builder, read(
        analysis, vocabulary(builder.tables), query_facts(analysis, retriever.groups)
    )


def _axes_choose(assistant: Assistant, query: str, table: str) -> str:
    """With retrieval saying the same of every code of ``table``, the code the axes pick."""
    builder, reading = _reading(assistant, query)
    codes = [c for c in builder.tables.codes if c.startswith(table)]
    built = builder.expand(dict.fromkeys(codes, 0.5), reading, lambda t: codes)
    return max(built, key=lambda c: (built[c], c))


def _bare_reading(approach: str | None, device: bool = False) -> Reading:
    """A reading that says nothing but its approach, to compare codes by their axes."""
    return Reading(
        stems=frozenset(),
        written=frozenset(),
        operations={},
        approach=approach,
        device=device,
        diagnostic=False,
        side=None,
        operation_stems=frozenset(),
    )


def test_axes_decide_device_qualifier_and_part_of_a_body_part(assistant: Assistant) -> None:
    assert _axes_choose(assistant, "laparoscopic appendectomy", "0DT") == "0DTJ4ZZ"
    assert _axes_choose(assistant, "laparoscopic cholecystectomy", "0FT") == "0FT44ZZ"
    # "partial" makes it an Excision; no biopsy: no Diagnostic qualifier
    assert _axes_choose(assistant, "laparoscopic partial cholecystectomy", "0FB") == "0FB44ZZ"
    assert _axes_choose(assistant, "laparoscopic gallbladder biopsy", "0FB") == "0FB44ZX"
    stent = _axes_choose(assistant, "percutaneous coronary dilation with drug-eluting stent", "027")
    assert stent == "027034Z"
    # a device the query says was not used is not coded
    assert _axes_choose(assistant, "percutaneous coronary dilation, no stent", "027") == "02703ZZ"
    builder, reading = _reading(assistant, "percutaneous coronary dilation, no stent")
    assert builder.fit("02703ZZ", reading).total > builder.fit("02703DZ", reading).total


def test_the_body_part_key_speaks_as_the_query_does(assistant: Assistant) -> None:
    """A structure the key codes to a general body part makes that part as said as the
    query's own words, and an electrode is a lead."""
    from assistant.pcs.reading import meaning_stems

    query = "percutaneous implantation of sacral nerve neurostimulator electrode array"
    builder, reading = _reading(assistant, query)
    assert reading.said(meaning_stems("Peripheral Nerve")) == 1.0
    assert reading.said(meaning_stems("Bladder")) == 0.0
    assert _axes_choose(assistant, query, "01H") == "01HY3MZ"
    lead = builder.fit("01HY3MZ", reading).scores
    assert lead[3] > builder.fit("01HY32Z", reading).scores[3]  # lead, not monitoring device


def test_open_axes_are_reported_with_their_valid_choices(assistant: Assistant) -> None:
    build = assistant.build_pcs("appendectomy", k=10)
    assert build.built is not None
    (approach,) = [o for o in build.built.open_axes if o.position == 5]
    choices = {c.meaning for c in approach.choices}
    assert {"Open", "Percutaneous Endoscopic"} <= choices
    # an approach taken as the usual one says so, and stays open: the query did not say it
    if build.built.determined_by[4]:
        assert build.built.determined_by[4].startswith("usually: ")
    decided = assistant.build_pcs("laparoscopic appendectomy", k=10).built
    assert decided is not None and 5 not in {o.position for o in decided.open_axes}
    assert decided.determined_by[2] == "resection" and decided.determined_by[4]


def test_every_built_code_is_valid(assistant: Assistant) -> None:
    tables = assistant.index.pcs
    assert tables is not None
    for query in [
        "laparoscopic cholecystectomy",
        "breast biopsy",
        "hysterectomy",
        "neurostimulator lead",
        "drainage of peritoneal cavity",
        "chest x-ray",
        "removal of uterus with both tubes",
    ]:
        for r in assistant.build_pcs(query, k=20).results:
            assert tables.is_valid(r.code), (query, r.code)
    assert not tables.is_valid("0FT47ZZ")  # gallbladder resection has no such approach


def test_http_build_and_code_axes(pcs_index: Path, assistant: Assistant) -> None:
    from api.app import create_app

    settings = Settings(index_dir=pcs_index)
    with TestClient(create_app(settings, lambda s: assistant)) as client:
        built = client.get("/pcs/build", params={"q": "laparoscopic appendectomy"}).json()
        assert built["code"] == "0DTJ4ZZ" and len(built["axes"]) == 7
        assert built["axes"][3] == {
            "position": 4,
            "name": "Body Part",
            "value": "J",
            "meaning": "Appendix",
            "determined_by": "appendix",
            "choices": None,
        }
        assert built["codes"][0]["code"] == "0DTJ4ZZ" and 0 <= built["codes"][0]["confidence"] <= 1
        open_one = client.get("/pcs/build", params={"q": "appendectomy"}).json()
        assert 5 in open_one["open_axes"]
        record = client.get("/codes/ICD-10-PCS/0FT44ZZ").json()
        assert [a["meaning"] for a in record["axes"]][3:5] == [
            "Gallbladder",
            "Percutaneous Endoscopic",
        ]
        assert client.get("/codes/ICD-10-CM/N39.41").json()["axes"] is None
        assert client.get("/pcs/build", params={"q": ""}).status_code == 422


def test_a_lexicon_excision_is_not_undone_by_word_formation() -> None:
    from assistant.query import analyze

    def ops(query: str) -> list[str]:
        return [
            e.means.split()[0].lower()
            for e in analyze(query, system="ICD-10-PCS").expansions
            if "ectomy" in e.term
        ]

    assert ops("microdiscectomy") == ["excision"]  # the lexicon: part of the disc
    assert set(ops("cholecystectomy")) == {"resection"}  # the whole organ by default
    assert set(ops("partial cholecystectomy")) == {"excision"}  # unless called partial


def test_a_term_s_first_meaning_names_its_operation_more_firmly() -> None:
    """ "laminectomy": a Release of the spinal cord (the first meaning), else an Excision
    of the vertebra."""
    from assistant.conventions import query_facts
    from assistant.knowledge.qualifiers import load_groups
    from assistant.pcs.reading import Vocabulary, read
    from assistant.query import analyze

    vocab = Vocabulary(frozenset({"release", "excision"}), frozenset())
    analysis = analyze("laminectomy", system="ICD-10-PCS")
    reading = read(analysis, vocab, query_facts(analysis, load_groups()))
    assert reading.operations["release"] > reading.operations["excision"] > 0


def test_a_procedure_converted_to_open_is_coded_open_and_an_approach_names_no_device(
    assistant: Assistant,
) -> None:
    from assistant.note_text import note_approach
    from assistant.query import analyze

    # guideline B5.2a: the open approach of a procedure converted from a scope
    assert analyze("lap chole converted to open", system="ICD-10-PCS").approach == "Open"
    assert note_approach("Laparoscopy CONVERTED to mini-laparotomy. Ports placed.") == "Open"
    # "external approach" says nothing of an External Fixation Device
    from dataclasses import replace

    from corpus.pcs_axes import AxisValue

    builder = assistant.retriever.ranking.builder
    assert builder is not None
    fixator = AxisValue(6, "Device", "5", "External Fixation Device")
    by_approach = replace(_bare_reading("External"), stems=frozenset({"extern"}))
    assert builder._device(fixator, by_approach)[0] == builder.w.pcs_device_unasked
    named = replace(by_approach, stems=frozenset({"extern", "fixat"}), device=True)
    assert builder._device(fixator, named)[0] > 0


def test_a_pregnancy_loss_names_no_abortion_and_its_d_and_c_takes_out_what_is_retained() -> None:
    from assistant.conventions import query_facts
    from assistant.knowledge.qualifiers import load_groups
    from assistant.pcs.reading import Vocabulary, read
    from assistant.query import analyze

    vocab = Vocabulary(frozenset({"abortion", "extraction"}), frozenset())
    loss = analyze("suction D&C for missed abortion", system="ICD-10-PCS")
    reading = read(loss, vocab, query_facts(loss, load_groups()))
    assert reading.operations.get("abortion", 0.0) < 1.0  # "missed abortion": a diagnosis
    assert "extraction of products of conception, retained" in {e.means for e in loss.expansions}
    elective = analyze("elective abortion by suction D&C", system="ICD-10-PCS")
    assert read(elective, vocab, query_facts(elective, load_groups())).operations["abortion"] == 1.0


def test_a_scope_with_another_procedure_is_the_approach(assistant: Assistant) -> None:
    from assistant.query import analyze

    def means(query: str) -> list[str]:
        return [e.means.lower() for e in analyze(query, system="ICD-10-PCS").expansions]

    assert any(m.startswith("inspection") for m in means("cystoscopy"))
    turbt = "cystoscopy with transurethral resection of bladder tumor"
    assert not any(m.startswith("inspection") for m in means(turbt))
    # "resection" of a tumor takes part of the organ: an Excision
    _, reading = _reading(assistant, turbt)
    assert "excision" in reading.operations and "resection" not in reading.operations


def test_a_named_part_of_a_bone_or_a_banded_vessel_is_read_so() -> None:
    """ "Resection of the medial eminence" takes part of the bone (an Excision); bands put
    on a vessel are an Extraluminal Device."""
    from assistant.query import analyze
    from assistant.query_words import PARTIAL

    assert PARTIAL.search("resection of medial eminence, r 1st metatarsal head")
    assert not PARTIAL.search("resection of right first metatarsal")
    means = [
        e.means.lower() for e in analyze("variceal band ligation", system="ICD-10-PCS").expansions
    ]
    assert any("extraluminal device" in m for m in means)


def test_a_scope_word_alone_is_an_endoscopic_inspection(assistant: Assistant) -> None:
    """ "-scopy" names the operation (Inspection) and the way in (endoscopic): a scope of a
    passage reached through a natural opening is coded so; "laparoscopy" alone looks into
    the peritoneal cavity, and with another operation it is only the approach."""
    from assistant.query import analyze

    def means(query: str) -> list[str]:
        return [e.means.lower() for e in analyze(query, system="ICD-10-PCS").expansions]

    (gloss,) = means("urethroscopy")
    assert "inspection" in gloss and "endoscopic" in gloss
    assert assistant.search("urethroscopy", system="ICD-10-PCS").results[0].code == "0TJD8ZZ"
    assert assistant.search("laparoscopy", system="ICD-10-PCS").results[0].code == "0WJG4ZZ"
    assert not any(m.startswith("inspection") for m in means("laparoscopy, appendectomy"))


def test_both_sides_are_coded_when_the_table_has_no_bilateral_value() -> None:
    from assistant.note_sides import other_side
    from assistant.results import CodeResult

    right = CodeResult(
        "0HPT0NZ",
        "ICD-10-PCS",
        "Removal of Tissue Expander from Right Breast, Open Approach",
        1.0,
        True,
    )
    left = CodeResult(
        "0HPU0NZ",
        "ICD-10-PCS",
        "Removal of Tissue Expander from Left Breast, Open Approach",
        0.9,
        True,
    )
    other = CodeResult(
        "0HPU0JZ",
        "ICD-10-PCS",
        "Removal of Synthetic Substitute from Left Breast, Open Approach",
        0.8,
        True,
    )
    assert other_side(right, (right, other, left)) == [left]
    assert other_side(left, (left, right)) == [right]


def test_a_repair_with_mesh_or_a_graft_is_a_supplement(assistant: Assistant) -> None:
    # the query names the mesh itself: no Repair is left
    _, mesh = _reading(assistant, "repair of the right groin with mesh")
    assert "supplement" in mesh.operations and "repair" not in mesh.operations
    _, plain = _reading(assistant, "repair of the right groin")
    assert "supplement" not in plain.operations


def test_a_device_the_query_denies_is_in_no_meaning_of_another_term() -> None:
    from assistant.query import analyze

    def means(query: str) -> list[str]:
        return [e.means.lower() for e in analyze(query, system="ICD-10-PCS").expansions]

    # one sense of "umbilical hernia repair" is a Supplement with Synthetic Substitute
    assert any("synthetic substitute" in m for m in means("umbilical hernia repair"))
    denied = means("open umbilical hernia repair, primary closure, no mesh")
    assert denied and not any("synthetic substitute" in m for m in denied)
    # "no drain left" denies the device, not the drainage an I&D is
    assert any("drainage" in m for m in means("I&D of buttock abscess, no drain left"))


def test_a_route_the_query_names_wins_over_a_term_s_usual_route() -> None:
    from assistant.query import analyze

    def means(query: str) -> list[str]:
        return [e.means.lower() for e in analyze(query, system="ICD-10-PCS").expansions]

    assert any("peripheral vein" in m for m in means("FOLFOX infused"))
    via_port = means("FOLFOX infused via port")
    assert "central vein" in via_port
    assert not any("into peripheral vein" in m for m in via_port)
    assert "peripheral vein" in means("two units of blood through her IV")
    assert "upper gi" in means("antibiotic given through the G-tube")


def test_a_qualifier_of_several_words_needs_more_than_one_of_them() -> None:
    """A dilation's balloon is no "Drug-Coated Balloon" unless the drug coating is said."""
    from assistant.pcs.builder import Builder
    from corpus.pcs_axes import AxisValue, PcsTables

    builder = Builder(PcsTables.build([]))

    def reading(words: str) -> Reading:
        stems = frozenset(tokenize(words))
        return replace(
            _bare_reading(None),
            stems=stems,
            written=stems,
            operations={"dilation": 1.0},
            part_words=frozenset(tokenize("lower arm vein radial artery")),
        )

    coated = AxisValue(7, "Qualifier", "1", "Drug-Coated Balloon")
    assert builder._qualifier(coated, reading("balloon angioplasty"))[0] < 0.0
    assert builder._qualifier(coated, reading("drug coated balloon angioplasty"))[0] > 0.0
    # a qualifier naming a body part (a bypass's destination) is said as body parts are
    destination = AxisValue(7, "Qualifier", "F", "Lower Arm Vein")
    assert builder._qualifier(destination, reading("radial artery to cephalic vein"))[0] > 0.0


def test_the_query_s_own_operation_word_outranks_what_a_device_term_implies(
    assistant: Assistant,
) -> None:
    _, revision = _reading(assistant, "revision of spinal cord stimulator")
    assert set(revision.operations) == {"revision"}
    _, implied = _reading(assistant, "spinal cord stimulator")  # the lexicon: an insertion
    assert "insertion" in implied.operations


def test_a_code_whose_table_has_no_diagnostic_qualifier_is_diagnostic_itself(
    assistant: Assistant,
) -> None:
    builder, reading = _reading(assistant, "diagnostic laparoscopy")
    assert reading.diagnostic
    qualifier = 4  # positions 3-7 are scored: the qualifier is the fifth
    inspection = builder.fit("0WJG4ZZ", reading).scores[qualifier]
    drainage = builder.fit("0W9G4ZX", reading).scores[qualifier]
    therapeutic = builder.fit("0W9G4ZZ", reading).scores[qualifier]
    assert inspection == drainage > 0 > therapeutic


def test_drained_is_an_operation_and_a_drain_a_device(assistant: Assistant) -> None:
    _, drained = _reading(assistant, "fluid drained from the left knee with a needle")
    assert not drained.device
    _, left = _reading(assistant, "abscess drainage with a drain left in place")
    assert left.device
    _, culture = _reading(assistant, "knee fluid aspirated and sent for culture")
    assert culture.diagnostic
    # therapeutic and diagnostic at once: coded as therapeutic
    _, both = _reading(assistant, "therapeutic and diagnostic knee aspiration")
    assert not both.diagnostic


def test_bilateral_prefers_a_bilateral_value_and_a_side_does_not_contradict_it(
    assistant: Assistant,
) -> None:
    builder, reading = _reading(assistant, "bilateral breast reduction, open")
    both, right = (
        builder.fit("0HBV0ZZ", reading).scores[1],
        builder.fit("0HBT0ZZ", reading).scores[1],
    )
    assert both > right  # the bilateral value when the table has one
    _, one_side = _reading(assistant, "left breast reduction, open")
    assert builder.fit("0HBT0ZZ", one_side).scores[1] < right  # right contradicts left


def test_a_stated_duration_chooses_the_duration_value_that_holds_it(assistant: Assistant) -> None:
    import math

    from assistant.pcs.builder import hour_range

    assert hour_range("Less than 24 Consecutive Hours") == (0.0, 24.0)
    assert hour_range("6-18 hours Per Day") == (6.0, 18.0)
    assert hour_range("Greater than 96 Consecutive Hours") == (96.0, math.inf)
    assert hour_range("Continuous Positive Airway Pressure") is None
    _, hours = _reading(assistant, "mechanical ventilation for 3 days")
    assert hours.hours == 72
    _, session = _reading(assistant, "3.5 hr dialysis run")
    assert session.hours == 3.5


def test_imaging_contrast_as_the_query_names_it(assistant: Assistant) -> None:
    from assistant.pcs.builder import _contrast_said
    from corpus.pcs_axes import AxisValue

    def contrast(query: str) -> str | None:
        return _reading(assistant, query)[1].contrast

    assert contrast("MRI lumbar spine with and without gadolinium") == "both"
    assert contrast("CT head without contrast") == "without"
    assert contrast("esophagram") == "with"  # a contrast study by its name
    assert contrast("chest x-ray") is None
    agent = AxisValue(5, "Contrast", "Y", "Other Contrast")
    none = AxisValue(5, "Contrast", "Z", "None")
    both = AxisValue(6, "Qualifier", "0", "Unenhanced and Enhanced")
    assert _contrast_said(agent, "with") and not _contrast_said(none, "with")
    assert _contrast_said(none, "without") and not _contrast_said(agent, "without")
    assert _contrast_said(both, "both") and not _contrast_said(both, "with")
    assert _contrast_said(AxisValue(6, "Qualifier", "Z", "None"), "both") is False


def test_a_general_body_part_holds_the_parts_it_contains(assistant: Assistant) -> None:
    """Guideline B4.8: the colon lies in the Lower Intestinal Tract, the stomach in the
    Upper; a part named inside a general value scores above the general value where a
    table has both."""
    assert _axes_choose(assistant, "colonoscopy, inspection only", "0DJ") == "0DJD8ZZ"
    assert _axes_choose(assistant, "inspection of the sigmoid colon by scope", "0DJ") == "0DJD8ZZ"
    assert _axes_choose(assistant, "laparoscopic sigmoid colectomy", "0DT") == "0DTN4ZZ"
    assert _axes_choose(assistant, "laparoscopic total colectomy", "0DT") == "0DTE4ZZ"


def test_general_parts_data_is_checked() -> None:
    from assistant.errors import KnowledgeError
    from assistant.knowledge.general_parts import (
        containment,
        load_general_parts,
        parse_general_parts,
    )

    entries = load_general_parts()
    held = containment(entries, [("D", "Sigmoid Colon"), ("D", "Stomach"), ("3", "Radial Artery")])
    assert "Sigmoid Colon" in held["Lower Intestinal Tract"]
    assert "Stomach" in held["Upper Intestinal Tract"]
    assert held["Upper Artery"] == ("Radial Artery",)  # a whole body system
    assert "Stomach" not in held["Lower Intestinal Tract"]
    with pytest.raises(KnowledgeError, match="either 'system' or 'parts'"):
        parse_general_parts({"version": 1, "entries": [{"general": "Heart"}]})
    with pytest.raises(KnowledgeError, match="one body-system character"):
        parse_general_parts({"version": 1, "entries": [{"general": "X", "system": "03"}]})


def test_a_longer_name_in_the_body_part_key_wins() -> None:
    from assistant.knowledge.body_part_key import general_parts, load_key

    assert general_parts("sigmoid colectomy", load_key()) == ["Sigmoid Colon"]
    assert general_parts("total colectomy", load_key()) == ["Large Intestine"]


def test_what_was_not_done_names_no_operation(assistant: Assistant) -> None:
    """A scope whose other procedure is negated stays an Inspection, and it keeps its
    approach when another procedure is done ("camera" is the way in)."""
    from assistant.query import analyze

    def means(query: str) -> list[str]:
        return [e.means.lower() for e in analyze(query, system="ICD-10-PCS").expansions]

    assert any(m.startswith("inspection") for m in means("colonoscopy, nothing removed"))
    assert not any("resection" in m for m in means("colonoscopy, nothing removed"))
    kept = means("cystoscopy with transurethral resection of bladder tumor")
    assert "via natural or artificial opening endoscopic" in kept
    assert _axes_choose(assistant, "colonoscopy, no polyps removed", "0DJ") == "0DJD8ZZ"


def test_a_camera_or_scope_goes_in_through_a_natural_opening(assistant: Assistant) -> None:
    from assistant.query import analyze

    def approach(query: str) -> str | None:
        return analyze(query, system="ICD-10-PCS").approach

    assert approach("camera down my throat") == "Via Natural or Artificial Opening Endoscopic"
    assert approach("laparoscopic appendectomy") == "Percutaneous Endoscopic"
    # a lexicon meaning that spells the approach is read as spelled
    assert approach("keyhole scope of the knee, percutaneous endoscopic") == (
        "Percutaneous Endoscopic"
    )
    # "Via Natural or Artificial Opening" names no artificial device
    _, reading = _reading(assistant, "colonoscopy, inspection only")
    assert not reading.device


@pytest.mark.parametrize(
    ("query", "approach"),
    [
        # vascular access and abbreviations that spell the approach
        ("Impella placed via femoral artery", "Percutaneous"),
        ("transradial coronary angiogram", "Percutaneous"),
        ("pacemaker leads via left cephalic venous access", "Percutaneous"),
        ("PCI with DES to the LAD", "Percutaneous"),
        ("EVAR for AAA", "Percutaneous"),
        # lay words for the way in
        ("gallbladder out through a few small holes in my belly", "Percutaneous Endoscopic"),
        ("my uterus was removed through the vagina", "Via Natural or Artificial Opening"),
        ("set my broken wrist without surgery", "External"),
        ("shock waves from outside my body to break up a kidney stone", "External"),
        ("external cephalic version", "External"),
        # a structure or device called external is no approach
        ("open stent of the left external iliac artery", "Open"),
        ("Impella, a short-term external heart assist system", None),
        # catheter access told in lay words
        ("they went in through my wrist with a thin tube", "Percutaneous"),
        ("a wire up from my groin to open the artery", "Percutaneous"),
        ("they fixed my hernia through a cut in my groin", None),
        # a joint "scoped" is an arthroscopy
        ("knee scope, partial medial meniscectomy", "Percutaneous Endoscopic"),
        ("they scoped my right shoulder and shaved the bone spur", "Percutaneous Endoscopic"),
    ],
)
def test_approach_words(query: str, approach: str | None) -> None:
    from assistant.query import analyze

    assert analyze(query, system="ICD-10-PCS").approach == approach


def test_a_name_standing_for_several_parts_takes_the_one_the_text_says() -> None:
    from assistant.knowledge.body_part_key import general_parts, load_key

    key = load_key()
    assert general_parts("open microdiscectomy at l5-s1", key) == ["Lumbosacral Disc"]
    assert "Shoulder Joint" in general_parts("debridement of torn labrum, left shoulder", key)
    assert "Hip Joint" not in general_parts("debridement of torn labrum, left shoulder", key)
    # a structure named by itself: "tenotomy" is not every tendon of the body
    assert general_parts("achilles tenotomy", key) == ["Lower Leg Tendon"]
    assert set(general_parts("tenotomy", key)) == {"Upper Tendon", "Lower Tendon"}


def test_a_measurement_is_external_unless_a_way_in_is_named() -> None:
    from assistant.pcs.builder import Builder
    from assistant.pcs.reading import Reading
    from corpus.pcs_axes import PcsTables

    titles = [
        ("4A02X4Z", "Measurement of Cardiac Electrical Activity, External Approach"),
        ("4A0234Z", "Measurement of Cardiac Electrical Activity, Percutaneous Approach"),
    ]
    builder = Builder(PcsTables.build(titles))

    def fit(code: str, approach: str | None) -> float:
        reading = Reading(
            stems=frozenset({"cardiac", "electr", "activ"}),
            written=frozenset({"cardiac", "electr", "activ"}),
            operations={"measurement": 1.0},
            approach=approach,
            device=False,
            diagnostic=False,
            side=None,
            operation_stems=frozenset(),
        )
        return builder.fit(code, reading).total

    assert fit("4A02X4Z", None) > fit("4A0234Z", None)
    assert fit("4A0234Z", "Percutaneous") > fit("4A02X4Z", "Percutaneous")


def test_a_new_technology_group_is_never_asked_for() -> None:
    """The group a New Technology code belongs to names the year it came in: a query never
    says it, so it costs nothing, unlike a qualifier the query does not name."""
    from assistant.pcs.builder import Builder
    from assistant.pcs.reading import Reading
    from corpus.pcs_axes import AxisValue, PcsTables

    builder = Builder(PcsTables.build([]))
    reading = Reading(
        stems=frozenset({"remdesivir"}),
        written=frozenset({"remdesivir"}),
        operations={},
        approach=None,
        device=False,
        diagnostic=False,
        side=None,
        operation_stems=frozenset(),
    )
    group = AxisValue(7, "Qualifier", "5", "New Technology Group 5")
    other = AxisValue(7, "Qualifier", "1", "Nonautologous")
    assert builder._qualifier(group, reading)[0] == 0.0
    assert builder._qualifier(other, reading)[0] < 0.0


@pytest.mark.parametrize(
    ("query", "diagnostic"),
    [
        ("lumbar puncture for CSF analysis", True),
        ("bone marrow aspirate for leukemia workup", True),
        ("thoracentesis, fluid sent for cytology", True),
        ("therapeutic and diagnostic thoracentesis", False),
        ("lumbar puncture with intrathecal chemotherapy", False),
    ],
)
def test_diagnostic_words(assistant: Assistant, query: str, diagnostic: bool) -> None:
    _, reading = _reading(assistant, query)
    assert reading.diagnostic is diagnostic


def test_imaging_that_guides_a_procedure_is_not_its_operation(assistant: Assistant) -> None:
    _, guided = _reading(assistant, "insertion of pacemaker lead under fluoroscopy")
    assert "insertion" in guided.operations and "fluoroscopy" not in guided.operations
    _, us = _reading(assistant, "right thoracentesis under real-time ultrasound guidance")
    assert "ultrasonography" not in us.operations
    _, ct = _reading(assistant, "CT-guided drainage of pelvic abscess")
    assert "drainage" in ct.operations


def test_therapeutic_and_diagnostic_is_searched_as_therapeutic() -> None:
    from assistant.query import analyze

    both = analyze("therapeutic and diagnostic thoracentesis", system="ICD-10-PCS")
    assert "diagnostic" not in both.expanded.lower()
    assert "diagnostic" in analyze("diagnostic thoracentesis", system="ICD-10-PCS").expanded


def test_a_stone_broken_up_and_taken_out_is_an_extirpation() -> None:
    from assistant.query import analyze

    def means(query: str) -> str:
        return " ".join(e.means.lower() for e in analyze(query, system="ICD-10-PCS").expansions)

    out = means(
        "ureteroscopy, laser lithotripsy of ureteral stone, fragments extracted with basket"
    )
    assert "extirpation" in out and "fragmentation" not in out
    assert "fragmentation" in means("laser lithotripsy of ureteral stone, fragments left to pass")


PERCUTANEOUS, OPEN = "Percutaneous Approach", "Open Approach"


def test_a_vessel_widened_or_given_a_device_is_reached_endovascularly_unless_said() -> None:
    from assistant.pcs.builder import Builder
    from corpus.pcs_axes import PcsTables

    titles = [
        ("06H00DZ", "Insertion of Intraluminal Device into Inferior Vena Cava, Open Approach"),
        ("06H03DZ", "Insertion of Intraluminal Device into Inferior Vena Cava, " + PERCUTANEOUS),
        ("02HA0QZ", "Insertion of Implantable Heart Assist System into Heart, Open Approach"),
        ("02HA3QZ", "Insertion of Implantable Heart Assist System into Heart, " + PERCUTANEOUS),
        ("02HA0RZ", "Insertion of Short-term External Heart Assist System into Heart, " + OPEN),
        ("02HK0JZ", "Insertion of Pacemaker Lead into Right Ventricle, Open Approach"),
        ("0FT40ZZ", "Resection of Gallbladder, Open Approach"),
        ("0FT43ZZ", "Resection of Gallbladder, Percutaneous Approach"),
    ]
    builder = Builder(PcsTables.build(titles))

    def fit(code: str, approach: str | None) -> float:
        return builder.fit(code, _bare_reading(approach)).total

    assert fit("06H03DZ", None) > fit("06H00DZ", None)
    assert fit("06H00DZ", "Open") > fit("06H03DZ", "Open")
    # a heart pump is sewn in through the chest: no endovascular reading, and the usual
    # approach of an implantable assist device (an LVAD) is Open
    assert builder.tables.axes("02HA3QZ")[5].meaning == "Implantable Heart Assist System"
    assert fit("02HA0QZ", None) > fit("02HA3QZ", None)
    assert fit("0FT43ZZ", None) == fit("0FT40ZZ", None)


def test_words_a_lay_term_renames_to_a_body_part_name_no_other_part(
    assistant: Assistant,
) -> None:
    """ "heart artery" is the Coronary Artery: its "heart" does not make the Heart said;
    a word the query uses again elsewhere still counts."""
    from assistant.pcs.reading import meaning_stems

    _, reading = _reading(assistant, "put a stent in one blocked heart artery")
    assert reading.said(meaning_stems("Heart")) == 0.0
    assert reading.said(meaning_stems("Coronary Artery, One Artery")) > 0.5
    _, both = _reading(assistant, "heart surgery and a stent in a heart artery")
    assert both.said(meaning_stems("Heart")) == 1.0
    # a term that rewords into a device keeps the words of the query ("cemented")
    _, cemented = _reading(assistant, "knee replacement, cemented")
    assert "cement" in cemented.stems


def test_a_stent_in_a_vessel_is_a_dilation_with_the_usual_approach(assistant: Assistant) -> None:
    assert _axes_choose(assistant, "put a stent in one blocked heart artery", "02") == "02703DZ"


def test_a_fluid_taken_out_is_drained() -> None:
    from assistant.query import analyze

    def ops(query: str) -> set[str]:
        return {e.means for e in analyze(query, system="ICD-10-PCS").expansions}

    assert "Drainage" in ops("they put a needle in my back to take out some spinal fluid")
    assert "Drainage" in ops("they removed the pus from my knee")
    assert "Drainage" not in ops("took out my gallbladder")


def test_the_query_s_own_approach_drops_a_term_s_other_approach() -> None:
    """ "percutaneous endoscopic approach": "endoscopic" is not also read as through a
    natural opening."""
    from assistant.query import analyze

    analysis = analyze("resection of uterus, percutaneous endoscopic approach", system="ICD-10-PCS")
    assert analysis.approach == "Percutaneous Endoscopic"
    assert "Via Natural or Artificial Opening Endoscopic" not in {
        e.means for e in analysis.expansions
    }


def test_a_part_seen_in_the_mouth_is_external_whatever_cut_or_way_is_named() -> None:
    from assistant.pcs.builder import Builder
    from corpus.pcs_axes import PcsTables

    titles = [
        ("0CTP0ZZ", "Resection of Tonsils, Open Approach"),
        ("0CTPXZZ", "Resection of Tonsils, External Approach"),
        ("0CTQ0ZZ", "Resection of Adenoids, Open Approach"),
        ("0CTQXZZ", "Resection of Adenoids, External Approach"),
    ]
    builder = Builder(PcsTables.build(titles))
    for approach in ("Open", "Via Natural or Artificial Opening", None):
        reading = _bare_reading(approach)
        assert builder.fit("0CTPXZZ", reading).total > builder.fit("0CTP0ZZ", reading).total


def test_a_tissue_graft_is_named_by_its_source_not_by_the_vessel_operated_on(
    assistant: Assistant,
) -> None:
    """ "side-of-artery anastomosis" names no "Autologous Arterial Tissue": the body part
    words of a tissue graft's name do not name the device; other devices keep theirs."""
    from assistant.pcs.reading import device_stems

    parts = frozenset({"arteri", "vein", "extern"})
    ops = frozenset({"bypass"})
    assert device_stems("Autologous Arterial Tissue", ops, parts) == frozenset({"autolog"})
    assert "extern" in device_stems("External Fixation Device", ops, parts)
    _, reading = _reading(assistant, "radiocephalic fistula, end-of-vein to side-of-artery")
    assert "arteri" in reading.part_words


def test_a_drain_left_in_goes_through_a_natural_opening_where_there_is_one() -> None:
    """No approach named: a chest tube is Percutaneous; a Foley (the bladder has a
    natural opening) is Via Natural or Artificial Opening."""
    from assistant.pcs.builder import Builder
    from corpus.pcs_axes import PcsTables

    pleura, bladder = "Drainage of Left Pleural Cavity", "Drainage of Bladder"
    titles = [
        ("0W9B00Z", f"{pleura} with Drainage Device, Open Approach"),
        ("0W9B30Z", f"{pleura} with Drainage Device, Percutaneous Approach"),
        ("0W9B40Z", f"{pleura} with Drainage Device, Percutaneous Endoscopic Approach"),
        ("0T9B00Z", f"{bladder} with Drainage Device, Open Approach"),
        ("0T9B30Z", f"{bladder} with Drainage Device, Percutaneous Approach"),
        ("0T9B70Z", f"{bladder} with Drainage Device, Via Natural or Artificial Opening"),
    ]
    builder = Builder(PcsTables.build(titles))
    reading = _bare_reading(None, device=True)
    fits = {code: builder.fit(code, reading).total for code, _ in titles}
    assert max(("0W9B00Z", "0W9B30Z", "0W9B40Z"), key=fits.__getitem__) == "0W9B30Z"
    assert max(("0T9B00Z", "0T9B30Z", "0T9B70Z"), key=fits.__getitem__) == "0T9B70Z"


def test_usual_approach_data_is_checked_against_the_code_set() -> None:
    from assistant.errors import KnowledgeError
    from assistant.knowledge.usual_approach import (
        by_table,
        load_usual_approaches,
        parse_usual_approaches,
        usual_approach,
    )
    from corpus.icd10pcs import parse_pcs

    entries = load_usual_approaches()
    codes = [r.code for r in parse_pcs()]
    for entry in entries:
        held = [c for c in codes if entry.holds(c)]
        # every entry speaks of real codes, and its approach is one they offer
        assert held, entry
        assert any(c[4] == entry.approach for c in held), entry
    tables = by_table(entries)
    found = usual_approach("0BH17EZ", tables)
    assert found is not None and found.approach == "7"  # an intubation: through the mouth
    assert usual_approach("0BH17DZ", tables) is None  # another device: no usual approach
    with pytest.raises(KnowledgeError):
        parse_usual_approaches({"version": 1, "entries": [{"table": "0B", "approach": "7"}]})


def test_the_usual_approach_decides_only_when_the_query_names_none(assistant: Assistant) -> None:
    from assistant.knowledge.usual_approach import UsualApproach

    builder = assistant.retriever.ranking.builder
    assert builder is not None
    saved = builder.usual
    builder.usual = {"0UB": (UsualApproach("0UB", "9", "", "0", "an example: uterus, open"),)}
    try:
        unsaid = _bare_reading(None)
        assert builder.fit("0UB90ZX", unsaid).total > builder.fit("0UB94ZX", unsaid).total
        said = _bare_reading("Percutaneous Endoscopic")
        assert builder.fit("0UB94ZX", said).total > builder.fit("0UB90ZX", said).total
    finally:
        builder.usual = saved


@pytest.mark.parametrize(
    ("query", "operation"),
    [
        # a reason names no part of the organ: the whole kidney is taken
        ("they took my left kidney out because of a tumor", "resection"),
        ("nephrectomy of the part with the tumor", "excision"),
        # a resection through the urethra or under the mucosa takes tissue only
        ("bilateral inferior turbinate submucous resection", "excision"),
        ("transurethral resection of the prostate", "excision"),
        # an acute clot evacuated is solid matter taken out; a chronic one let out drains
        ("craniotomy for evacuation of acute subdural hematoma", "extirpation"),
        ("burr hole drainage of chronic subdural hematoma", "drainage"),
    ],
)
def test_operation_words_follow_coding_rules(query: str, operation: str) -> None:
    from assistant.query import analyze

    analysis = analyze(query, system="ICD-10-PCS")
    said = " ".join([analysis.text, *(e.means for e in analysis.expansions)]).lower()
    assert operation in said
    other = {"resection": "excision", "excision": "resection"}.get(operation)
    if other:  # and not the other one
        assert not any(other in e.means.lower() for e in analysis.expansions)


def test_a_named_procedure_keeps_each_body_part_s_operation() -> None:
    from assistant.query import analyze

    # a Whipple is an Excision of the pancreas and a Resection of the duodenum
    means = [e.means.lower() for e in analyze("Whipple procedure", system="ICD-10-PCS").expansions]
    assert any(m.startswith("excision of pancreas") for m in means)
    assert any(m.startswith("resection of duodenum") for m in means)
    # senses naming both operations for one part leave it to the query ("gastrectomy")
    means = [e.means.lower() for e in analyze("gastrectomy", system="ICD-10-PCS").expansions]
    assert means and all(m.startswith("resection of stomach") for m in means)


@pytest.mark.parametrize(
    ("query", "approach"),
    [
        ("lap chole converted to open due to dense adhesions", "Open"),
        ("laparoscopic appendectomy, conversion to open", "Open"),
        ("ex lap, splenectomy", "Open"),
        ("lap chole", "Percutaneous Endoscopic"),
    ],
)
def test_a_procedure_converted_to_open_is_open(query: str, approach: str) -> None:
    from assistant.query import analyze

    assert analyze(query, system="ICD-10-PCS").approach == approach


def test_both_intents_named_apart_are_coded_as_therapeutic() -> None:
    from assistant.query import analyze
    from assistant.query_words import therapeutic_only

    text = "paracentesis (therapeutic), with diagnostic fluid studies"
    assert "diagnostic" not in therapeutic_only(text)
    assert therapeutic_only("diagnostic paracentesis") == "diagnostic paracentesis"
    assert "diagnostic" not in analyze(text, system="ICD-10-PCS").expanded.split(" studies")[0]


def test_lay_procedure_words_name_axes() -> None:
    from assistant.query import analyze

    def said(query: str) -> str:
        a = analyze(query, system="ICD-10-PCS")
        return " ".join([a.expanded, *(e.means for e in a.expansions)]).lower()

    # "left a stent" is the verb: no side
    stent = analyze("they opened a blocked heart artery and left a stent", system="ICD-10-PCS")
    assert stent.laterality is None and "left" not in stent.expanded.split()
    assert analyze("left open fracture of the tibia", system="ICD-10-PCS").laterality == "left"
    # a single artery named is One Artery; a count of vessels, as many arteries
    assert "one artery" in said("a blocked artery in my heart was stented")
    assert "three arteries" in said("three-vessel CABG")
    # a piece taken to be tested is a biopsy: a diagnostic Excision
    assert "excision, diagnostic" in said("they snipped a tiny piece of my stomach to test it")
    assert "excision, diagnostic" not in said("they took out a piece of my colon")


def test_a_volume_removed_is_fluid_drained() -> None:
    from assistant.query import analyze

    means = [
        e.means
        for e in analyze("therapeutic paracentesis, 5 L removed", system="ICD-10-PCS").expansions
    ]
    assert "Drainage" in means and "Removal" not in means


def test_a_root_at_a_spinal_level_is_that_level_s_nerve() -> None:
    from assistant.knowledge.body_part_key import general_parts, load_key

    assert "Lumbar Nerve" in general_parts("l4-5 laminotomy, l5 root decompressed", load_key())
    assert "Cervical Nerve" in general_parts("c6 nerve roots", load_key())


def test_a_biopsy_taken_is_a_diagnostic_excision_and_a_specimen_jar_no_insertion() -> None:
    from assistant.query import analyze

    text = "Four-quadrant biopsies were taken from the distal esophagus and placed in jar 1."
    means = [e.means for e in analyze(text, system="ICD-10-PCS").expansions]
    assert "excision, diagnostic" in means and "Insertion" not in means
    # marrow is drawn out: no Excision read into it
    marrow = analyze("bone marrow biopsy and aspirate obtained", system="ICD-10-PCS")
    assert "excision, diagnostic" not in [e.means for e in marrow.expansions]
