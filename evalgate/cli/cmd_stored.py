"""Commands over stored runs that judge: ``merge``, ``rescore`` and ``compare``."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from evalgate.cli.common import CONFIG_OPTION, config_path, load_checked_project
from evalgate.errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from evalgate.config.model import Config
    from evalgate.engine.execution import RunOutput
    from evalgate.model import Case


def register(app: typer.Typer) -> None:
    @app.command("merge")
    def merge(
        runs: list[Path] = typer.Argument(..., help="Shard run folders to join."),
        out: Path = typer.Option(..., "--out", "-o", help="Folder for the merged run."),
        config: Path | None = CONFIG_OPTION,
        baseline: str | None = typer.Option(None, "--baseline", help="Baseline promptVersion."),
        no_gate: bool = typer.Option(False, "--no-gate", help="Join without gating."),
        prompt_version: str | None = typer.Option(
            None, "--prompt-version", help="The promptVersion the shards were run for."
        ),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="Only the verdict line."),
        as_json: bool = typer.Option(False, "--json", help="Print the summary JSON on stdout."),
        allow_unsharded: bool = typer.Option(
            False,
            "--allow-unsharded",
            help="Also join runs made without --shard (their cases must not overlap).",
        ),
    ) -> int:
        """Merge shard runs into one run, then gate and report on the whole."""
        from evalgate.engine.stored import merge_runs

        cfg = load_checked_project(config_path(config)).config
        with ExitStack() as hold:  # --out stays locked until its summary is written
            output = merge_runs(runs, out, allow_unsharded, hold)
            sys.stderr.write(
                f"merged {len(runs)} run(s), {len(output.results)} result(s), into {out}\n"
            )
            return _judge_and_finish(cfg, output, baseline, no_gate, prompt_version, quiet, as_json)

    @app.command("rescore")
    def rescore(
        run: Path = typer.Argument(..., help="A run folder written by 'evalgate run'."),
        out: Path | None = typer.Option(
            None, "--out", "-o", help="Folder for the rescored run (default: RUN-rescored)."
        ),
        config: Path | None = CONFIG_OPTION,
        baseline: str | None = typer.Option(None, "--baseline", help="Baseline promptVersion."),
        no_gate: bool = typer.Option(False, "--no-gate", help="Report results without gating."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="Only the verdict line."),
        as_json: bool = typer.Option(False, "--json", help="Print the summary JSON on stdout."),
        no_judge_cache: bool = typer.Option(
            False, "--no-judge-cache", help="Ask the LLM judge again instead of reusing verdicts."
        ),
    ) -> int:
        """Re-apply the current goldens' scorers to a stored run (no endpoint calls)."""
        from evalgate.cli.cmd_judge import judge_cache_on
        from evalgate.engine.rescore import rescore_handed
        from evalgate.engine.stored_meta import summary_ahead

        # the run's summary is read first: its text is let go before the goldens are built
        ahead = summary_ahead(run)
        project = load_checked_project(config_path(config))
        cfg = project.config
        handed: list[Sequence[Case]] = [project.goldens.cases]  # let go as it is rescored
        del project
        target = out or run.with_name(run.name + "-rescored")
        with ExitStack() as hold:
            output = rescore_handed(
                handed,
                run,
                target,
                hold,
                cfg,
                judge_cache=judge_cache_on(no_judge_cache),
                ahead=ahead,
            )
            sys.stderr.write(f"rescored {len(output.results)} result(s) into {target}\n")
            return _judge_and_finish(cfg, output, baseline, no_gate, None, quiet, as_json)

    @app.command("compare")
    def compare(
        base: Path = typer.Argument(..., help="The reference run folder."),
        candidate: Path = typer.Argument(..., help="The run folder to judge."),
        out: Path | None = typer.Option(
            None, "--out", "-o", help="Write the judged run and its reports to this folder."
        ),
        config: Path | None = CONFIG_OPTION,
        quiet: bool = typer.Option(False, "--quiet", "-q", help="Only the verdict line."),
        as_json: bool = typer.Option(False, "--json", help="Print the summary JSON on stdout."),
    ) -> int:
        """Gate one stored run against another, offline (both folders are left as they are)."""
        from evalgate.cli.present import Presentation
        from evalgate.config.loader import load_config
        from evalgate.engine.core import gate_stored
        from evalgate.engine.stored import held_texts, load_indexed, load_reference

        # the gate needs the config only: the goldens are not read (both runs hold their cases)
        cfg = load_config(config_path(config))
        reference = load_reference(base)
        # the candidate's case ids and content hashes are the reference's objects where equal;
        # where its lines start is found only for the copy --out writes
        cand, offsets = load_indexed(candidate, known=held_texts(reference), index=out is not None)
        with ExitStack() as hold:
            if out is not None:
                from evalgate.engine.stored import copy_run

                cand = copy_run(cand, out, hold, offsets)
            del offsets
            pres = Presentation(quiet, as_json, github=out is not None)
            result = gate_stored(
                cfg,
                cand,
                reference=reference,
                write=out is not None,
                hooks=pres.hooks(),
            )
            return int(result.exit_code)


def _judge_and_finish(
    cfg: Config,
    output: RunOutput,
    baseline: str | None,
    no_gate: bool,
    prompt_version: str | None,
    quiet: bool,
    as_json: bool,
) -> int:
    from evalgate.cli.present import Presentation
    from evalgate.engine.core import gate_stored

    if output.interrupted:
        sys.stderr.write("note: this run was interrupted; cases that did not finish are missing\n")
    result = gate_stored(
        cfg,
        output,
        gate=not no_gate,
        baseline=baseline,
        prompt_version=prompt_version,
        hooks=Presentation(quiet, as_json).hooks(),
    )
    if not output.results:
        raise UsageError("no results in these runs")
    return int(result.exit_code)
