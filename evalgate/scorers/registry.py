"""The scorer registry: built-ins and plugins register through the same decorator.

A scorer is a pure function ``fn(response, params, case) -> Score | bool | float``. It is
registered by name with a JSON Schema for its parameters, so that ``evalgate validate`` can
check every ``expect`` item at load time and point at its line.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from types import CodeType
from typing import Any

from evalgate import guard
from evalgate.errors import ConfigError, Problem
from evalgate.model import JSON, Case, Response, Score, ScorerSpec
from evalgate.quickinit import quick_init
from evalgate.scorers.outcome import coerce_score, failure_message

ScorerFn = Callable[[Response, Any, Case], "Score | bool | float"]
# a built-in scorer's params prepared once: what is left to do for each response
Check = Callable[[Response, Case], Score]
Prepare = Callable[[Any], Check]

ENTRY_POINT_GROUP = "evalgate.scorers"
_BUILTIN_MODULES = (
    "evalgate.scorers.text",
    "evalgate.scorers.refusal",
    "evalgate.scorers.citation",
    "evalgate.scorers.tools",
    "evalgate.scorers.schema",
    "evalgate.scorers.budget",
    "evalgate.llmjudge.scorers",
)


@dataclass(frozen=True)
class ScorerDef:
    """A registered scorer."""

    name: str
    fn: ScorerFn
    params_schema: Mapping[str, JSON] | None
    description: str
    origin: str
    code: CodeType | None = None  # the function's code, for file:line in messages


class Registry:
    """Name -> scorer. Built-ins and ``scorers_dir`` plugins load lazily, on first lookup."""

    def __init__(self) -> None:
        self._defs: dict[str, ScorerDef] = {}
        self._builtins_loaded = False
        self._entry_points_loaded = False
        self._loaded_dirs: set[Path] = set()
        self._current_origin = "builtin"
        # seconds one plugin call (a scorer on one response, or importing one file) may take
        self.time_limit_s: float | None = guard.DEFAULT_TIME_LIMIT_S
        # evalgate.scoring's plan for each expect list it has scored (by the list's identity);
        # emptied whenever a scorer is added, since a plan holds the scorers it looked up
        self.plans: dict[int, Any] = {}

    # -- registration -------------------------------------------------------------------
    def add(self, d: ScorerDef) -> None:
        existing = self._defs.get(d.name)
        if existing is not None and existing.fn is not d.fn and existing.origin != d.origin:
            raise ConfigError(
                f"scorer {d.name!r} from {d.origin} clashes with the one from {existing.origin};"
                " rename one of them"
            )
        self._defs[d.name] = d
        self.plans.clear()

    @property
    def current_origin(self) -> str:
        return self._current_origin

    # -- loading ------------------------------------------------------------------------
    def ensure_builtins(self) -> None:
        if self._builtins_loaded:
            return
        self._builtins_loaded = True
        for mod in _BUILTIN_MODULES:
            try:
                importlib.import_module(mod)
            except ModuleNotFoundError as exc:  # a family not written yet must not break others
                if exc.name != mod:
                    raise
        # Modules import once per process; a second Registry gets the built-ins from this list.
        for d in _BUILTIN_DEFS:
            self._defs.setdefault(d.name, d)
        self.plans.clear()

    def load_entry_points(self) -> list[Problem]:
        if self._entry_points_loaded:
            return []
        self._entry_points_loaded = True
        self.ensure_builtins()  # first, so that a plugin reusing a built-in name is reported
        if not _may_declare_plugins():
            return []
        from importlib.metadata import entry_points

        problems: list[Problem] = []
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            self._current_origin = f"entry point {ep.name} ({ep.value})"
            _LOADING.append(self)
            try:
                guard.call(ep.load, self.time_limit_s)
            except guard.PluginFailed as exc:  # plugin code is not ours: report, do not crash
                problems.append(
                    Problem(ep.value, 0, 0, f"cannot load scorer plugin {ep.name!r}: {_why(exc)}")
                )
            finally:
                _LOADING.pop()
                self._current_origin = "builtin"
        return problems

    def load_dir(self, directory: Path) -> list[Problem]:
        """Import every ``*.py`` file in ``directory`` (not recursively, ``_``-files skipped)."""
        directory = directory.resolve()
        if directory in self._loaded_dirs or not directory.is_dir():
            return []
        self.ensure_builtins()  # first, so that a plugin reusing a built-in name is reported
        self._loaded_dirs.add(directory)
        problems: list[Problem] = []
        for path in sorted(directory.glob("*.py")):
            if path.name.startswith("_"):
                continue
            mod_name = f"evalgate_user_scorers.{path.stem}"
            spec = importlib.util.spec_from_file_location(mod_name, path)
            if spec is None or spec.loader is None:
                continue
            module = importlib.util.module_from_spec(spec)
            sys.modules[mod_name] = module
            self._current_origin = str(path)
            _LOADING.append(self)
            try:
                guard.call(partial(spec.loader.exec_module, module), self.time_limit_s)
            except guard.PluginFailed as failed:
                exc = failed.exc
                if isinstance(exc, SyntaxError):
                    line, col, msg = exc.lineno or 0, exc.offset or 0, f"syntax error: {exc.msg}"
                else:
                    line = 0 if exc is None else _exc_line(exc, path)
                    col, msg = 0, f"error while loading custom scorers: {_why(failed)}"
                problems.append(Problem(str(path), line, col, msg))
            finally:
                _LOADING.pop()
                self._current_origin = "builtin"
        return problems

    # -- lookup -------------------------------------------------------------------------
    def get(self, name: str) -> ScorerDef | None:
        if not self._builtins_loaded:
            self.ensure_builtins()
        return self._defs.get(name)

    def names(self) -> list[str]:
        self.ensure_builtins()
        return sorted(self._defs)

    def __iter__(self) -> Iterator[ScorerDef]:
        self.ensure_builtins()
        return iter(sorted(self._defs.values(), key=lambda d: d.name))


# built-in scorer functions whose work on their params is done once per expect item
_PREPARED: dict[ScorerFn, Prepare] = {}


def prepared(prepare: Prepare) -> Callable[[ScorerFn], ScorerFn]:
    """Mark a built-in scorer ``fn`` as ``prepare(params)(response, case)`` (below ``@scorer``).

    Scoring then calls ``prepare`` once per expect item and the check it returns for each
    response (see :mod:`evalgate.scoring`): what depends only on the params (needles, compiled
    patterns, which checks apply, a passing score's reason) is worked out once per run.
    """

    def mark(fn: ScorerFn) -> ScorerFn:
        _PREPARED[fn] = prepare
        return fn

    return mark


def preparer(d: ScorerDef) -> Prepare | None:
    """How to prepare ``d``'s params once, for a built-in that can be (plugins cannot)."""
    return _PREPARED.get(d.fn) if d.origin == "builtin" else None


def _why(failed: guard.PluginFailed) -> str:
    if failed.timed_out:
        return f"did not finish within {failed.limit:g} s (scorer_timeout_s)"
    assert failed.exc is not None
    return guard.describe(failed.exc)


def _exc_line(exc: BaseException, path: Path) -> int:
    tb = exc.__traceback__
    line = 0
    while tb is not None:
        if Path(tb.tb_frame.f_code.co_filename).resolve() == path.resolve():
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


REGISTRY = Registry()
# The registry whose load_dir/load_entry_points is importing plugin code right now, so that
# @scorer in that code registers there (a fresh Registry in tests stays isolated).
_LOADING: list[Registry] = []
_BUILTIN_DEFS: list[ScorerDef] = []


def _as_dict(o: object) -> dict[str, JSON]:
    if isinstance(o, Mapping):
        return dict(o)
    raise TypeError(f"{type(o).__name__} is not JSON")


def _plain_schema(name: str, params: object) -> Mapping[str, JSON] | None:
    """``params`` as plain JSON (a plugin's own Mapping type would run its code later)."""
    if params is None:
        return None
    try:
        plain = json.loads(json.dumps(params, default=_as_dict))
    except (TypeError, ValueError):
        plain = None
    if not isinstance(plain, (dict, bool)):
        raise TypeError(f"@scorer({name!r}): params must be a JSON Schema (a dict of JSON values)")
    return plain  # type: ignore[return-value]


def scorer(
    name: str | None = None,
    *,
    params: Mapping[str, JSON] | None = None,
    description: str = "",
) -> Callable[[ScorerFn], ScorerFn]:
    """Register a scorer function under ``name`` (default: the function's name).

    ``params`` is a JSON Schema for the value written after the scorer's name in a golden
    file; ``evalgate validate`` checks it. The function receives ``(response, params, case)``
    and returns a :class:`Score`, a bool (pass/fail) or a float in [0, 1] (passes at >= 0.5).

    Example::

        from evalgate import Score, scorer

        @scorer("mentions_product", params={"type": "string"})
        def mentions_product(response, params, case):
            ok = params.lower() in (response.output or "").lower()
            return Score(1.0 if ok else 0.0, ok, "" if ok else f"does not mention {params!r}")
    """

    def decorate(fn: ScorerFn) -> ScorerFn:
        # Runs while a plugin file is imported (guarded): check and copy what is kept here, so
        # that nothing of the plugin's but ``fn`` itself is called later, unguarded.
        scorer_name = name or getattr(fn, "__name__", None)
        if not isinstance(scorer_name, str) or not scorer_name:
            raise TypeError("@scorer needs a name: @scorer('my_scorer')")
        if not callable(fn):
            raise TypeError(f"@scorer({scorer_name!r}) must decorate a function")
        if not isinstance(description, str):
            raise TypeError(f"@scorer({scorer_name!r}): description must be a string")
        doc = fn.__doc__ if isinstance(fn.__doc__, str) else ""
        lines = doc.strip().splitlines()
        code = getattr(fn, "__code__", None)
        target = _LOADING[-1] if _LOADING else REGISTRY
        d = ScorerDef(
            name=scorer_name,
            fn=fn,
            params_schema=_plain_schema(scorer_name, params),
            description=str(description or (lines[0] if lines else "")),
            origin=target.current_origin,
            code=code if isinstance(code, CodeType) else None,
        )
        if getattr(fn, "__module__", None) in _BUILTIN_MODULES:
            _BUILTIN_DEFS.append(d)
        target.add(d)
        return fn

    return decorate


@quick_init
@dataclass(frozen=True, slots=True)
class ScoreRecord:
    """One scorer's verdict on one response, as stored in results."""

    scorer: str
    score: float
    passed: bool
    reason: str
    weight: float = 1.0
    error: str | None = None
    turn: int | None = None
    advisory: bool = False  # a failure that is reported but does not fail the case
    judge: Mapping[str, JSON] | None = None  # an LLM judge's votes, agreement, cache use

    def to_dict(self) -> dict[str, JSON]:
        d: dict[str, JSON] = {
            "scorer": self.scorer,
            "score": self.score,
            "passed": self.passed,
            "reason": self.reason,
            "weight": self.weight,
        }
        if self.error is not None:
            d["error"] = self.error
        if self.turn is not None:
            d["turn"] = self.turn
        if self.advisory:
            d["advisory"] = True
        if self.judge is not None:
            d["judge"] = dict(self.judge)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, JSON]) -> ScoreRecord:
        return cls(
            scorer=str(d["scorer"]),
            score=float(d["score"]),
            passed=bool(d["passed"]),
            reason=str(d.get("reason") or ""),
            weight=float(d.get("weight", 1.0)),
            error=d.get("error"),
            turn=d.get("turn"),
            advisory=d.get("advisory") is True,
            judge=d["judge"] if isinstance(d.get("judge"), dict) else None,
        )


