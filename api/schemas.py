"""Request and response models of the HTTP API (pydantic lives here, at the edge only).

The response models are read from the assistant's dataclasses by attribute name
(``api.serialize``), so a field here is the dataclass field of the same name.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from corpus.limits import MAX_TURNS


class ErrorBody(BaseModel):
    type: str = Field(description="error class, e.g. invalid_request, not_found")
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


class CitationSourceOut(BaseModel):
    """A passage's source as a reader names it (no server path)."""

    code_set: str
    edition: str
    code: str
    part: str = Field(description="the part of the entry: title, inclusion_terms, notes ...")
    document: str | None = Field(
        default=None, description="a user's document: its file name in the documents folder"
    )


class CitationOut(BaseModel):
    text: str = Field(
        description="the cited passage: the source record's source_text[start:end] == text"
    )
    source: CitationSourceOut
    section: str
    start: int
    end: int


class RelatedOut(BaseModel):
    relation: str
    code: str
    title: str
    note: str | None = None


class CodeResultOut(BaseModel):
    code: str
    system: str
    title: str
    score: float
    billable: bool
    match: str
    notes: list[str]
    related: list[RelatedOut]
    citations: list[CitationOut]
    similarity: float
    confidence: float = Field(
        description="estimated chance that this is the right code for the query (calibrated "
        "on a dev set; 1.0 for a code number typed in the query)"
    )
    parents: list[AncestorOut] = Field(description="the chapter, block and categories above it")
    instructions: list[InstructionOut] = Field(
        description="instructional notes of the code and its categories"
    )


class InstructionOut(BaseModel):
    kind: str = Field(description="excludes1, excludes2, code_first, use_additional_code, ...")
    text: str
    codes: list[str] = Field(description="the codes or ranges the note names")
    inherited_from: str | None = Field(description="the category the note belongs to")


class AncestorOut(BaseModel):
    code: str
    title: str
    level: str


class ExpansionOut(BaseModel):
    """Words added to the query: ``term`` (``query[start:end]``) understood as ``means``."""

    term: str
    means: str
    kind: str
    source: str
    start: int
    end: int


class SearchOut(BaseModel):
    query: str
    expansions: list[ExpansionOut]
    results: list[CodeResultOut]
    no_confident_match: bool = Field(
        description="no result reaches confidence 0.5: nothing is presented as a match"
    )


class AxisChoiceOut(BaseModel):
    value: str
    meaning: str


class AxisOut(BaseModel):
    """One of the seven characters of an ICD-10-PCS code."""

    position: int
    name: str
    value: str
    meaning: str
    determined_by: str | None = Field(
        default=None, description="the query words that decided it (builder only)"
    )
    choices: list[AxisChoiceOut] | None = Field(
        default=None, description="the valid values when the query leaves the axis open"
    )


class PcsBuildOut(BaseModel):
    query: str
    code: str | None = Field(description="the best code, or null when none was built")
    axes: list[AxisOut]
    open_axes: list[int] = Field(description="positions the query leaves open")
    codes: list[CodeResultOut]


class ParentOut(BaseModel):
    code: str
    title: str
    level: str


class SectionOut(BaseModel):
    name: str
    text: str
    start: int
    end: int


class SourceOut(BaseModel):
    """Where a record came from, as a reader names it (a file name, never a path)."""

    kind: str
    label: str
    version: str


class RecordOut(BaseModel):
    code: str
    system: str
    title: str
    billable: bool
    parents: list[ParentOut]
    sections: list[SectionOut]
    attributes: dict[str, str]
    source: SourceOut
    axes: list[AxisOut] | None = Field(
        default=None, description="ICD-10-PCS: the seven characters with their meanings"
    )


class SuggestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(description="the operative note (plain text)")


class EvidenceOut(BaseModel):
    start: int
    end: int
    text: str = Field(description="note[start:end]")
    section: str


class SuggestionOut(BaseModel):
    """A recommended code: its evidence in the note, the rule used, its confidence."""

    code: str
    system: str
    title: str
    score: float
    confidence: float
    rationale: str = Field(description="the coding rule that made this code")
    notes: list[str]
    evidence: list[EvidenceOut]
    citations: list[CitationOut]
    related: list[RelatedOut]


class AlternativeOut(BaseModel):
    """A code considered and not recommended."""

    code: str
    system: str
    title: str
    confidence: float
    why: str
    evidence: list[EvidenceOut]


class ExcludedOut(BaseModel):
    start: int
    end: int
    text: str
    section: str
    reason: str


class SuggestOut(BaseModel):
    statements: int
    setting: str = Field(description="inpatient or outpatient, as read from the note")
    recommended: list[SuggestionOut]
    alternatives: list[AlternativeOut]
    excluded: list[ExcludedOut] = Field(
        description="statements coded nothing: negated, uncertain (outpatient), family, "
        "planned or not performed, superseded"
    )


class SystemStats(BaseModel):
    codes: int
    billable: int
    version: str


class StatsOut(BaseModel):
    systems: dict[str, SystemStats]
    records: int
    chunks: int
    model: str
    backend: str
    index_version: str
    loaded_at: str


class HealthOut(BaseModel):
    status: str
    index_version: str | None = None
    pid: int = Field(description="the process that answered (one of them with --workers N)")


class ReloadOut(BaseModel):
    index_version: str
    previous_version: str | None


# -- OpenAI-compatible chat completions ----------------------------------------------------


class ContentPart(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(p.text for p in self.content if p.type == "text" and p.text)
        return self.content or ""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="allow")  # temperature, max_tokens, ... are accepted
    model: str | None = None
    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_TURNS)
    stream: bool = False
    system: str | None = Field(None, description="medcode extension: restrict to one system")


class ChatChoiceMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class ChatChoice(BaseModel):
    index: int
    message: ChatChoiceMessage
    finish_reason: Literal["stop"] = "stop"


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatSource(BaseModel):
    number: int
    code: str
    system: str
    citation: CitationOut


class ChatCode(BaseModel):
    code: str
    system: str
    title: str
    score: float


class MedcodeExtras(BaseModel):
    query: str
    system: str | None
    codes: list[ChatCode] = Field(validation_alias=AliasChoices("codes", "results"))
    sources: list[ChatSource]


class ChatResponse(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage
    medcode: MedcodeExtras
