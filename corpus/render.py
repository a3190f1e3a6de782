"""Deterministic text rendering of code-set entries, with section offsets.

A code-set entry (title, inclusion terms, notes, axis meanings ...) has no file of
its own to point into, so its ``source_text`` is rendered here and the sections
record where each part lies in it::

    Mixed incontinence
    Inclusion terms:
    Urge and stress incontinence
    Other term
    Excludes1: one note on the label's line
"""

from __future__ import annotations

from collections.abc import Sequence

from corpus.records import Section


def render_entry(
    title: str, groups: Sequence[tuple[str, str, Sequence[str]]]
) -> tuple[str, tuple[Section, ...]]:
    """Render ``title`` and ``(section name, label, lines)`` groups.

    Returns the text and its sections; the first section is always ``title``.
    Empty groups are left out. Each group's section spans its lines only, not the label.
    """
    parts: list[str] = [title]
    sections: list[Section] = [Section("title", title, 0, len(title))]
    pos = len(title)
    for name, label, lines in groups:
        clean = [" ".join(line.split()) for line in lines]
        clean = [line for line in clean if line]
        if not clean:
            continue
        head = f"\n{label}: " if len(clean) == 1 else f"\n{label}:\n"
        body = "\n".join(clean)
        start = pos + len(head)
        parts.append(head + body)
        sections.append(Section(name, body, start, start + len(body)))
        pos = start + len(body)
    return "".join(parts), tuple(sections)
