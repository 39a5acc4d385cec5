"""Load ``evalgate.yaml`` into a frozen :class:`Config`, or fail with every problem located."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evalgate import masking
from evalgate.config.interpolate import Interpolator
from evalgate.config.model import (
    IN_PROCESS_URL,
    CanaryConfig,
    Config,
    GateConfig,
    JudgeConfig,
    LangfuseConfig,
    Pricing,
    RedactConfig,
    ReportsConfig,
    ResponseMapping,
    TargetConfig,
    TelemetryConfig,
)
from evalgate.config.schema import validate
from evalgate.config.yamlsrc import Doc, load_yaml_file
from evalgate.errors import ConfigError, Problem
from evalgate.fsutil import display_path
from evalgate.llmjudge.checks import judge_config_problems

_DEFAULT_MAPPING = ResponseMapping()


def load_config(
    path: Path, environ: Mapping[str, str] | None = None, unset: list[Problem] | None = None
) -> Config:
    """Read, interpolate, validate and parse a config file.

    Raises :class:`ConfigError` listing every problem as ``file:line:col: message``. With an
    ``unset`` list, a ``${VAR}`` that is not set (and has no default) is noted there instead of
    being a problem; checks of the values on those lines are skipped (their values are unknown).
    Such a config is for checking only, never for running.
    """
    env = os.environ if environ is None else environ
    display = display_path(path)
    if not path.exists():
        hint = (
            "create one with 'evalgate init', or pass --config FILE"
            if path.name == "evalgate.yaml"
            else "check the path given with --config or EVALGATE_CONFIG"
        )
        raise ConfigError(f"{display}: config file not found; {hint}")
    if path.is_dir():
        raise ConfigError(f"{display}: is a directory; pass the config file itself")
    interp = Interpolator(env, display, unset=unset)
    doc, problems = load_yaml_file(path, display, scalar_hook=interp)
    problems = problems + interp.problems
    masking.register_named(interp.names)
    if not problems and doc.data is None:
        problems.append(
            Problem(display, 1, 1, "config file is empty; it needs at least target.url")
        )
    if not problems and not isinstance(doc.data, dict):
        problems.append(doc.problem((), "config must be a mapping of keys (target, goldens, ...)"))
    if not problems:
        problems.extend(validate(doc, "config"))
    if not problems:
        problems.extend(_target_problems(doc))
        problems.extend(_header_problems(doc, interp.empty))
        problems.extend(judge_config_problems(doc))
    if unset:
        unknown = {p.line for p in unset}
        problems = [p for p in problems if p.file != display or p.line not in unknown]
    if problems:
        raise ConfigError(_count(problems), problems)
    data: dict[str, Any] = doc.data
    _register_header_secrets(data)
    root = path.resolve().parent
    try:
        return _build(data, root, path, frozenset(interp.secrets), doc)
    except ProblemAt as exc:
        raise ConfigError(_count([exc.problem]), [exc.problem]) from None


def _target_problems(doc: Doc) -> list[Problem]:
    """Template and response-mapping mistakes, located in the YAML (the schema can't see them)."""
    import jmespath
    from jmespath.exceptions import JMESPathError

    from evalgate.target.template import template_problems

    t: dict[str, Any] = doc.data["target"]
    problems: list[Problem] = []
    url = str(t.get("url", IN_PROCESS_URL))
    if not url.lower().startswith(("http://", "https://", "{{")):
        problems.append(
            doc.problem(
                ("target", "url"),
                f"target.url must start with http:// or https://,"
                f" got {url.split('://')[0] + '://' if '://' in url else url!r}",
            )
        )
    for key in ("url", "body", "headers", "query"):
        if key in t:
            for tp in template_problems(t[key]):
                where: tuple[str | int, ...] = ("target", key, *tp.path)
                problems.append(doc.problem(where, f"template: {tp.message}"))
    exprs: list[tuple[tuple[str | int, ...], str]] = []
    for k, v in (t.get("response") or {}).items():
        if k == "extra" and isinstance(v, dict):
            exprs.extend((("target", "response", "extra", ek), ev) for ek, ev in v.items())
        elif isinstance(v, str):
            exprs.append((("target", "response", k), v))
    for where, expr in exprs:
        try:
            jmespath.compile(expr)
        except JMESPathError as exc:
            msg = " ".join(str(exc).split()).replace(", for expression:", "")
            msg = msg.split(f' "{expr}"')[0].rstrip(":, ")
            problems.append(doc.problem(where, f"invalid JMESPath expression {expr!r}: {msg}"))
    return problems


def _header_problems(doc: Doc, empty: Mapping[tuple[str | int, ...], list[str]]) -> list[Problem]:
    """Header values HTTP refuses to send (an empty ``${KEY}`` leaves ``Bearer `` behind)."""
    problems: list[Problem] = []
    for name, value in (doc.data["target"].get("headers") or {}).items():
        text = str(value)
        if "{{" in text or (text == text.strip() and not any(c in text for c in "\r\n\0")):
            continue
        where: tuple[str | int, ...] = ("target", "headers", name)
        blank = empty.get(where)
        why = (
            f"{', '.join(blank)} {'is' if len(blank) == 1 else 'are'} set but empty; set"
            f" {'it' if len(blank) == 1 else 'them'} (or remove the header)"
            if blank
            else "a header value cannot start or end with spaces or hold line breaks"
        )
        problems.append(doc.problem(where, f"target.headers.{name}: {why}"))
    return problems


class ProblemAt(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def _count(problems: list[Problem]) -> str:
    n = len(problems)
    return f"{n} problem{'s' if n != 1 else ''} in the config; fix them and run 'evalgate validate'"


def _register_header_secrets(data: Mapping[str, Any]) -> None:
    headers = (data.get("target") or {}).get("headers") or {}
    masking.register(str(v) for k, v in headers.items() if masking.SENSITIVE_HEADER.search(str(k)))
    lf = data.get("langfuse") or {}
    masking.register(str(lf[k]) for k in ("public_key", "secret_key") if lf.get(k))
    judge = data.get("judge") or {}
    masking.register([str(judge["api_key"])] if judge.get("api_key") else [])


def _mapping(d: Mapping[str, Any] | None) -> ResponseMapping:
    if d is None:
        return _DEFAULT_MAPPING
    kw = {k: v for k, v in d.items() if k != "extra"}
    return ResponseMapping(**kw, extra=dict(d.get("extra") or {}))


# target settings that limit a run without changing what it measures
_BUDGETS = frozenset({"max_cost_usd", "run_budget_s"})


def _hashed(data: dict[str, Any]) -> dict[str, Any]:
    """The config as its hash covers it: the cost and time budgets are left out, so a run
    stopped by one can be resumed with a larger one (in evalgate.yaml, --max-cost or
    --run-budget)."""
    t = data.get("target")
    if not isinstance(t, dict) or not _BUDGETS & t.keys():
        return data
    return {**data, "target": {k: v for k, v in t.items() if k not in _BUDGETS}}


def _judge(j: Mapping[str, Any]) -> JudgeConfig:
    kw = {k: v for k, v in j.items() if k != "pricing"}
    return JudgeConfig(**kw, pricing=Pricing(**(j.get("pricing") or {})))


def _build(
    data: dict[str, Any], root: Path, path: Path, env_secrets: frozenset[str], doc: Doc
) -> Config:
    t = data["target"]
    target = TargetConfig(
        url=t.get("url", IN_PROCESS_URL),
        python=t.get("python"),
        python_root=str(root) if t.get("python") else None,
        method=str(t.get("method", "POST")).upper(),
        headers={str(k): str(v) for k, v in (t.get("headers") or {}).items()},
        body=t.get("body"),
        query={str(k): str(v) for k, v in (t.get("query") or {}).items()},
        response=_mapping(t.get("response")),
        preset=t.get("preset"),
        stream=t.get("stream"),
        **{
            k: t[k]
            for k in (
                "timeout_s",
                "connect_timeout_s",
                "retries",
                "backoff_base_s",
                "backoff_max_s",
                "concurrency",
                "max_response_bytes",
                "follow_redirects",
                "transport",
                "max_retry_after_s",
                "run_budget_s",
                "max_cost_usd",
            )
            if k in t
        },
    )
    goldens = data.get("goldens", ["goldens"])
    gate_d = dict(data.get("gate") or {})
    mpr = gate_d.pop("min_pass_rate", None)
    if isinstance(mpr, (int, float)):
        mpr = {"overall": float(mpr)}
    if "critical_tags" in gate_d:
        gate_d["critical_tags"] = tuple(gate_d["critical_tags"])
    gate = GateConfig(**gate_d, min_pass_rate=dict(mpr or {}))
    lf = data.get("langfuse") or {}
    rd = data.get("redact") or {}
    return Config(
        target=target,
        version=int(data.get("version", 1)),
        goldens=tuple([goldens] if isinstance(goldens, str) else goldens),
        scorers_dir=data.get("scorers_dir", "scorers"),
        scorer_timeout_s=float(data.get("scorer_timeout_s", Config.scorer_timeout_s)),
        pricing={k: Pricing(**v) for k, v in (data.get("pricing") or {}).items()},
        gate=gate,
        reports=ReportsConfig(**(data.get("reports") or {})),
        canary=CanaryConfig(**(data.get("canary") or {})),
        langfuse=LangfuseConfig(
            **{k: v for k, v in lf.items() if k != "suggest"}, suggest=dict(lf.get("suggest") or {})
        ),
        redact=RedactConfig(
            patterns=dict(rd.get("patterns") or {}),
            **({"max_chunk_chars": rd["max_chunk_chars"]} if "max_chunk_chars" in rd else {}),
        ),
        telemetry=TelemetryConfig(**(data.get("telemetry") or {})),
        judge=_judge(data.get("judge") or {}),
        path=path.resolve(),
        root=root,
        secrets=env_secrets,
        config_hash=hashlib.sha256(
            json.dumps(_hashed(data), sort_keys=True, default=str).encode()
        ).hexdigest()[:16],
    )
