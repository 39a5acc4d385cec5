"""How evalgate is installed, and whether another project's package sits in its place.

The command and the import package are ``evalgate``; the distribution is ``evalgate-middleware``,
because on the package index the name ``evalgate`` (and ``evalgate-ci``, ``evalgate-cli``,
``evalgate-sdk``) belongs to unrelated projects that also install an ``evalgate`` package.
Every install line evalgate prints names this distribution and the source this installation
came from, as the installer recorded it (a folder, or a git URL pinned to its commit; PEP 610),
so that it can only ever install this project again. The docs write ``OWNER/REPO`` for the
repository you install evalgate from: a name on a hosting service may belong to someone else,
so none is guessed.
"""

from __future__ import annotations

import importlib
import json
import re
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

from evalgate import __version__
from evalgate.errors import UsageError

if TYPE_CHECKING:
    from importlib.metadata import Distribution

DIST = "evalgate-middleware"
# the repository you install evalgate from; printed only when the installer recorded no source
REPOSITORY_PLACEHOLDER = "https://github.com/OWNER/REPO"
ACTION_PLACEHOLDER = "OWNER/REPO@v1"  # in the workflow template; `init` fills it in when it can
_GITHUB = re.compile(r"git\+https://github\.com/([\w.-]+/[\w.-]+?)(?:\.git)?@([\w./-]+)$")
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


@cache
def install_source() -> str | None:
    """Where this installation came from, as the installer recorded it (``direct_url.json``):
    ``git+URL@COMMIT`` for a git install, a ``file://`` URL for a folder or archive; None when
    nothing was recorded."""
    from importlib.metadata import distributions

    # the first record that has one: a checkout's own *.egg-info (found first when the current
    # folder is the checkout) records no source
    found = (d.read_text("direct_url.json") for d in distributions(name=DIST))
    text = next((t for t in found if t), None)
    try:
        data = json.loads(text or "null")
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("url"), str):
        return None
    url: str = data["url"]
    vcs = data.get("vcs_info")
    if isinstance(vcs, dict):
        if vcs.get("vcs") != "git":
            return None
        commit = vcs.get("commit_id") or vcs.get("requested_revision")
        return f"git+{url}@{commit}" if commit else f"git+{url}"
    return url if ("dir_info" in data or "archive_info" in data) else None


def requirement(extra: str | None = None) -> str:
    """A requirement that installs this project again, with ``extra``: from the source this
    installation came from, e.g. ``evalgate-middleware[otel] @ git+https://...@<commit>``."""
    name = f"{DIST}[{extra}]" if extra else DIST
    source = install_source() or f"git+{REPOSITORY_PLACEHOLDER}@v{own_version()}"
    return f"{name} @ {source}"


def github_source() -> tuple[str, str] | None:
    """``(owner/repo, ref)`` of the GitHub repository this installation came from, if any."""
    found = _GITHUB.match(install_source() or "")
    return (found.group(1), found.group(2)) if found else None


def action_ref() -> str:
    """The GitHub action reference for the workflow ``init`` writes: the GitHub repository and
    commit this installation came from, else ``OWNER/REPO@v1`` for the user to fill in."""
    found = github_source()
    return f"{found[0]}@{found[1]}" if found else ACTION_PLACEHOLDER


def gitlab_include_fill(text: str) -> tuple[str, bool]:
    """The ``.gitlab-ci.yml`` that ``init --ci gitlab`` writes, with the include and
    ``EVALGATE_INSTALL`` pinned to the GitHub repository and commit this installation came
    from; ``OWNER/REPO`` and this version's tag when that is not known. Returns the text and
    whether the repository was filled in."""
    found = github_source()
    repo, ref = found or ("OWNER/REPO", f"v{own_version()}")
    raw = "raw.githubusercontent.com"
    text = text.replace(f"{raw}/OWNER/REPO/v0.1.0/", f"{raw}/{repo}/{ref}/")
    return text.replace("github.com/OWNER/REPO@v0.1.0", f"github.com/{repo}@{ref}"), bool(found)


def install_line(extra: str | None = None) -> str:
    """A shell command that installs this project, optionally with an extra."""
    return f"pip install '{requirement(extra)}'"


def _top_level(dist: Distribution) -> set[str]:
    return _top_level_names(dist.read_text("top_level.txt"), dist.read_text("RECORD") or "")


def _top_level_names(listed: str | None, record: str) -> set[str]:
    """The top-level names a distribution installs: its ``top_level.txt``, else its RECORD's."""
    if listed is not None:
        return {line.strip() for line in listed.splitlines() if line.strip()}
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
    if _only_own_found():
        return ()
    from importlib.metadata import distributions

    own = normalize(DIST)
    found = set()
    for dist in distributions():
        # the file lists first: parsing a distribution's METADATA costs ten times more, and
        # every command start pays this scan once per installed distribution
        if dist.read_text("RECORD") is None or PACKAGE not in _top_level(dist):
            continue
        name = dist.metadata["Name"] or ""
        if normalize(name) != own:
            found.add(f"{name} {dist.version}")
    return tuple(sorted(found))


def _only_own_found() -> bool:
    """No distribution but this one provides the package, read from the files alone
    (:mod:`evalgate.distscan`): the usual answer, without importing importlib.metadata.
    False when another one may: :func:`foreign_owners` then asks importlib.metadata."""
    from evalgate import distscan

    own = normalize(DIST)
    try:
        for folder in distscan.info_dirs():
            record = distscan.read_text(folder, "RECORD")
            if record is None:
                continue
            listed = distscan.read_text(folder, "top_level.txt")
            if PACKAGE not in _top_level_names(listed, record):
                continue
            name = distscan.metadata_name(folder)
            if name is None or normalize(name) != own:
                return False
    except distscan.Unknown:
        return False
    return True


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
