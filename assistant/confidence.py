"""Stage "calibrate": the chance that a result is the right code for the query.

Logistic models over a few signals of each result (its adjusted score, cosine, distance to
the best and the next result, rank, an exact index-term match, how much of the query the
code's names cover, how much of the query is known vocabulary) is fitted on a dev set with
``medcode calibrate`` (``fit``) and stored as plain JSON with the stamp of what it was
fitted against. A query with no medical meaning gets low confidences everywhere, and a
response whose best confidence is below ``CONFIDENT`` says "no confident match".
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import KnowledgeError

CALIBRATION_FILE = "calibration.json"
CONFIDENT = 0.5  # results at or above this are presented as matches
FEATURES = (
    "score",
    "similarity",
    "gap_to_top",
    "margin",
    "inverse_rank",
    "term_exact",
    "coverage",
    "query_known",
)
L2 = 1.0  # ridge penalty of the fit (on standardized signals)


@dataclass(frozen=True)
class Signals:
    """What is known about one result when its confidence is estimated."""

    score: float  # the adjusted score (conventions applied), in about [0, 1.5]
    similarity: float  # cosine of the query and the code's best passage
    gap_to_top: float  # best score of the response minus this one
    margin: float  # this score minus the next result's (0 for the last)
    inverse_rank: float  # 1 / rank
    term_exact: float  # 1.0 when the query is one of the code's index terms
    coverage: float  # share of the query's content words that the code's names contain
    query_known: float  # share of the query's words that are medical vocabulary

    def vector(self) -> list[float]:
        return [float(getattr(self, name)) for name in FEATURES]


@dataclass(frozen=True)
class Model:
    """Logistic model: p = sigmoid(intercept + sum(coef * (x - mean) / scale))."""

    coef: tuple[float, ...]
    intercept: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    n: int = 0

    def probability(self, signals: Signals) -> float:
        x = signals.vector()
        z = self.intercept + sum(
            c * (v - m) / s for c, v, m, s in zip(self.coef, x, self.mean, self.scale, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    @classmethod
    def from_json(cls, data: Any, name: str) -> Model:
        n = len(FEATURES)
        coef, mean, scale = (tuple(float(v) for v in data[k]) for k in ("coef", "mean", "scale"))
        if not (len(coef) == len(mean) == len(scale) == n) or min(scale) <= 0:
            raise KnowledgeError(f"{name}: coefficients do not match the features")
        return cls(coef, float(data["intercept"]), mean, scale, int(data["n"]))


@dataclass(frozen=True)
class Calibrator:
    """Two logistic models: one for the answer (the first result of its code set), which
    is what a user acts on and what "no confident match" reads, and one for the
    alternatives below it."""

    answer: Model
    alternatives: Model
    fitted_on: str = ""  # what it was fitted against: data set, index, model

    @classmethod
    def uninformed(cls) -> Calibrator:
        """0.5 for every result: what fitting starts from (it needs no calibration)."""
        n = len(FEATURES)
        flat = Model((0.0,) * n, 0.0, (0.0,) * n, (1.0,) * n)
        return cls(flat, flat, "uninformed")

    def confidence(self, signals: Signals) -> float:
        model = self.answer if signals.inverse_rank >= 1.0 else self.alternatives
        return model.probability(signals)

    def to_json(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "fitted_on": self.fitted_on,
            "answer": asdict(self.answer),
            "alternatives": asdict(self.alternatives),
        }

    @classmethod
    def from_json(cls, data: Any, name: str = CALIBRATION_FILE) -> Calibrator:
        try:
            if list(data["features"]) != list(FEATURES):
                raise KnowledgeError(
                    f"{name}: fitted on features {data['features']}, not {list(FEATURES)}; "
                    "refit with `medcode calibrate`"
                )
            return cls(
                Model.from_json(data["answer"], name),
                Model.from_json(data["alternatives"], name),
                str(data["fitted_on"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise KnowledgeError(f"{name}: not a calibration file ({exc})") from exc


def fit(rows: Sequence[Signals], labels: Sequence[bool], fitted_on: str = "") -> Calibrator:
    """The answer model on the first results, the alternatives' on all the others."""
    first = [i for i, r in enumerate(rows) if r.inverse_rank >= 1.0]
    rest = [i for i, r in enumerate(rows) if r.inverse_rank < 1.0]
    if not first or not rest:
        raise ValueError("fit needs first results and results below them")
    return Calibrator(
        fit_model([rows[i] for i in first], [labels[i] for i in first]),
        fit_model([rows[i] for i in rest], [labels[i] for i in rest]),
        fitted_on,
    )


