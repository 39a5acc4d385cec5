"""Human-labelled examples for ``evalgate judge calibrate``, read with file:line errors.

A labels file is a YAML list; each item is one answer a human graded::

    - scorer: rubric                      # rubric (default) or grounded
      params: "The answer must mention '30 days'"
      input: {message: "How long do I have to ask for a refund?"}
      output: "You have 30 days."
      passages: ["..."]                   # grounded only
      label: pass                         # pass or fail
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from evalgate.errors import ConfigError, Problem


@dataclass(frozen=True)
class Label:
    scorer: str
    params: Any
    input: dict[str, Any]
    output: str
    passages: tuple[str, ...]
    human_passed: bool
    line: int


def read_labels(path: Path) -> list[Label]:
    shown = str(path)
    try:
        text = path.read_text("utf-8")
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except OSError as exc:
        raise ConfigError(f"{shown}: cannot read the labels file ({exc.strerror or exc})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 0
        raise ConfigError(f"{shown}:{line}: not valid YAML; fix the labels file") from None
    if not isinstance(data, list) or not data or root is None:
        raise ConfigError(f"{shown}:1: a labels file is a non-empty YAML list of graded answers")
    problems: list[Problem] = []
    out: list[Label] = []
    for item, node in zip(data, root.value, strict=True):
        line = node.start_mark.line + 1

        def bad(msg: str, line: int = line) -> None:
            problems.append(Problem(shown, line, 1, msg))

        if not isinstance(item, dict):
            bad("each label is a mapping: scorer, params, input, output, label")
            continue
        scorer = item.get("scorer", "rubric")
        label = item.get("label")
        params = item.get("params")
        if scorer not in ("rubric", "grounded"):
            bad(f"scorer must be rubric or grounded, got {scorer!r}")
        elif label not in ("pass", "fail", True, False):
            bad(f"label must be pass or fail, got {label!r}")
        elif scorer == "rubric" and not (
            isinstance(params, str) or (isinstance(params, dict) and "criteria" in params)
        ):
            bad("a rubric label needs params: the criterion (or {criteria: ...})")
        elif not isinstance(item.get("output"), str):
            bad("output (the graded answer, a string) is missing")
        else:
            passages = item.get("passages") or []
            out.append(
                Label(
                    scorer,
                    params if params is not None else True,
                    dict(item.get("input") or {}),
                    item["output"],
                    tuple(str(p) for p in passages),
                    label in ("pass", True),
                    line,
                )
            )
    if problems:
        raise ConfigError(f"{len(problems)} problem(s) in {shown}", problems)
    return out
