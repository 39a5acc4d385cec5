"""``evalgate import langfuse`` and ``evalgate export langfuse``.

The Langfuse SDK is imported only inside these commands (it costs ~0.5 s to import).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import typer
import yaml

from evalgate import secrets
from evalgate.cli.common import CONFIG_OPTION, config_path
from evalgate.config.model import LangfuseConfig, RedactConfig
from evalgate.errors import ConfigError, UsageError

_OUT = typer.Option(..., "--out", help="Golden file to create or append to.")
_SCORE = typer.Option(
    [], "--score", help="NAME, NAME<=X, NAME>=X, NAME<X, NAME>X or NAME==V (repeatable: any)."
)
_TAG = typer.Option([], "--tag", help="Trace tag (repeatable: all must match).")
_RUN = typer.Argument(..., help="A run folder (results.jsonl + summary.json).")
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


@dataclass(frozen=True)
class Sections:
    """The parts of ``evalgate.yaml`` these commands use."""

    langfuse: LangfuseConfig
    redact: RedactConfig
    goldens: tuple[Path, ...]
    root: Path


def _interpolate(value: Any, where: str) -> Any:
    if isinstance(value, dict):
        return {k: _interpolate(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, where) for v in value]
    if not isinstance(value, str):
        return value

    def sub(m: re.Match[str]) -> str:
        name, default = m.group(1), m.group(2)
        if name in os.environ:
            secrets.register([os.environ[name]])
            return os.environ[name]
        if default is None:
            raise ConfigError(
                f"{where}: environment variable {name} is not set (or use ${{{name}:-default}})"
            )
        return default

    return _VAR.sub(sub, value)


def load_sections(option: Path | None) -> Sections:
    """Read the ``langfuse:``, ``redact:`` and ``goldens:`` sections (defaults without a file)."""
    path = config_path(option)
    if not path.exists():
        if option is not None:
            raise ConfigError(f"{path}: config file not found")
        return Sections(LangfuseConfig(), RedactConfig(), (Path("goldens"),), Path.cwd())
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(
            f"{path}: cannot read the config ({exc}); run 'evalgate validate'"
        ) from exc
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}:1:1: the config must be a mapping")
    root = path.resolve().parent
    lf = _interpolate(doc.get("langfuse") or {}, f"{path}: langfuse")
    red = _interpolate(doc.get("redact") or {}, f"{path}: redact")
    if not isinstance(lf, dict) or not isinstance(red, dict):
        raise ConfigError(f"{path}: 'langfuse' and 'redact' must be mappings")
    try:
        lcfg = LangfuseConfig(
            base_url=lf.get("base_url"), public_key=lf.get("public_key"),
            secret_key=lf.get("secret_key"), input_mapping=lf.get("input_mapping"),
            suggest=dict(lf.get("suggest") or {}), timeout_s=float(lf.get("timeout_s", 20.0)),
        )  # fmt: skip
        rcfg = RedactConfig(
            patterns=dict(red.get("patterns") or {}),
            max_chunk_chars=int(red.get("max_chunk_chars", 500)),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path}: invalid langfuse/redact settings ({exc})") from exc
    goldens = doc.get("goldens", ["goldens"])
    goldens = [goldens] if isinstance(goldens, str) else goldens
    return Sections(lcfg, rcfg, tuple(root / str(g) for g in goldens or []), root)


def redactor_factory(cfg: RedactConfig) -> Callable[[], Any]:
    """One fresh Redactor per case (its counts are per case)."""
    from evalgate.redact import Redactor

    return lambda: Redactor(
        custom_patterns=dict(cfg.patterns) or None, max_chunk_chars=cfg.max_chunk_chars
    )


def _debug() -> bool:
    return os.environ.get("EVALGATE_DEBUG", "") not in ("", "0", "false")


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
        from evalgate.integrations.langfuse import filters, goldenfile
        from evalgate.integrations.langfuse.client import open_session, resolve_credentials
        from evalgate.integrations.langfuse.importer import run_import

        if since is not None and start is not None:
            raise UsageError("use either --since or --from, not both")
        now = datetime.now(timezone.utc)
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
        typer.echo(secrets.scrub(report.summary()), err=True)
        return 0

    @exp.command("langfuse")
    def export_langfuse(
        run: Path = _RUN,
        strict: bool = typer.Option(False, "--strict", help="Exit 3 when anything was lost."),
        config: Path | None = CONFIG_OPTION,
    ) -> int:
        """Push a run to Langfuse as a dataset run with scores."""
        from evalgate.integrations.langfuse.exporter import export_run

        sec = load_sections(config)
        report = export_run(
            run, sec.langfuse, redactor_factory(sec.redact), strict=strict,
            root=sec.root, debug=_debug(),
        )  # fmt: skip
        typer.echo(secrets.scrub(report.summary()), err=True)
        return 0
