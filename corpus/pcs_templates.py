"""Axis meanings read from the pattern of a title, for the values that
:func:`corpus.pcs_axes.derive_meanings` cannot tell by difference (a value that never
varies within its table). Administration and New Technology titles follow fixed forms:

- "Introduction of <substance> into <body part>, <approach> Approach[, <qualifier>]"
  (also Transfusion, Irrigation);
- "<operation> of <body part> using <device or technology>, <approach> Approach[,
  <qualifier>]".

Only meanings still empty are filled; each key a title fills is shared by the codes of its
table with the same character, as the tables define.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

Key = tuple[str, int, str]

_INTO = re.compile(
    r"^(?:Introduction|Transfusion|Irrigation) of (?P<p6>.+?) into (?P<p4>.+?), "
    r"(?P<p5>[^,]+?) Approach(?:, (?P<p7>.+))?$"
)
_USING = re.compile(
    r"^\w[\w ]*? of (?P<p4>.+?) using (?P<p6>.+?), (?P<p5>[^,]+?) Approach(?:, (?P<p7>.+))?$"
)
SECTIONS = "3X"  # Administration, New Technology


def fill_from_templates(
    titles: Mapping[str, str],
    meanings: dict[Key, str],
    key_of: Callable[[str, int], Key],
) -> int:
    """Fill empty meanings of positions 4, 6 and 7 from the titles' forms; returns how
    many were filled."""
    filled = 0
    for code, title in sorted(titles.items()):
        if code[0] not in SECTIONS:
            continue
        m = _INTO.match(title) or _USING.match(title)
        if m is None:
            continue
        values = {p: (m.group(f"p{p}") or "").strip() for p in (4, 6, 7)}
        qualifier = meanings.get(key_of(code, 7), "") or values[7]
        if code[6] != "Z" and not qualifier:
            # a qualifier the title does not set apart ("Other Thrombolytic" may be the
            # substance or its qualifier): neither is told
            values[6] = values[7] = ""
        if qualifier and values[6].startswith(qualifier + " "):
            # "Nonautologous 4-Factor Prothrombin Complex Concentrate": the qualifier
            # (Nonautologous) leads the substance's words
            values[6] = values[6][len(qualifier) + 1 :]
        for p, value in values.items():
            key = key_of(code, p)
            if value and not meanings.get(key):
                meanings[key] = value
                filled += 1
    return filled
