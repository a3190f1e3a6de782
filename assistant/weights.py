"""Every tuning number of search in one place: one frozen object the stages read and the
evaluation can sweep (``dataclasses.replace(WEIGHTS, side_match=0.1)``).

Score adjustments are in units of the fused retrieval score, which lies in [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Weights:
    # -- retrieve: candidate pools -----------------------------------------------------
    dense_candidates: int = 64  # nearest vectors (x4 when one code set is searched)
    lexical_candidates: int = 100  # best BM25 chunks
    # -- fuse --------------------------------------------------------------------------
    dense_weight: float = 0.5  # convex fusion: share of the (min-max scaled) cosine
    rrf_k: int = 60  # rank fusion constant (the "rrf" mode only)
    rerank_candidates: int = 150  # codes that go on to the convention stage
    # -- conventions: qualifiers read from the query and the code title -----------------
    side_match: float = 0.08
    side_conflict: float = -0.15
    side_open_conflict: float = -0.08  # a title leaving the side open when the query names one
    encounter_match: float = 0.04
    encounter_conflict: float = -0.08  # also: a 7th character other than the default
    approach_match: float = 0.1
    approach_conflict: float = -0.1
    # mutually exclusive qualifiers (rules/qualifiers.json): type, acuity, stage, ...
    qualifier_agree: float = 0.03
    qualifier_conflict: float = -0.12
    qualifier_non_default: float = -0.05  # a non-default value the query did not ask for
    qualifier_unmatched: float = -0.03  # the query names a value the title does not say
    # "without X" in a title when the query names X (or "with X" when it says without)
    with_without_conflict: float = -0.1
    number_in_range: float = 0.05  # a title's range of values holds a number of the query
    number_out_of_range: float = -0.05  # ... holds none of them
    with_without_agree: float = 0.1  # "no X" in the query, "NonX ..." in the title
    with_unsaid: float = -0.08  # "with X" in a title when the query does not name X
    # the query is one of the code's index terms: as reworded by the lexicon, as written
    term_exact: float = 0.15
    term_exact_written: float = 0.45
    # a symptom code (R00-R99) when the query states a diagnosis ("dx:", "c/w")
    symptom_with_diagnosis: float = -0.1
    gate_unmet: float = -0.5  # a code family the query gives no ground for (gates)
    external_cause_secondary: float = -0.1  # an external cause when an injury is named
    drug_use_secondary: float = -0.1  # Z79 below the condition a query states
    place_secondary: float = -0.1  # Y92 below the cause or injury a query names
    perinatal_first: float = 0.1  # a chapter 16 code for a query about a newborn
    # an "Other ..." / NEC code when the query does not say "other"
    residual_title: float = -0.06
    # a title term the query did not ask for (so an unspecific query meets the
    # unspecified code), counted up to ``coverage_max_terms``
    coverage_per_term: float = -0.012
    coverage_max_terms: int = 8
    # a word of the query (as written or reworded, whichever fits better) that none of
    # the code's names contains
    missing_per_term: float = -0.02
    # -- conventions: a non-billable code resolved to its best billable child ------------
    resolve_candidates: int = 25
    resolve_max_children: int = 300  # larger families: the children retrieval found
    resolved_child_gap: float = 0.01  # the child scores its parent's score minus this
    resolved_parent_gap: float = 0.05  # the parent stays, this far below
    child_lexical_tiebreak: float = 0.001  # children that fit equally: by BM25
    # -- conventions: the default (unspecified) child when the query says nothing more ----
    default_candidates: int = 20  # leading codes whose categories are checked
    default_child: float = 0.05
    # leading codes whose categories take their default child even when the query says
    # more, as long as it names none of the words that tell the category's children apart
    default_leading: int = 1
    # a title leaving unspecified what the query names (a word only other codes of the
    # category say: "femoral" against "unspecified deep veins")
    unspecified_said: float = -0.05
    sided_sibling: float = 0.02  # the sibling of the side named, above the side-open code
    excludes1_redirect: float = 0.02  # the code an Excludes1 "with X (code)" line names
    code_first_combination: float = 0.02  # the combination code a "Code first" line names
    # -- ICD-10-PCS: axes of each code against what the query says (assistant/pcs) ------
    pcs_tables: int = 4  # leading tables whose every valid code is scored
    pcs_table_margin: float = 0.2  # ... within this much of the best retrieved PCS code
    pcs_sibling_gap: float = 0.05  # a code not retrieved starts this far below its table
    pcs_named_table_gap: float = 0.1  # a table named (not retrieved): below the best table
    pcs_named_table_strength: float = 0.5  # ... named by an operation read this firmly
    pcs_own_share: float = 0.5  # a code starts at this share of its own retrieval score,
    pcs_part_share: float = 0.0  # this share of its body part's best, the rest from its
    # table's best
    pcs_operation_match: float = 0.1  # the root operation is one the query names
    pcs_operation_conflict: float = -0.05  # ... the query names others only
    pcs_body_part: float = 0.24  # times the share of the body part's words said
    pcs_body_part_missing: float = -0.08  # none of them said
    # share said of a general value ("Lower Intestinal Tract") that holds a part the query
    # names ("sigmoid colon"), where the table offers nothing named better
    pcs_body_part_within: float = 0.7
    pcs_approach_match: float = 0.1
    pcs_approach_conflict: float = -0.1
    pcs_open_unsaid: float = -0.05  # Open in a non-surgical section, no approach named
    pcs_orifice_external: float = 0.05  # External for a part seen in the mouth, none named
    pcs_endovascular_usual: float = 0.02  # Percutaneous for a device or dilation in a vessel
    # the approach a procedure is usually done by, when none is named; another approach
    pcs_usual_approach: float = 0.05
    pcs_unusual_approach: float = -0.05
    # External for a measurement or monitoring when the query names no way in (an EKG)
    pcs_measurement_external: float = 0.05
    pcs_duration_match: float = 0.1  # a duration value that holds the hours stated
    pcs_duration_conflict: float = -0.1  # ... that does not
    pcs_contrast_match: float = 0.1  # imaging contrast (or with and without) as the query says
    pcs_contrast_conflict: float = -0.1  # ... otherwise
    pcs_device: float = 0.08  # times the share of the device's words said
    pcs_device_unnamed: float = -0.03  # "No Device" when the query names a device
    pcs_device_unasked: float = -0.1  # a device the query does not name
    pcs_qualifier: float = 0.06  # times the share of the qualifier's words said
    # a qualifier of this many words or more (naming no body part) counts only when the
    # query says this share of them
    pcs_qualifier_several: int = 3
    pcs_qualifier_min_share: float = 0.5
    pcs_qualifier_unasked: float = -0.1  # "Diagnostic" unasked, or asked and missing
    pcs_qualifier_other: float = -0.12  # another qualifier the query does not name
    pcs_open_margin: float = 0.05  # a rival this close leaves its differing axis open
    # -- conventions: Excludes1 -------------------------------------------------------
    # a code that an Excludes1 note of a better-ranked code rules out (or the reverse)
    excludes1_demotion: float = -0.1
    excludes1_window: int = 30  # how many leading codes are checked for such pairs
    # -- cite --------------------------------------------------------------------------
    citations_per_result: int = 2


WEIGHTS = Weights()


@dataclass(frozen=True)
class NoteWeights:
    """Coding a note: the confidence a statement's best code needs to be recommended."""

    candidates: int = 5  # codes searched per statement (the next ones feed companions)
    filtered_candidates: int = 20  # ... when only some codes count (Z79, external causes)
    diagnosis_threshold: float = 0.5  # a diagnosis section's statement
    part_threshold: float = 0.55  # one condition of a line that names two
    history_threshold: float = 0.5  # a history list's condition, a personal-history code
    # a history code is worded with the group of the condition's own code when that code
    # is found with at least this confidence (assistant.note_history)
    history_group_confidence: float = 0.3
    treated_threshold: float = 0.4  # a chronic condition under treatment in narrative text
    procedure_threshold: float = 0.3  # a procedure statement
    # an external cause (how, where, doing what) of an injury the note describes: the best
    # code of its family, whose confidence is that of a code among all codes, hence low
    external_cause_threshold: float = 0.4
    companion_threshold: float = 0.2  # a code a "use additional code" note asks for
    # a diagnosis code (chapters A-T) whose names (its own and its categories') share less
    # than this share of their words with the statement is about something else
    min_words_said: float = 0.34
    alternative_floor: float = 0.1  # less likely codes are not listed as alternatives


NOTE_WEIGHTS = NoteWeights()