def _may_declare_plugins() -> bool:
    """Whether an installed distribution may declare scorer plugins, read from the files
    alone when none does (the usual answer: importlib.metadata is not imported for it)."""
    from evalgate import distscan

    try:
        return distscan.declares_group(ENTRY_POINT_GROUP)
    except distscan.Unknown:
        return True


def _run(
    d: ScorerDef, spec: ScorerSpec, response: Response, case: Case, limit: float | None
) -> Score:
    """Call the scorer and check its result; raises guard.PluginFailed."""
    fn = d.fn
    if d.origin == "builtin":  # ours: no time limit or redirection to pay for
        try:
            return coerce_score(fn(response, spec.params, case), spec.name)
        except Exception as exc:
            raise guard.PluginFailed(exc, False, None) from None
    return guard.call(lambda: coerce_score(fn(response, spec.params, case), spec.name), limit)


def apply_scorer(
    spec: ScorerSpec,
    response: Response,
    case: Case,
    registry: Registry = REGISTRY,
    turn: int | None = None,
) -> ScoreRecord:
    """Run one scorer. Whatever it does (raise, exit, hang, return junk) gives an ``error``
    record, never an exception; only a real Ctrl-C/SIGTERM propagates."""
    d = registry.get(spec.name)
    if d is None:
        return ScoreRecord(
            spec.name,
            0.0,
            False,
            f"unknown scorer {spec.name!r}",
            spec.weight,
            error="unknown scorer",
            turn=turn,
        )
    try:
        s = _run(d, spec, response, case, registry.time_limit_s)
    except guard.PluginFailed as failed:
        msg = failure_message(spec.name, d.code, failed)
        return ScoreRecord(spec.name, 0.0, False, msg, spec.weight, error=msg, turn=turn)
    return ScoreRecord(spec.name, s.value, s.passed, s.reason, spec.weight, turn=turn)
