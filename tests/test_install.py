"""Install lines name only this project, and another project's ``evalgate`` package is caught.

The name ``evalgate`` on the package index (and ``evalgate-ci``, ``evalgate-cli``,
``evalgate-sdk``) belongs to unrelated projects. Every install line in the docs, the examples,
the ``init`` template, the action and evalgate's own hints must install this project.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalgate import __version__
from evalgate.cli.main import main
from evalgate.install import (
    DIST,
    action_ref,
    foreign_owners,
    install_line,
    install_source,
    normalize,
    requirement,
)

ROOT = Path(__file__).resolve().parents[1]
PIP = re.compile(r"pip3?\s+install\s+([^\n`&;|#]*)")
NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*([<>=!~].*)?$")
EXTRA_OF_OTHERS = re.compile(r"(?<![\w-])evalgate(?:-(?:ci|cli|sdk))?\[")


def shipped_text_files() -> Iterator[Path]:
    yield ROOT / "README.md"
    yield ROOT / "action.yml"
    for folder, pattern in (
        ("docs", "*.md"),
        ("examples", "*"),
        ("evalgate/templates", "*"),
        ("evalgate", "*.py"),
    ):
        found = sorted((ROOT / folder).rglob(pattern))
        yield from (p for p in found if p.is_file() and "__pycache__" not in p.parts)


def bad_installs(text: str) -> list[str]:
    """Requirements in ``pip install`` commands that could install someone else's package."""
    bad = [m.group(0) for m in EXTRA_OF_OTHERS.finditer(text)]
    for m in PIP.finditer(text):
        try:
            tokens = shlex.split(m.group(1))
        except ValueError:
            tokens = m.group(1).split()
        for token in tokens:
            if token.startswith(("-", ".", "/", "~", "$", "{")):
                continue  # options, paths, variables
            if " @ " in token:  # a direct reference: the name must be ours
                name = token.split(" @ ", 1)[0].split("[", 1)[0].strip()
                if normalize(name) != DIST:
                    bad.append(token)
                continue
            named = NAME.match(token)
            # any evalgate-like name resolved by the index (ours is not published there)
            if named and normalize(named.group(1)).startswith("evalgate"):
                bad.append(token)
    return bad


def test_the_scan_catches_every_known_foreign_install() -> None:
    for line in (
        "pip install evalgate",
        "python -m pip install --quiet evalgate",
        "pip install 'evalgate[otel]'",
        "pip install evalgate==0.1.0",
        "pip install evalgate-ci",
        "pip install Evalgate_SDK",
        "pip install evalgate-cli>=0.2",
        "pip install evalgate-middleware",  # not on the index: a squatter could take it
        "pip install 'evalgate @ git+https://github.com/OWNER/REPO@v0.1.0'",
        "hint: install the evalgate[langfuse] extra",
    ):
        assert bad_installs(line), line
    for line in (
        "pip install -e '.[dev]'",
        "pip install .",
        f"pip install '{requirement()}'",
        f"pip install '{requirement('otel')}' && evalgate demo",
        'pip install "$ACTION_PATH"',
        "pip install the `version` input",
    ):
        assert not bad_installs(line), line


def test_no_doc_example_template_or_hint_installs_a_foreign_package() -> None:
    found = {
        str(path.relative_to(ROOT)): bad
        for path in shipped_text_files()
        if (bad := bad_installs(path.read_text("utf-8")))
    }
    assert not found, found


def test_the_install_line_names_this_project_and_where_it_came_from() -> None:
    assert normalize(DIST) == DIST and DIST != "evalgate"
    # this checkout is installed from its folder: the line installs that folder again
    source = install_source()
    assert source is not None and source.startswith("file://")
    assert install_line("otel") == f"pip install '{DIST}[otel] @ {source}'"
    pyproject = (ROOT / "pyproject.toml").read_text("utf-8")
    assert re.search(rf'^name = "{DIST}"$', pyproject, re.M)
    assert re.search(rf'^version = "{re.escape(__version__)}"$', pyproject, re.M)


@pytest.mark.parametrize(
    ("direct_url", "source", "action"),
    [
        (
            {"url": "https://github.com/acme/evalgate-fork.git",
             "vcs_info": {"vcs": "git", "commit_id": "0123abc", "requested_revision": "v0.1.0"}},
            "git+https://github.com/acme/evalgate-fork.git@0123abc",
            "acme/evalgate-fork@0123abc",
        ),
        ({"url": "file:///src/evalgate", "dir_info": {}}, "file:///src/evalgate", "OWNER/REPO@v1"),
        (None, None, "OWNER/REPO@v1"),
        ({"url": "https://hg.example/x", "vcs_info": {"vcs": "hg"}}, None, "OWNER/REPO@v1"),
    ],
)  # fmt: skip
def test_the_source_and_action_come_from_what_the_installer_recorded(
    monkeypatch: pytest.MonkeyPatch, direct_url: object, source: str | None, action: str
) -> None:
    import importlib.metadata

    class Dist:
        def read_text(self, name: str) -> str | None:
            assert name == "direct_url.json"
            return None if direct_url is None else json.dumps(direct_url)

    monkeypatch.setattr(importlib.metadata, "distributions", lambda name: [Dist()])
    install_source.cache_clear()
    try:
        assert install_source() == source
        assert action_ref() == action
        fallback = f"git+https://github.com/OWNER/REPO@v{__version__}"
        assert requirement() == f"{DIST} @ {source or fallback}"
    finally:
        install_source.cache_clear()