def fit_model(rows: Sequence[Signals], labels: Sequence[bool]) -> Model:
    """Ridge-regularized logistic regression (Newton's method) on standardized signals."""
    if len(rows) != len(labels) or not rows:
        raise ValueError("fit needs as many labels as signal rows, and at least one")
    x = np.array([r.vector() for r in rows], np.float64)
    y = np.array(labels, np.float64)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], L2)
    penalty[0] = 0.0  # the intercept is not shrunk
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -30, 30)))
        grad = z.T @ (p - y) + penalty * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return Model(
        coef=tuple(float(v) for v in w[1:]),
        intercept=float(w[0]),
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        n=len(rows),
    )


def save(calibrator: Calibrator, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(calibrator.to_json(), indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def load(path: Path) -> Calibrator:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KnowledgeError(f"{path}: cannot read the calibration ({exc})") from exc
    return Calibrator.from_json(data, str(path))


# Recorded signals: the results of a dev set measured once, when it was new (before any
# change made while looking at it), as unseen queries behave. Plain JSONL: a header line
# naming the features and what was measured, then one line per result.
RECORDED_VERSION = 1
# times a recorded result counts beside the results of the current code on the dev sets it
# has been tuned on (fitted on one recorded set and checked on another, 2 did best)
RECORDED_WEIGHT = 2


@dataclass(frozen=True)
class RecordedRow:
    case: int  # the query's line in its dev set (0-based, comments and blanks skipped)
    code: str
    right: bool
    signals: Signals


def write_recorded(path: Path, rows: Sequence[RecordedRow], measured: str) -> None:
    header = {"version": RECORDED_VERSION, "features": list(FEATURES), "measured": measured}
    lines = [json.dumps(header)]
    lines += [
        json.dumps(
            {
                "case": r.case,
                "code": r.code,
                "right": r.right,
                "x": [round(v, 4) for v in r.signals.vector()],
            }
        )
        for r in rows
    ]
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


def read_recorded(path: Path) -> list[RecordedRow]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        header = json.loads(lines[0])
        if header.get("version") != RECORDED_VERSION or header["features"] != list(FEATURES):
            raise KnowledgeError(
                f"{path}: recorded with features {header.get('features')} (version "
                f"{header.get('version')}), not {list(FEATURES)}"
            )
        out = []
        for line in lines[1:]:
            row = json.loads(line)
            values = [float(v) for v in row["x"]]
            if len(values) != len(FEATURES):
                raise KnowledgeError(f"{path}: a row with {len(values)} signals")
            signals = Signals(**dict(zip(FEATURES, values, strict=True)))
            out.append(RecordedRow(int(row["case"]), str(row["code"]), bool(row["right"]), signals))
        return out
    except (OSError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise KnowledgeError(f"{path}: not a file of recorded signals ({exc})") from exc


@lru_cache(maxsize=1)
def packaged() -> Calibrator:
    """The calibration shipped with medcode (``medcode calibrate``; what it was fitted on
    is in its ``fitted_on``)."""
    raw = resources.files("assistant.knowledge").joinpath(CALIBRATION_FILE).read_text("utf-8")
    return Calibrator.from_json(json.loads(raw))
