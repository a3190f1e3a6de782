"""CPT pages: sections, descriptor table, boilerplate, manifest and bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from corpus.chunking import chunk_records
from corpus.documents import load_documents

BOILERPLATE = (
    "Create a free account",
    "Copyright",
    "©",
    "Log in",
    "Register",
    "CasePilot",
    "page views remaining",
    "Get instant expert-level",
    "Ask about",
    "Similar Codes",
)


@pytest.fixture(scope="module")
def seed_docs(seeds: Path):
    return load_documents(seeds)


def _record(docs, code):
    return next(r for r in docs.records if r.code == code)


def test_all_seed_pages_load_without_warnings(seed_docs) -> None:
    assert sorted(r.code for r in seed_docs.records) == [
        "64560",
        "64561",
        "64565",
        "64580",
        "64590",
    ]
    assert seed_docs.warnings == ()
    assert all(r.system == "CPT" for r in seed_docs.records)


def test_64580_descriptor_table(seed_docs) -> None:
    r = _record(seed_docs, "64580")
    assert r.title == "Open implantation of neurostimulator electrode array; neuromuscular"
    assert r.attributes["global_days"] == "090"
    assert r.attributes["global_days_description"] == "Major Surgery"
    assert r.attributes["mue"] == "2"
    assert r.attributes["multiple_procedures"] == "2"
    assert r.attributes["bilateral_surgery"] == "0"
    assert r.attributes["betos"] == "P6C"
    assert r.attributes["short_descriptor"] == "OPN IMPLTJ NEA NEUROMUSCULAR"
    mods = r.attributes["modifiers"].split(", ")
    assert mods == ["51", "58", "59", "80", "82", "GC", "LT", "RT", "XU"]
    assert r.attributes["modifier_RT"].startswith("Right side")
    assert "appending modifier 51" in r.attributes["modifier_51"]
    assert "Pre-1990 Added" in r.attributes["history"]
    names = [s.name for s in r.sections]
    assert names[:5] == [
        "official_descriptor",
        "lay_description",
        "indications",
        "procedure",
        "post_procedure",
    ]


def test_64565_code_from_manifest_and_lay_sections(seed_docs) -> None:
    r = _record(seed_docs, "64565")
    assert "64565" not in r.source_text  # the page never states its code
    assert r.title == "Percutaneous implantation of neurostimulator electrode array; neuromuscular"
    for name in (
        "summary",
        "indications",
        "preparation",
        "procedure",
        "risks",
        "recovery",
        "alternatives",
    ):
        assert r.section(name) is not None, name
    assert "Complex regional pain syndrome (CRPS)" in r.section("indications").text


def test_page_without_headings_gets_title_from_text(seed_docs) -> None:
    r = _record(seed_docs, "64561")
    assert r.title.lower().startswith("percutaneous implantation of a neurostimulator electrode")
    assert "urge incontinence" in r.section("description").text


def test_no_boilerplate_survives(seed_docs) -> None:
    chunks = list(chunk_records(seed_docs.records))
    texts = [s.text for r in seed_docs.records for s in r.sections] + [c.text for c in chunks]
    for text in texts:
        for bad in BOILERPLATE:
            assert bad.lower() not in text.lower(), (bad, text[:80])


def test_offsets_hold_for_sections_and_chunks(seed_docs) -> None:
    for r in seed_docs.records:
        raw = Path(r.source.location).read_bytes().decode("utf-8")
        assert raw == r.source_text
        for s in r.sections:
            assert raw[s.start : s.end] == s.text
    for c in chunk_records(seed_docs.records, max_tokens=40):
        raw = Path(c.source).read_bytes().decode("utf-8")
        assert raw[c.start : c.end] == c.text


def _copy_seeds(seeds: Path, tmp: Path) -> Path:
    folder = tmp / "docs"
    shutil.copytree(seeds, folder)
    return folder


def test_code_from_text_when_manifest_is_silent(seeds: Path, tmp_path: Path) -> None:
    folder = _copy_seeds(seeds, tmp_path)
    (folder / "manifest.json").unlink()
    docs = load_documents(folder)
    # 64565's page states no code: it is reported by name, the others load from their text.
    assert sorted(r.code for r in docs.records) == ["64560", "64561", "64580", "64590"]
    assert [w.path for w in docs.warnings] == [str(folder / "002_617403b804b8e430.txt")]
    assert "no code" in docs.warnings[0].message


def test_bad_inputs_warn_and_everything_else_loads(seeds: Path, tmp_path: Path) -> None:
    folder = _copy_seeds(seeds, tmp_path)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 10)
    (folder / "latin1.txt").write_bytes("CPT® Code 99999 caf\xe9".encode("latin-1"))
    (folder / "dupe.txt").write_text(
        "Official Description\n\nDuplicate page for CPT® Code 64580.\n"
    )
    (folder / "page.html").write_text(
        "<html><head><script>alert('x')</script><style>p{}</style></head><body>"
        "<nav>Home | Log in</nav><h1>Lumbar puncture</h1><p>CPT&reg; Code 62270 covers a "
        "diagnostic spinal puncture.</p><h2>Indications</h2><ul><li>Suspected meningitis</li>"
        "</ul><script>track()</script></body></html>"
    )
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["documents"].append({"file": "missing.txt", "system": "CPT", "code": "64999"})
    manifest["documents"].append({"file": "dupe.txt", "system": "CPT", "code": "64580"})
    (folder / "manifest.json").write_text(json.dumps(manifest))

    docs = load_documents(folder)
    by_path = {Path(w.path).name: w.message for w in docs.warnings}
    assert "empty" in by_path["empty.txt"]
    assert "binary" in by_path["binary.txt"]
    assert "UTF-8" in by_path["latin1.txt"]
    assert "missing" in by_path["missing.txt"]
    assert "already described by" in by_path["dupe.txt"]
    assert "002_617403b804b8e430.txt" not in by_path
    assert "2 <script>" in by_path["page.html"]
    codes = sorted(r.code for r in docs.records)
    assert codes == ["62270", "64560", "64561", "64565", "64580", "64590"]
    html = next(r for r in docs.records if r.code == "62270")
    assert html.title == "Lumbar puncture"
    assert "alert" not in html.source_text and "track()" not in html.source_text
    assert "Log in" not in html.source_text
    assert html.section("indications").text == "• Suspected meningitis"
    # the 64580 kept is the seed page, not the duplicate
    assert "Duplicate" not in next(r for r in docs.records if r.code == "64580").source_text


def test_malformed_manifest_is_reported(seeds: Path, tmp_path: Path) -> None:
    folder = _copy_seeds(seeds, tmp_path)
    (folder / "manifest.json").write_text("{not json")
    docs = load_documents(folder)
    assert any(Path(w.path).name == "manifest.json" for w in docs.warnings)
    assert len(docs.records) == 4  # 64565 needs the manifest


def test_markdown_document_one_section_per_heading(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(
        "# Knee arthroscopy\n\nCPT® Code 29881 describes knee arthroscopy with meniscectomy.\n\n"
        "## Indications\n\nTorn meniscus. Mechanical symptoms.\n\n## Risks\n\nInfection.\n"
    )
    docs = load_documents(tmp_path)
    (r,) = docs.records
    assert r.code == "29881" and r.title == "Knee arthroscopy"
    assert [s.name for s in r.sections] == ["description", "indications", "risks"]
    assert r.section("risks").text == "Infection."
