"""Canonical code forms and recognition of code numbers in free text.

``N3941``, ``n39.41`` and ``N39.41`` are the same ICD-10-CM code; ``01hy3mz`` is
ICD-10-PCS ``01HY3MZ``; ``64561`` is CPT; ``E0745`` is HCPCS Level II.
"""

from __future__ import annotations

import re

from corpus.records import System

_CM = re.compile(r"^[A-Z][0-9][0-9A-Z](?:[0-9A-Z]{1,4})?$")
_PCS = re.compile(r"^[0-9A-HJ-NP-Z]{7}$")
_CPT = re.compile(r"^(?:[0-9]{5}|[0-9]{4}[FTU])$")
# HCPCS Level II: a letter (A-V without F, I, N, O; D is the dental section) and 4 digits
HCPCS_CODE = re.compile(r"^[A-EGHJ-MP-V][0-9]{4}$")

# A token that may be a code number inside a query.
CODE_TOKEN = re.compile(r"\b[A-Za-z0-9]{3}(?:\.[A-Za-z0-9]{1,4}|[A-Za-z0-9]{0,4})\b")


def _compact(raw: str) -> str:
    return re.sub(r"[\s.\-]", "", raw).upper()


def format_cm(compact: str) -> str:
    """``N3941`` -> ``N39.41``; three-character categories have no dot."""
    return compact if len(compact) <= 3 else f"{compact[:3]}.{compact[3:]}"


def normalize_code(system: System, raw: str) -> str:
    """The canonical form of ``raw`` in ``system``; raises ValueError if it cannot be one."""
    compact = _compact(raw)
    if system == "ICD-10-CM" and _CM.match(compact):
        return format_cm(compact)
    if system == "ICD-10-PCS" and _PCS.match(compact):
        return compact
    if system == "CPT" and _CPT.match(compact):
        return compact
    if system == "HCPCS" and HCPCS_CODE.match(compact):
        return compact
    raise ValueError(f"{raw!r} is not a valid {system} code")


def candidate_codes(raw: str) -> list[tuple[System, str]]:
    """Every (system, canonical code) that ``raw`` could denote, most specific first."""
    compact = _compact(raw)
    out: list[tuple[System, str]] = []
    if _CPT.match(compact):
        out.append(("CPT", compact))
    if HCPCS_CODE.match(compact):
        out.append(("HCPCS", compact))
    if _PCS.match(compact) and any(c.isdigit() for c in compact):
        out.append(("ICD-10-PCS", compact))
    if _CM.match(compact) and not compact.isdigit():
        out.append(("ICD-10-CM", format_cm(compact)))
    return out
