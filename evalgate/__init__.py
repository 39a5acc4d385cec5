"""evalgate: the eval gate for LLM middleware.

Running an eval from Python (see docs/python.md)::

    import evalgate

    result = evalgate.run("evalgate.yaml", tags=["smoke"])
    assert result.passed, result.verdict

Writing a custom scorer::

    from evalgate import Case, Response, Score, scorer

Every name is imported on first use, so ``import evalgate`` costs nothing (the pytest plugin
is loaded by every pytest session of an environment where evalgate is installed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from evalgate.api import load_project, run
    from evalgate.engine.core import EvalResult, Hooks, RunOptions
    from evalgate.errors import (
        ConfigError,
        EvalgateError,
        ExitCode,
        GateFailed,
        InconclusiveError,
        UsageError,
    )
    from evalgate.gate.verdict import Reason, Verdict
    from evalgate.model import Case, Response, Score, ToolCall
    from evalgate.project import Project
    from evalgate.results import CaseResult
    from evalgate.run_summary import RunSummary
    from evalgate.scorers.registry import scorer

__version__ = "0.1.0"

_LAZY = {
    "Case": "evalgate.model",
    "Response": "evalgate.model",
    "Score": "evalgate.model",
    "ToolCall": "evalgate.model",
    "scorer": "evalgate.scorers.registry",
    "run": "evalgate.api",
    "load_project": "evalgate.api",
    "EvalResult": "evalgate.engine.core",
    "Hooks": "evalgate.engine.core",
    "RunOptions": "evalgate.engine.core",
    "Project": "evalgate.project",
    "CaseResult": "evalgate.results",
    "RunSummary": "evalgate.run_summary",
    "Verdict": "evalgate.gate.verdict",
    "Reason": "evalgate.gate.verdict",
    "ExitCode": "evalgate.errors",
    "EvalgateError": "evalgate.errors",
    "ConfigError": "evalgate.errors",
    "UsageError": "evalgate.errors",
    "GateFailed": "evalgate.errors",
    "InconclusiveError": "evalgate.errors",
}

__all__ = [
    "Case",
    "CaseResult",
    "ConfigError",
    "EvalResult",
    "EvalgateError",
    "ExitCode",
    "GateFailed",
    "Hooks",
    "InconclusiveError",
    "Project",
    "Reason",
    "Response",
    "RunOptions",
    "RunSummary",
    "Score",
    "ToolCall",
    "UsageError",
    "Verdict",
    "__version__",
    "load_project",
    "run",
    "scorer",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'evalgate' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
