"""The scorer registry: built-ins and plugins register through the same decorator.

A scorer is a pure function ``fn(response, params, case) -> Score | bool | float``. It is
registered by name with a JSON Schema for its parameters, so that ``evalgate validate`` can
check every ``expect`` item at load time and point at its line.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalgate.errors import ConfigError, Problem
from evalgate.model import JSON, Case, Response, Score, ScorerSpec

ScorerFn = Callable[[Response, Any, Case], "Score | bool | float"]

ENTRY_POINT_GROUP = "evalgate.scorers"
_BUILTIN_MODULES = (
    "evalgate.scorers.text",
    "evalgate.scorers.refusal",
    "evalgate.scorers.citation",
    "evalgate.scorers.tools",
    "evalgate.scorers.schema",
    "evalgate.scorers.budget",
)


@dataclass(frozen=True)
class ScorerDef:
    """A registered scorer."""

    name: str
    fn: ScorerFn
    params_schema: Mapping[str, JSON] | None
    description: str
    origin: str


class Registry:
    """Name -> scorer. Built-ins and ``scorers_dir`` plugins load lazily, on first lookup."""

    def __init__(self) -> None:
        self._defs: dict[str, ScorerDef] = {}
        self._builtins_loaded = False
        self._entry_points_loaded = False
        self._loaded_dirs: set[Path] = set()
        self._current_origin = "builtin"

    # -- registration -------------------------------------------------------------------
    def add(self, d: ScorerDef) -> None:
        existing = self._defs.get(d.name)
        if existing is not None and existing.fn is not d.fn and existing.origin != d.origin:
            raise ConfigError(
                f"scorer {d.name!r} from {d.origin} clashes with the one from {existing.origin};"
                " rename one of them"
            )
        self._defs[d.name] = d

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

    def load_entry_points(self) -> list[Problem]:
        if self._entry_points_loaded:
            return []
        self._entry_points_loaded = True
        self.ensure_builtins()  # first, so that a plugin reusing a built-in name is reported
        from importlib.metadata import entry_points

        problems: list[Problem] = []
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            self._current_origin = f"entry point {ep.name} ({ep.value})"
            _LOADING.append(self)
            try:
                ep.load()
            except Exception as exc:  # plugin code is not ours: report, do not crash
                problems.append(
                    Problem(ep.value, 0, 0, f"cannot load scorer plugin {ep.name!r}: {exc}")
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
                spec.loader.exec_module(module)
            except SyntaxError as exc:
                problems.append(
                    Problem(str(path), exc.lineno or 0, exc.offset or 0, f"syntax error: {exc.msg}")
                )
            except Exception as exc:
                line = _exc_line(exc, path)
                problems.append(
                    Problem(str(path), line, 0, f"error while loading custom scorers: {exc!r}")
                )
            finally:
                _LOADING.pop()
                self._current_origin = "builtin"
        return problems

    # -- lookup -------------------------------------------------------------------------
    def get(self, name: str) -> ScorerDef | None:
        self.ensure_builtins()
        return self._defs.get(name)

    def names(self) -> list[str]:
        self.ensure_builtins()
        return sorted(self._defs)

    def __iter__(self) -> Iterator[ScorerDef]:
        self.ensure_builtins()
        return iter(sorted(self._defs.values(), key=lambda d: d.name))


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
        doc = (fn.__doc__ or "").strip().splitlines()
        target = _LOADING[-1] if _LOADING else REGISTRY
        d = ScorerDef(
            name=name or fn.__name__,
            fn=fn,
            params_schema=params,
            description=description or (doc[0] if doc else ""),
            origin=target.current_origin,
        )
        if fn.__module__ in _BUILTIN_MODULES:
            _BUILTIN_DEFS.append(d)
        target.add(d)
        return fn

    return decorate


def coerce_score(value: object, scorer_name: str) -> Score:
    """Turn what a scorer returned into a Score, or raise TypeError saying what was wrong."""
    if isinstance(value, Score):
        v = value.value
        if not isinstance(v, (int, float)) or math.isnan(v) or not 0.0 <= v <= 1.0:
            raise TypeError(f"scorer {scorer_name!r} returned a score outside [0, 1]: {v!r}")
        return value
    if isinstance(value, bool):
        return Score(1.0 if value else 0.0, value, "" if value else f"{scorer_name} failed")
    if isinstance(value, (int, float)):
        if math.isnan(value) or not 0.0 <= value <= 1.0:
            raise TypeError(f"scorer {scorer_name!r} returned a score outside [0, 1]: {value!r}")
        return Score(float(value), value >= 0.5, "")
    raise TypeError(
        f"scorer {scorer_name!r} returned {type(value).__name__}; return a Score, bool or float"
    )


@dataclass(frozen=True)
class ScoreRecord:
    """One scorer's verdict on one response, as stored in results."""

    scorer: str
    score: float
    passed: bool
    reason: str
    weight: float = 1.0
    error: str | None = None
    turn: int | None = None

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
        )


def _raised_at(exc: BaseException, fn: ScorerFn) -> str:
    """`` (file:line)`` of the deepest frame of the scorer's own file, so the fix is one click."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return ""
    line = 0
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == code.co_filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    if not line:
        return ""
    try:
        shown = str(Path(code.co_filename).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        shown = code.co_filename
    return f" ({shown}:{line})"


def apply_scorer(
    spec: ScorerSpec,
    response: Response,
    case: Case,
    registry: Registry = REGISTRY,
    turn: int | None = None,
) -> ScoreRecord:
    """Run one scorer. A scorer that raises gives an ``error`` record, never an exception."""
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
        s = coerce_score(d.fn(response, spec.params, case), spec.name)
    except Exception as exc:
        where = _raised_at(exc, d.fn)
        msg = f"scorer '{spec.name}'{where} raised {type(exc).__name__}: {exc}"
        return ScoreRecord(spec.name, 0.0, False, msg, spec.weight, error=msg, turn=turn)
    return ScoreRecord(spec.name, float(s.value), bool(s.passed), s.reason, spec.weight, turn=turn)
