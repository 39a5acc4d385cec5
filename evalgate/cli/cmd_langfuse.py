"""``evalgate import langfuse`` and ``evalgate export langfuse``.

The Langfuse SDK is imported only inside these commands (it costs ~0.5 s to import).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from evalgate import masking
from evalgate.cli.common import CONFIG_OPTION, config_path, debug_enabled
from evalgate.config.model import LangfuseConfig, RedactConfig
from evalgate.errors import UsageError

if TYPE_CHECKING:
    from evalgate.config.model import Config

_OUT = typer.Option(..., "--out", help="Golden file to create or append to.")
_SCORE = typer.Option(
    [], "--score", help="NAME, NAME<=X, NAME>=X, NAME<X, NAME>X or NAME==V (repeatable: any)."
)
_TAG = typer.Option([], "--tag", help="Trace tag (repeatable: all must match).")
_RUN = typer.Argument(..., help="A run folder (results.jsonl + summary.json).")


@dataclass(frozen=True)
class Sections:
    """The parts of ``evalgate.yaml`` these commands use."""

    langfuse: LangfuseConfig
    redact: RedactConfig
    goldens: tuple[Path, ...]
    root: Path


def load_sections(option: Path | None) -> Sections:
    """The config's ``langfuse:``, ``redact:`` and ``goldens:`` (defaults without a file)."""
    path = config_path(option)
    if not path.exists() and option is None and "EVALGATE_CONFIG" not in os.environ:
        return Sections(LangfuseConfig(), RedactConfig(), (Path("goldens"),), Path.cwd())
    from evalgate.config.loader import load_config

    return sections_of(load_config(path))


def sections_of(cfg: Config) -> Sections:
    return Sections(cfg.langfuse, cfg.redact, tuple(cfg.resolve(g) for g in cfg.goldens), cfg.root)


def need_sdk(module: str, what: str) -> None:
    """Import ``evalgate.integrations.langfuse.MODULE`` (which imports the SDK), or stop with
    exit 2 and the install line of the ``langfuse`` extra."""
    from evalgate.install import load_extra

    load_extra("langfuse", f"evalgate.integrations.langfuse.{module}", what)


def check_export(cfg: Config) -> None:
    """``run --langfuse``, before any call is made: the extra is installed and the credentials
    are set (exit 2 otherwise), so a run is never paid for and then lost to a missing extra."""
    need_sdk("exporter", "'evalgate run --langfuse'")
    from evalgate.integrations.langfuse.client import resolve_credentials

    resolve_credentials(cfg.langfuse, os.environ)


def export_after_run(cfg: Config, run_dir: Path) -> bool:
    """``run --langfuse``: push the finished run; True when some of it was lost.

    Nothing here raises: a failed or partial push is reported on stderr, and what it does to
    the exit status is decided with the gate's (:func:`evalgate.engine.conclude.exit_status`)."""
    from evalgate.errors import EvalgateError
    from evalgate.integrations.langfuse.exporter import export_run

    sec = sections_of(cfg)
    try:
        report = export_run(
            run_dir,
            sec.langfuse,
            redactor_factory(sec.redact),
            strict=False,
            root=sec.root,
            debug=_debug(),
        )
    except Exception as exc:
        if _debug():
            import traceback

            typer.echo(masking.scrub(traceback.format_exc()), err=True)
        why = str(exc) if isinstance(exc, EvalgateError) else f"{type(exc).__name__}: {exc}"
        typer.echo(
            masking.scrub(
                f"langfuse export failed: {why}\nthe gate's result stands; push the run later"
                f" with: evalgate export langfuse {run_dir}"
            ),
            err=True,
        )
        lost = True
    else:
        typer.echo(masking.scrub(report.summary()), err=True)
        lost = bool(report.lost)
    return lost


def redactor_factory(cfg: RedactConfig) -> Callable[[], Any]:
    """One fresh Redactor per case (its counts are per case)."""
    from evalgate.redact import Redactor

    return lambda: Redactor(
        custom_patterns=dict(cfg.patterns) or None, max_chunk_chars=cfg.max_chunk_chars
    )


def _debug() -> bool:
    return debug_enabled()


def register(app: typer.Typer) -> None:
    imp = typer.Typer(help="Import production traces as golden cases.", no_args_is_help=True)
    exp = typer.Typer(help="Export runs to other tools.", no_args_is_help=True)
    app.add_typer(imp, name="import")
    app.add_typer(exp, name="export")

    @imp.command("langfuse")
    def import_langfuse(
        out: Path = _OUT,
        score: list[str] = _SCORE,
        tag: list[str] = _TAG,
        name: str | None = typer.Option(None, "--name", help="Trace name."),
        user: str | None = typer.Option(None, "--user", help="User id."),
        session: str | None = typer.Option(None, "--session", help="Session id."),
        environment: str | None = typer.Option(None, "--environment", help="Langfuse environment."),
        since: str | None = typer.Option(None, "--since", help="Time window: 30m, 24h, 7d, 2w."),
        start: str | None = typer.Option(None, "--from", help="Start time (ISO 8601)."),
        end: str | None = typer.Option(None, "--to", help="End time (ISO 8601, exclusive)."),
        limit: int = typer.Option(50, "--limit", min=1, help="Import at most N new cases."),
        dataset: str | None = typer.Option(None, "--dataset", help="Dataset name for a new file."),
        config: Path | None = CONFIG_OPTION,
    ) -> int:
        """Turn flagged Langfuse traces into redacted golden cases for review."""
        need_sdk("client", "'evalgate import langfuse'")
        from evalgate.integrations.langfuse import filters, goldenfile
        from evalgate.integrations.langfuse.client import open_session, resolve_credentials
        from evalgate.integrations.langfuse.importer import run_import

        if since is not None and start is not None:
            raise UsageError("use either --since or --from, not both")
        now = datetime.now(UTC)
        query = filters.ImportQuery(
            scores=tuple(filters.ScoreFilter.parse(s) for s in score),
            tags=tuple(tag), name=name, user=user, session=session, environment=environment,
            start=filters.parse_since(since, now) if since else
            filters.parse_time(start, "--from") if start else None,
            end=filters.parse_time(end, "--to") if end else None,
            limit=limit,
        )  # fmt: skip
        sec = load_sections(config)
        known = goldenfile.scan([*sec.goldens, out])
        creds = resolve_credentials(sec.langfuse, os.environ)
        with open_session(creds, write=False, debug=_debug()) as s:
            report = run_import(
                s, query, sec.langfuse, out=out, dataset=dataset or out.stem, known=known,
                redactor_factory=redactor_factory(sec.redact),
            )  # fmt: skip
        typer.echo(masking.scrub(report.summary()), err=True)
        return 0

    @exp.command("langfuse")
    def export_langfuse(
        run: Path = _RUN,
        strict: bool = typer.Option(False, "--strict", help="Exit 3 when anything was lost."),
        config: Path | None = CONFIG_OPTION,
    ) -> int:
        """Push a run to Langfuse as a dataset run with scores."""
        need_sdk("exporter", "'evalgate export langfuse'")
        from evalgate.integrations.langfuse.exporter import export_run

        sec = load_sections(config)
        report = export_run(
            run, sec.langfuse, redactor_factory(sec.redact), strict=strict,
            root=sec.root, debug=_debug(),
        )  # fmt: skip
        typer.echo(masking.scrub(report.summary()), err=True)
        return 0
