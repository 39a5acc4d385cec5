"""``evalgate judge calibrate``: how far the LLM judge agrees with human labels."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import typer

from evalgate import masking
from evalgate.cli.common import CONFIG_OPTION, config_path
from evalgate.errors import InconclusiveError

NO_CACHE_HELP = "Ask the judge again instead of reusing cached verdicts."


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
        session.OPTIONS["cache"] = not no_judge_cache
        ep = session.endpoint(cfg)
        judge = session.make_judge(cfg, ep)
        judge.blocking = True  # graded as-is: calibration measures the raw verdicts
        pairs, errors = asyncio.run(_grade_all(judge, items))
        if not pairs:
            raise InconclusiveError(
                f"the judge gave no verdict on any of {len(items)} label(s): {errors[0]}"
            )
        figures = calibration.agreement(pairs)
        doc: dict[str, Any] = {
            "format": calibration.FORMAT,
            "judge": calibration.identity(ep.base_url, ep.model),
            "labels": str(labels),
            "errors": len(errors),
            **figures,
        }
        target = out or cfg.resolve(cfg.judge.calibration)
        atomic_write_json(target, doc)
        ok, why = calibration.blocking(target, ep.base_url, ep.model, cfg.judge.min_agreement)
        _print(doc, errors, target, ok, why, cfg.judge.min_agreement)
        return 0


async def _grade_all(judge: Any, items: list[Any]) -> tuple[list[tuple[bool, bool]], list[str]]:
    from evalgate.model import Case, Response, ScorerSpec

    pairs: list[tuple[bool, bool]] = []
    errors: list[str] = []
    try:
        for it in items:
            resp = Response(output=it.output, extra={"passages": list(it.passages)})
            case = Case(id=f"label-{it.line}", dataset="labels", input=it.input)
            rec = await judge.grade(ScorerSpec(it.scorer, it.params), resp, case)
            if rec.error is not None:
                errors.append(f"line {it.line}: {rec.error}")
            else:
                pairs.append((rec.passed, it.human_passed))
    finally:
        await judge.client.aclose()
    return pairs, errors


def _fmt(fig: dict[str, Any]) -> str:
    v, ci = fig.get("value"), fig.get("ci")
    if v is None:
        return "-  (undefined: one label only)"
    return f"{v:.3f}" + (f"  [{ci[0]:.3f}, {ci[1]:.3f}]" if ci else "")


def _print(
    doc: dict[str, Any], errors: list[str], target: Path, ok: bool, why: str, need: float
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
    w(f"wrote {target}\n")
    if ok:
        w(f"judge failures block merges (kappa >= judge.min_agreement {need:g})\n")
    else:
        w(f"judge failures stay advisory: {why}\n")
