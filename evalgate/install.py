"""How evalgate is installed, and whether another project's package sits in its place.

The command and the import package are ``evalgate``; the distribution is ``evalgate-middleware``,
because on the package index the name ``evalgate`` (and ``evalgate-ci``, ``evalgate-cli``,
``evalgate-sdk``) belongs to unrelated projects that also install an ``evalgate`` package.
Every install line evalgate prints or documents names this distribution and a pinned tag of
this repository, so that it can only ever install this project.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

from evalgate import __version__
from evalgate.errors import UsageError

if TYPE_CHECKING:
    from importlib.metadata import Distribution

DIST = "evalgate-middleware"
REPOSITORY = "https://github.com/evalgate/evalgate"
PACKAGE = "evalgate"
# the optional extras and the top-level modules whose absence means the extra is missing
EXTRAS = {"langfuse": ("langfuse",), "otel": ("opentelemetry",)}


def normalize(name: str) -> str:
    """A distribution name as the package index compares names (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


@cache
def own_version() -> str:
    """This installation's version, from its own metadata (which another project's files in
    the ``evalgate`` package cannot replace), else the package's ``__version__``."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DIST)
    except PackageNotFoundError:
        return __version__


def requirement(extra: str | None = None) -> str:
    """A requirement that installs this project (pinned to this version's tag), e.g.
    ``evalgate-middleware[otel] @ git+https://github.com/evalgate/evalgate@v0.1.0``."""
    name = f"{DIST}[{extra}]" if extra else DIST
    return f"{name} @ git+{REPOSITORY}@v{own_version()}"


def install_line(extra: str | None = None) -> str:
    """A shell command that installs this project, optionally with an extra."""
    return f"pip install '{requirement(extra)}'"


def _top_level(dist: Distribution) -> set[str]:
    listed = dist.read_text("top_level.txt")
    if listed is not None:
        return {line.strip() for line in listed.splitlines() if line.strip()}
    record = dist.read_text("RECORD") or ""
    names = set()
    for line in record.splitlines():
        first = line.split(",", 1)[0].split("/", 1)[0]
        names.add(first.removesuffix(".py"))
    return names


@cache
def foreign_owners() -> tuple[str, ...]:
    """Other installed distributions that provide the ``evalgate`` import package, as
    ``"name version"``. Only distributions an installer recorded (with a RECORD file) count:
    the ``*.egg-info`` a build leaves in a source checkout is not an installation."""
    from importlib.metadata import distributions

    own = normalize(DIST)
    found = set()
    for dist in distributions():
        name = dist.metadata["Name"] or ""
        if normalize(name) == own or dist.read_text("RECORD") is None:
            continue
        if PACKAGE in _top_level(dist):
            found.add(f"{name} {dist.version}")
    return tuple(sorted(found))


def conflict_message(owners: tuple[str, ...]) -> str:
    """What to do when other distributions install files into the ``evalgate`` package."""
    names = ", ".join(f"'{o}'" for o in owners)
    bare = " ".join(o.split(" ", 1)[0] for o in owners)
    verb = "provides" if len(owners) == 1 else "provide"
    return (
        f"another project is installed in evalgate's place: {names} also {verb} the"
        f" '{PACKAGE}' import package, so its files and evalgate's overwrite each other and"
        " neither can be trusted. Remove both and install evalgate again:"
        f" pip uninstall -y {bare} {DIST} && {install_line()}"
    )


def load_extra(extra: str, module: str, what: str) -> ModuleType:
    """Import ``module`` (a part of evalgate that needs ``extra``), or stop with exit 2 and the
    install line when the extra's packages are missing or do not import. Called before anything
    is spent, so a missing extra never costs a run. Other import errors are bugs, and raised."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = (exc.name or "").split(".", 1)[0]
        if top not in EXTRAS[extra]:
            raise
        raise UsageError(
            f"{what} needs the optional '{extra}' extra, which is not installed"
            f" ({type(exc).__name__}: {exc}); install it with: {install_line(extra)}"
        ) from None
