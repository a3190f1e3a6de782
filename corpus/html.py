"""HTML -> plain text with Markdown-style headings, for HTML documents.

The rendered text is what an HTML document's offsets point into: it is a pure
function of the file, so ``html_to_text(file)[start:end] == chunk.text`` holds.
Scripts, styles and page chrome (nav, header, footer, forms) are dropped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_SKIP = frozenset({"script", "style", "noscript", "nav", "header", "footer", "form", "template"})
_BLOCK = frozenset(
    {
        "p",
        "div",
        "section",
        "article",
        "main",
        "br",
        "tr",
        "table",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "blockquote",
        "pre",
        "hr",
        "td",
        "th",
    }
)
_HEADINGS = {f"h{i}": i for i in range(1, 7)}


class _Renderer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts += 1
        if tag in _SKIP:
            self.skip_depth += 1
        elif tag in _HEADINGS:
            self.parts.append("\n\n" + "#" * _HEADINGS[tag] + " ")
        elif tag == "li":
            self.parts.append("\n• ")
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _HEADINGS or tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(" ".join(data.split()) if data.strip() else " ")


def html_to_text(html: str) -> tuple[str, int]:
    """The rendered text and the number of ``<script>`` elements removed."""
    renderer = _Renderer()
    renderer.feed(html)
    tail = renderer.rawdata
    if tail.startswith("<!--") or re.match(r"</?[A-Za-z]", tail):
        # an unterminated comment or tag at the end of the file: per the HTML spec a comment
        # runs to the end and a cut tag is dropped (HTMLParser would emit them as text)
        renderer.rawdata = ""
    renderer.close()
    lines = [" ".join(line.split()) for line in "".join(renderer.parts).split("\n")]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip() + "\n", renderer.scripts