def fake_dist(site: Path, name: str, *, record: str | None, top_level: str | None = None) -> None:
    info = site / f"{name.replace('-', '_')}-0.3.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.3.0\n")
    if record is not None:
        (info / "RECORD").write_text(record)
    if top_level is not None:
        (info / "top_level.txt").write_text(top_level)


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(sys, "path", [str(tmp_path), *sys.path])
    foreign_owners.cache_clear()
    yield tmp_path
    foreign_owners.cache_clear()


def test_another_distribution_of_the_evalgate_package_is_named(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_dist(site, "evalgate", record="evalgate/__init__.py,,\nevalgate/cli.py,,\n")
    fake_dist(site, "evalgate-sdk", record="x,,\n", top_level="evalgate\n")
    fake_dist(site, "unrelated", record="unrelated/__init__.py,,\n")
    assert foreign_owners() == ("evalgate 0.3.0", "evalgate-sdk 0.3.0")
    assert main(["--version"]) == 2
    err = capsys.readouterr().err
    owners = "'evalgate 0.3.0', 'evalgate-sdk 0.3.0'"
    assert f"{owners} also provide the 'evalgate' import package" in err
    assert f"pip uninstall -y evalgate evalgate-sdk {DIST} && {install_line()}" in err


def test_the_scan_parses_the_metadata_of_evalgate_packages_only(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # every command start scans every installed distribution: parsing each one's METADATA
    # (email headers) cost ~0.4 ms a distribution, most of the scan
    import importlib.metadata

    fake_dist(site, "evalgate-sdk", record="x,,\n", top_level="evalgate\n")
    for i in range(20):
        fake_dist(site, f"other{i}", record=f"other{i}/__init__.py,,\n")
    parsed: list[str] = []
    real = importlib.metadata.Distribution.metadata

    def counting(self: importlib.metadata.Distribution) -> object:
        text = self.read_text("METADATA") or ""
        parsed.append(text.split("Name: ", 1)[-1].split("\n", 1)[0])
        return real.fget(self)  # type: ignore[attr-defined]

    monkeypatch.setattr(importlib.metadata.Distribution, "metadata", property(counting))
    assert foreign_owners() == ("evalgate-sdk 0.3.0",)
    assert "evalgate-sdk" in parsed
    assert not [n for n in parsed if n.startswith("other")]


def test_a_build_folder_egg_info_or_another_package_is_no_conflict(site: Path) -> None:
    fake_dist(site, "evalgate", record=None, top_level="evalgate\n")  # a checkout's egg-info
    fake_dist(site, "egate", record="egate/__init__.py,,\n")
    assert foreign_owners() == ()
    assert main(["--version"]) == 0


def test_a_missing_extra_is_a_usage_error_naming_the_install_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from evalgate.errors import UsageError
    from evalgate.install import load_extra

    monkeypatch.setitem(sys.modules, "langfuse", None)  # import langfuse now fails
    for mod in [m for m in sys.modules if m.startswith("evalgate.integrations.langfuse.")]:
        monkeypatch.delitem(sys.modules, mod)
    with pytest.raises(UsageError) as caught:
        load_extra("langfuse", "evalgate.integrations.langfuse.client", "'evalgate import'")
    assert install_line("langfuse") in str(caught.value)
    assert "'evalgate import' needs the optional 'langfuse' extra" in str(caught.value)


def test_an_import_error_of_evalgate_itself_stays_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    from evalgate.install import load_extra

    monkeypatch.setitem(sys.modules, "evalgate.nothing_here", None)
    with pytest.raises(ImportError):
        load_extra("langfuse", "evalgate.nothing_here", "x")


def test_the_install_line_keeps_our_version_when_init_was_overwritten(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import evalgate.install as inst

    inst.own_version.cache_clear()
    monkeypatch.setattr(inst, "__version__", "0.3.0")  # another project's __init__.py
    monkeypatch.setattr(inst, "install_source", lambda: None)  # nothing recorded: the tag
    try:
        assert inst.requirement().endswith(f"@v{__version__}")
    finally:
        inst.own_version.cache_clear()
