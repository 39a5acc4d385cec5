"""``evalgate judge calibrate``: how far the LLM judge agrees with human labels."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import typer

from evalgate import masking
from evalgate.cli.common import CONFIG_OPTION, config_path
from evalgate.errors import InconclusiveError

NO_CACHE_HELP = "Ask the judge again instead of reusing cached verdicts."


def judge_cache_on(no_judge_cache: bool) -> bool:
    """Whether cached judge verdicts are reused: not with --no-judge-cache, nor with
    EVALGATE_NO_JUDGE_CACHE=1 in the environment."""
    return not (no_judge_cache or os.environ.get("EVALGATE_NO_JUDGE_CACHE"))


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="The LLM judge of model-graded scorers.", no_args_is_help=True)
    app.add_typer(group, name="judge")

    @group.command("calibrate")
    def calibrate(
        labels: Path = typer.Argument(..., help="A YAML list of human-graded answers."),
        config: Path | None = CONFIG_OPTION,
        out: Path | None = typer.Option(
            None, "--out", "-o", help="Calibration file (default: judge.calibration)."
        ),
        no_judge_cache: bool = typer.Option(False, "--no-judge-cache", help=NO_CACHE_HELP),
    ) -> int:
        """Grade human-labelled answers with the judge; write agreement figures with intervals."""
        from evalgate.config.loader import load_config
        from evalgate.fsutil import atomic_write_json
        from evalgate.llmjudge import calibration, session
        from evalgate.llmjudge.labels import read_labels

        cfg = load_config(config_path(config))
        items = read_labels(labels)
        ep = session.endpoint(cfg)
        judge = session.make_judge(cfg, ep, cache=judge_cache_on(no_judge_cache))
        judge.policy, judge.blocking = None, True  # graded as-is: calibration measures raw verdicts
        graded, errors = asyncio.run(_grade_all(judge, items))
        if not graded:
            raise InconclusiveError(
                f"the judge gave no verdict on any of {len(items)} label(s): {errors[0]}"
            )
        target = out or cfg.resolve(cfg.judge.calibration)
        doc = calibration_doc(ep, graded, str(labels), len(errors))
        atomic_write_json(target, doc)
        rules = calibration.Rules.of(cfg.judge)
        ok, why = calibration.blocking(target, ep.base_url, ep.model, rules)
        _print(doc, errors, target, ok, why, rules)
        return 0


def calibration_doc(ep: Any, graded: list[Any], labels: str, errors: int) -> dict[str, Any]:
    """The calibration file: figures overall and per criterion, and each graded label with the
    judge's verdict and who gave it (for the drift checks of later runs)."""
    from evalgate.llmjudge import calibration

    by_crit: dict[str, list[tuple[bool, bool]]] = {}
    for g in graded:
        by_crit.setdefault(g["criterion"], []).append((g["judge"], g["human"]))
    served: list[Any] = []
    for g in graded:
        if g["served"] not in served and any(g["served"]):
            served.append(g["served"])
    return {
        "format": calibration.FORMAT,
        "judge": calibration.identity(ep.base_url, ep.model),
        "served": served,
        "labels": labels,
        "errors": errors,
        **calibration.agreement([(g["judge"], g["human"]) for g in graded]),
        "criteria": {c: calibration.agreement(p) for c, p in sorted(by_crit.items())},
        "items": graded,
    }


async def _grade_all(judge: Any, items: list[Any]) -> tuple[list[dict[str, Any]], list[str]]:
    from evalgate.llmjudge import drift
    from evalgate.llmjudge.calibration import criterion_of
    from evalgate.model import Case, Response, ScorerSpec

    graded: list[dict[str, Any]] = []
    errors: list[str] = []
    try:
        for it in items:
            resp = Response(output=it.output, extra={"passages": list(it.passages)})
            case = Case(id=f"label-{it.line}", dataset="labels", input=it.input)
            rec = await judge.grade(ScorerSpec(it.scorer, it.params), resp, case)
            if rec.error is not None:
                errors.append(f"line {it.line}: {rec.error}")
                continue
            item = {
                "line": it.line,
                "criterion": criterion_of(it.scorer, it.params),
                "scorer": it.scorer,
                "params": it.params,
                "input": it.input,
                "output": it.output,
                "passages": list(it.passages),
                "human": it.human_passed,
                "judge": rec.passed,
                "served": list(judge.last_served),
            }
            drift.remember(judge, item, rec.passed, judge.last_served)
            graded.append(item)
    finally:
        await judge.client.aclose()
    return graded, errors


def _fmt(fig: dict[str, Any]) -> str:
    v, ci = fig.get("value"), fig.get("ci")
    if v is None:
        return "-  (undefined: one label only)"
    return f"{v:.3f}" + (f"  [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")


def _print(
    doc: dict[str, Any], errors: list[str], target: Path, ok: bool, why: str, rules: Any
) -> None:
    w = sys.stdout.write
    w(f"judge {doc['judge']['model']} on {doc['n']} human label(s) (95% intervals)\n")
    w(f"  observed agreement  {doc['observed_agreement']:.3f}\n")
    w(f"  Cohen's kappa       {_fmt(doc['kappa'])}\n")
    w(f"  Gwet's AC1          {_fmt(doc['ac1'])}\n")
    w(f"  TPR (human pass)    {_fmt(doc['tpr'])}  n={doc['tpr']['n']}\n")
    w(f"  TNR (human fail)    {_fmt(doc['tnr'])}  n={doc['tnr']['n']}\n")
    for e in errors[:5]:
        sys.stderr.write(masking.scrub(f"no verdict: {e}") + "\n")
    crits = doc.get("criteria") or {}
    if len(crits) > 1:
        stat = rules.statistic
        need = f"lower bound >= {rules.min_agreement:g} and n >= {rules.min_labels} to block"
        w(f"per criterion ({stat}, {need}):\n")
        for name, fig in crits.items():
            w(f"  n={fig['n']:<4} {_fmt(fig[stat])}  {name[:70]}\n")
    w(f"wrote {target}\n")
    if ok:
        w(
            f"judge failures block merges (lower bound of {rules.statistic} >="
            f" judge.min_agreement {rules.min_agreement:g}, n >= judge.min_labels"
            f" {rules.min_labels})\n"
        )
    else:
        w(f"judge failures stay advisory: {why}\n")
