"""One small error hierarchy. Each error carries its exit code and a message that says the fix."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes shared by every command (see docs/exit-codes.md)."""

    OK = 0
    GATE_FAILED = 1
    USAGE = 2
    INCONCLUSIVE = 3
    INTERNAL = 4
    INTERRUPTED = 130


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file: rendered as ``file:line:col: message``."""

    file: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.message}"


class EvalgateError(Exception):
    """Base of every error evalgate reports to the user without a traceback."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(EvalgateError):
    """Bad command-line usage or an unavailable feature (exit 2)."""


class ConfigError(EvalgateError):
    """Invalid config, goldens, scorers or stored files (exit 2)."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        lines = [str(p) for p in self.problems]
        if self.message:
            lines.append(self.message)
        return "\n".join(lines)


class InconclusiveError(EvalgateError):
    """The run could not be judged: endpoint down, baseline missing, too many errors (exit 3)."""

    exit_code = ExitCode.INCONCLUSIVE


class GateFailed(EvalgateError):
    """Quality regression or an absolute threshold not met (exit 1)."""

    exit_code = ExitCode.GATE_FAILED
