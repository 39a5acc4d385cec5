"""``evalgate baseline list / show / record / promote``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import typer

from evalgate import secrets
from evalgate.cli.common import CONFIG_OPTION, config_path
from evalgate.errors import ConfigError, UsageError
from evalgate.gate.baseline import Baseline, BaselineStore, baseline_from_run
from evalgate.results import SUMMARY_FILE, load_json_file, read_results

DEFAULT_DIR = ".evalgate/baselines"

DIR_OPTION = typer.Option(
    None,
    "--baseline-dir",
    help=f"Baseline folder (default: gate.baseline_dir from the config, else {DEFAULT_DIR}).",
    show_default=False,
)
JSON_OPTION = typer.Option(False, "--json", help="Print JSON instead of a table.")
VERSION_ARG = typer.Argument(..., help="The prompt version.", show_default=False)
RUN_ARG = typer.Argument(
    ..., help="A run folder (results.jsonl + summary.json).", show_default=False
)
VERSION_OPTION = typer.Option(
    None, "--prompt-version", help="Record under this version (default: the served one)."
)
PROMOTE_OPTION = typer.Option(False, "--promote", help="Also mark it as production.")


def _configured_dir(config: Path) -> Path | None:
    # A light read of gate.baseline_dir only, relative to the config file; the full loader
    # (env interpolation, validation) is not needed to find a folder.
    if not config.is_file():
        return None
    import yaml  # only when a config exists: keeps '--help' fast

    try:
        data = yaml.safe_load(config.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    gate = data.get("gate") if isinstance(data, dict) else None
    value = gate.get("baseline_dir") if isinstance(gate, dict) else None
    if not isinstance(value, str) or "${" in value:
        return None
    path = Path(value)
    return path if path.is_absolute() else config.parent / path


def store_for(config: Path | None, baseline_dir: Path | None) -> BaselineStore:
    """The store named by ``--baseline-dir``, else the config's, else the default folder."""
    if baseline_dir is not None:
        return BaselineStore(baseline_dir)
    return BaselineStore(_configured_dir(config_path(config)) or Path(DEFAULT_DIR))


def _out(text: str) -> None:
    sys.stdout.write(secrets.scrub(text) + "\n")


def _note(text: str) -> None:
    sys.stderr.write(secrets.scrub(text) + "\n")


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )


def _score(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _require(store: BaselineStore, version: str) -> Baseline:
    found = store.load(version)
    if found is None:
        known = ", ".join(b.prompt_version for b in store.list()) or "none"
        raise UsageError(
            f"no baseline for prompt version {version!r} in {store.dir} (recorded: {known})"
        )
    return found


def _list(store: BaselineStore, as_json: bool) -> int:
    production = store.production()
    baselines = store.list()
    if as_json:
        doc: list[dict[str, Any]] = [
            {
                "prompt_version": b.prompt_version,
                "cases": len(b.cases),
                "mean_score": b.mean_score,
                "recorded_at": b.recorded_at,
                "run_id": b.run_id,
                "git_sha": b.git_sha,
                "production": b.prompt_version == production,
                "file": str(store.path_for(b.prompt_version)),
            }
            for b in baselines
        ]
        _out(json.dumps(doc, indent=2))
        return 0
    if not baselines:
        _note(f"no baselines in {store.dir}; record one with 'evalgate baseline record RUN'")
        return 0
    rows = [["VERSION", "CASES", "MEAN SCORE", "RECORDED AT", "PRODUCTION"]]
    rows += [
        [
            b.prompt_version,
            str(len(b.cases)),
            _score(b.mean_score),
            b.recorded_at,
            "*" if b.prompt_version == production else "",
        ]
        for b in baselines
    ]
    _out(_table(rows))
    return 0


def _show(store: BaselineStore, version: str, as_json: bool) -> int:
    b = _require(store, version)
    if as_json:
        _out(json.dumps(b.to_dict(), indent=2, sort_keys=True))
        return 0
    head = [
        f"prompt version  {b.prompt_version}"
        + ("  (production)" if store.production() == version else ""),
        f"recorded at     {b.recorded_at}",
        f"run             {b.run_id or '-'}",
        f"git sha         {b.git_sha or '-'}",
        f"evalgate        {b.evalgate_version or '-'}",
        f"cases           {len(b.cases)}, mean score {_score(b.mean_score)}",
        "",
    ]
    rows = [["CASE", "SCORE", "PASS RATE", "N", "DATASET", "TAGS"]]
    rows += [
        [cid, _score(c.score), f"{c.pass_rate:.0%}", str(c.n), c.dataset, ",".join(c.tags)]
        for cid, c in sorted(b.cases.items())
    ]
    _out("\n".join(head) + _table(rows))
    return 0


def _record(store: BaselineStore, run: Path, version: str | None, promote: bool) -> int:
    if not run.is_dir():
        raise UsageError(f"{run}: not a run folder; pass the folder 'evalgate run' wrote")
    results = read_results(run)
    summary = load_json_file(run / SUMMARY_FILE)
    if not isinstance(summary, dict):
        raise ConfigError(f"{run / SUMMARY_FILE}: not an evalgate summary; re-run the eval")
    baseline = baseline_from_run(results, summary, prompt_version=version)
    verdict = summary.get("verdict")
    if isinstance(verdict, dict) and verdict.get("status") == "fail":
        _note(
            "warning: this run failed its gate; recording it makes its regressions the new"
            " reference (cases that regressed will no longer be flagged)"
        )
    errors = sum(1 for r in results if r.is_error)
    if errors:
        _note(f"warning: {errors} errored results are left out of the baseline")
    if not baseline.cases:
        raise ConfigError(f"{run}: no scored case to record; check the run's errors")
    path = store.save(baseline)
    _note(f"recorded baseline {baseline.prompt_version} ({len(baseline.cases)} cases) in {path}")
    if promote:
        store.promote(baseline.prompt_version)
        _note(f"promoted {baseline.prompt_version} to production")
    return 0


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Manage baselines (one per promptVersion).", no_args_is_help=True)
    app.add_typer(group, name="baseline")

    @group.command("list")
    def list_(
        as_json: bool = JSON_OPTION,
        config: Path | None = CONFIG_OPTION,
        baseline_dir: Path | None = DIR_OPTION,
    ) -> int:
        """List recorded baselines (* marks the production version)."""
        return _list(store_for(config, baseline_dir), as_json)

    @group.command("show")
    def show(
        version: str = VERSION_ARG,
        as_json: bool = JSON_OPTION,
        config: Path | None = CONFIG_OPTION,
        baseline_dir: Path | None = DIR_OPTION,
    ) -> int:
        """Show one baseline, case by case."""
        return _show(store_for(config, baseline_dir), version, as_json)

    @group.command("record")
    def record(
        run: Path = RUN_ARG,
        prompt_version: str | None = VERSION_OPTION,
        promote: bool = PROMOTE_OPTION,
        config: Path | None = CONFIG_OPTION,
        baseline_dir: Path | None = DIR_OPTION,
    ) -> int:
        """Record a baseline from a stored run."""
        return _record(store_for(config, baseline_dir), run, prompt_version, promote)

    @group.command("promote")
    def promote(
        version: str = VERSION_ARG,
        config: Path | None = CONFIG_OPTION,
        baseline_dir: Path | None = DIR_OPTION,
    ) -> int:
        """Mark a baseline as the production version (what 'auto' compares with)."""
        store = store_for(config, baseline_dir)
        _require(store, version)
        store.promote(version)
        _note(f"promoted {version} to production ({store.dir})")
        return 0
