"""A project: the config, its custom scorers and its goldens, loaded together once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from evalgate.config.goldens import GoldenSet, load_goldens
from evalgate.config.loader import load_config
from evalgate.config.model import Config
from evalgate.errors import ConfigError, Problem
from evalgate.fsutil import display_path
from evalgate.scorers.registry import REGISTRY, Registry


@dataclass(frozen=True)
class Project:
    config: Config
    goldens: GoldenSet
    scorer_dirs: tuple[str, ...]
    problems: tuple[Problem, ...]  # scorer plugin problems + golden problems

    @property
    def ok(self) -> bool:
        return not self.problems


def load_project(
    config_path: Path,
    *,
    goldens: Sequence[Path] | None = None,
    environ: Mapping[str, str] | None = None,
    registry: Registry = REGISTRY,
    unset: list[Problem] | None = None,
) -> Project:
    """Load config (raises ConfigError if invalid), custom scorers, then goldens.

    ``unset``: collect unset ``${VAR}`` there instead of failing (see :func:`load_config`)."""
    config = load_config(config_path, environ, unset)
    problems: list[Problem] = []
    scorer_dirs: list[str] = []
    registry.ensure_builtins()
    registry.time_limit_s = config.scorer_timeout_s or None
    if config.scorers_dir:
        d = config.resolve(config.scorers_dir)
        if d.is_dir():
            scorer_dirs.append(display_path(d))
            problems.extend(registry.load_dir(d))
    problems.extend(registry.load_entry_points())
    paths = list(goldens) if goldens else [config.resolve(g) for g in config.goldens]
    from evalgate.config.template_check import case_reads, template_problems
    from evalgate.llmjudge.checks import judge_problems

    gs = load_goldens(paths, registry, case_reads(config))
    if not gs.problems:
        problems.extend(template_problems(config, gs.cases))
        problems.extend(judge_problems(config, gs.cases))
    return Project(config, gs, tuple(scorer_dirs), tuple(problems) + gs.problems)


def load_checked_project(
    config_path: Path,
    *,
    goldens: Sequence[Path] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Project:
    """:func:`load_project`, where any problem raises one ConfigError listing them all (exit 2)."""
    project = load_project(config_path, goldens=goldens, environ=environ)
    if project.problems:
        n = len(project.problems)
        raise ConfigError(
            f"{n} problem{'s' if n != 1 else ''} found; fix them (see 'evalgate validate')",
            sorted(project.problems, key=lambda p: (p.file, p.line, p.col)),
        )
    return project
