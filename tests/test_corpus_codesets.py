"""ICD-10-CM, ICD-10-PCS and HCPCS parsers on small real-format fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpus.chunking import chunk_record
from corpus.codes import candidate_codes, normalize_code
from corpus.errors import SourceFormatError, SourceNotFoundError
from corpus.hcpcs import parse_hcpcs
from corpus.icd10cm import parse_tabular
from corpus.icd10pcs import parse_pcs


@pytest.fixture(scope="module")
def cm(fixtures: Path):
    return {r.code: r for r in parse_tabular(fixtures / "cm" / "icd10cm-tabular-mini.xml")}


def test_cm_excludes_and_hierarchy(cm) -> None:
    r = cm["N39.41"]
    assert r.title == "Urge incontinence" and r.billable
    assert r.section_texts("excludes1") == ["mixed incontinence (N39.46)"]
    assert [p.code for p in r.parents] == ["14", "N30-N39", "N39", "N39.4"]
    assert [p.level for p in r.parents] == ["chapter", "block", "category", "subcategory"]
    assert not cm["N39.4"].billable and not cm["N39"].billable
    assert cm["N39.4"].section_texts("code_also") == ["any associated overactive bladder (N32.81)"]
    assert cm["N39.0"].section_texts("use_additional_code")[0].startswith("code to identify")
    assert cm["N39.42"].section_texts("inclusion_terms") == ["Insensible (urinary) incontinence"]


def test_cm_seventh_characters(cm) -> None:
    r = cm["S72.001A"]
    assert r.billable and not cm["S72.001"].billable
    assert r.title.endswith(", initial encounter for closed fracture")
    assert r.attributes["seventh_character"] == "A - initial encounter for closed fracture"
    assert r.parents[-1].code == "S72.001"
    assert "S72.002D" in cm
    # placeholder X fills short codes; deaths before regaining consciousness take A only
    assert {"S06.1XAA", "S06.1XAD", "S06.1XAS", "S06.1X7A"} <= set(cm)
    assert "S06.1X7D" not in cm and "S06.1X7S" not in cm


def test_cm_section_offsets_hold(cm) -> None:
    for r in cm.values():
        for s in r.sections:
            assert r.source_text[s.start : s.end] == s.text
        (chunk,) = chunk_record(r)
        assert r.source_text[chunk.start : chunk.end] == chunk.text
        assert "Excludes" not in chunk.text  # negative notes are citable, never embedded


def test_cm_inclusion_terms_can_be_held_out(fixtures: Path) -> None:
    held = {"N39.46": {"Urge and stress incontinence"}}
    recs = {
        r.code: r
        for r in parse_tabular(fixtures / "cm" / "icd10cm-tabular-mini.xml", exclude_terms=held)
    }
    assert recs["N39.46"].section_texts("inclusion_terms") == []
    assert "Urge and stress" not in recs["N39.46"].source_text


def test_cm_malformed_and_missing(fixtures: Path, tmp_path: Path) -> None:
    with pytest.raises(SourceFormatError, match=r"cm_malformed\.xml"):
        list(parse_tabular(fixtures / "cm_malformed.xml"))
    with pytest.raises(SourceNotFoundError):
        list(parse_tabular(tmp_path / "nope.xml"))
    other = tmp_path / "other.xml"
    other.write_text("<?xml version='1.0'?><catalog/>")
    with pytest.raises(SourceFormatError, match="not an ICD-10-CM tabular"):
        list(parse_tabular(other))


def test_pcs_order_file_with_axes(fixtures: Path) -> None:
    recs = {r.code: r for r in parse_pcs(fixtures / "icd10pcs_order_2026.txt")}
    assert sorted(recs) == ["01HY0MZ", "01HY3MZ", "0FT40ZZ", "0FT44ZZ", "BW00ZZZ"]
    r = recs["01HY3MZ"]
    assert (
        r.title == "Insertion of Neurostimulator Lead into Peripheral Nerve, Percutaneous Approach"
    )
    assert r.source.version == "FY2026"
    a = r.attributes
    assert (a["section"], a["body_system"], a["root_operation"]) == (
        "Medical and Surgical",
        "Peripheral Nervous System",
        "Insertion",
    )
    assert (a["body_part"], a["approach"], a["device"], a["qualifier"]) == (
        "Peripheral Nerve",
        "Percutaneous",
        "Neurostimulator Lead",
        "No Qualifier",
    )
    assert a["root_operation_definition"].startswith("Putting in a nonbiological appliance")
    assert [p.code for p in r.parents] == ["0", "01", "01H"]
    assert recs["0FT44ZZ"].attributes["approach"] == "Percutaneous Endoscopic"
    # sections without axis data still name their section
    assert recs["BW00ZZZ"].attributes["section"] == "Imaging"
    for rec in recs.values():
        for s in rec.sections:
            assert rec.source_text[s.start : s.end] == s.text


def test_pcs_without_axis_data(fixtures: Path) -> None:
    recs = {
        r.code: r for r in parse_pcs(fixtures / "icd10pcs_order_2026.txt", use_default_axes=False)
    }
    assert recs["01HY3MZ"].attributes == {"section": "Medical and Surgical"}


def test_pcs_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "pcs.txt"
    bad.write_text("this is not a code file\n")
    with pytest.raises(SourceFormatError, match="no ICD-10-PCS codes"):
        list(parse_pcs(bad, use_default_axes=False))


def test_hcpcs_release_file(fixtures: Path) -> None:
    recs = {r.code: r for r in parse_hcpcs(fixtures / "HCPC2026_JAN_ANWEB_mini.txt")}
    assert sorted(recs) == ["A4216", "E0745", "G0001", "L8680", "L8685"]  # modifier RT skipped
    r = recs["L8685"]
    assert r.title == (
        "Implantable neurostimulator pulse generator, single array, rechargeable, "
        "includes extension"
    )
    assert r.attributes["short_descriptor"] == "Implt nrostm pls gen sng rec"
    assert r.attributes["betos"] == "P7A"
    assert r.source.version == "2026"
    assert not recs["G0001"].billable and recs["G0001"].attributes["terminated"] == "20041231"
    assert recs["E0745"].parents[0].title == "Durable medical equipment"


def test_hcpcs_rejects_other_files(tmp_path: Path) -> None:
    bad = tmp_path / "h.txt"
    bad.write_text("hello world, this is not HCPCS\n")
    with pytest.raises(SourceFormatError):
        list(parse_hcpcs(bad))


@pytest.mark.parametrize(
    ("system", "raw", "canonical"),
    [
        ("ICD-10-CM", "N3941", "N39.41"),
        ("ICD-10-CM", "n39.41", "N39.41"),
        ("ICD-10-CM", "s72.001a", "S72.001A"),
        ("ICD-10-CM", "N39", "N39"),
        ("ICD-10-PCS", "01hy3mz", "01HY3MZ"),
        ("CPT", "64561", "64561"),
        ("CPT", "0213t", "0213T"),
        ("HCPCS", "e0745", "E0745"),
    ],
)
def test_normalize_code(system, raw, canonical) -> None:
    assert normalize_code(system, raw) == canonical


def test_normalize_code_rejects() -> None:
    with pytest.raises(ValueError):
        normalize_code("ICD-10-PCS", "01HI3MZ")  # PCS never uses I or O
    with pytest.raises(ValueError):
        normalize_code("CPT", "6456")


def test_candidate_codes() -> None:
    assert candidate_codes("n3941") == [("ICD-10-CM", "N39.41")]
    assert candidate_codes("64561") == [("CPT", "64561")]
    assert candidate_codes("01hy3mz") == [("ICD-10-PCS", "01HY3MZ")]
    assert ("HCPCS", "E0745") in candidate_codes("E0745")
    assert candidate_codes("knee") == []
