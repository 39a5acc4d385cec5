"""The start-up's scan of installed distributions answers as importlib.metadata does.

``evalgate.distscan`` reads the metadata folders on ``sys.path`` without importing
importlib.metadata; whatever it cannot answer exactly is left to importlib.metadata.
"""

from __future__ import annotations

import importlib.metadata
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalgate import distscan
from evalgate.install import DIST, foreign_owners
from evalgate.scorers.registry import ENTRY_POINT_GROUP, Registry


def dist(site: Path, name: str, files: dict[str, str], folder: str | None = None) -> Path:
    info = site / (folder or f"{name.replace('-', '_')}-1.0.dist-info")
    info.mkdir(parents=True)
    # a body after the headers: its lines are not headers
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n\nName: x\n"
    (info / "METADATA").write_text(meta)
    for file, text in files.items():
        (info / file).write_text(text)
    return info


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(sys, "path", [str(tmp_path / "missing"), str(tmp_path), *sys.path])
    foreign_owners.cache_clear()
    yield tmp_path
    foreign_owners.cache_clear()


def test_the_folders_are_those_importlib_metadata_finds(site: Path) -> None:
    dist(site, "alpha", {"RECORD": "alpha/__init__.py,,\n"})
    dist(site, "Beta.Two", {}, folder="Beta.Two-2.0.EGG-INFO")
    (site / "gamma-1.0.egg-info").write_text("Name: gamma\n")  # a file, as old installs left
    egg = site / "delta-1.0.egg"
    (egg / "EGG-INFO").mkdir(parents=True)
    sys.path.insert(0, str(egg))
    ours = set(distscan.info_dirs())
    theirs = {str(d._path) for d in importlib.metadata.distributions()}  # type: ignore[attr-defined]
    assert ours == theirs
    assert {str(site / "Beta.Two-2.0.EGG-INFO"), str(egg / "EGG-INFO")} <= ours


def test_the_name_is_the_first_name_header(site: Path) -> None:
    info = dist(site, "evalgate-middleware", {})
    assert distscan.metadata_name(str(info)) == "evalgate-middleware"
    assert distscan.metadata_name(str(site / "nothing-here")) is None


def test_our_own_installed_package_is_no_conflict_and_needs_no_importlib_metadata(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist(site, DIST, {"RECORD": "evalgate/__init__.py,,\nevalgate/cli.py,,\n"})
    dist(site, "other", {"RECORD": "other/__init__.py,,\n", "top_level.txt": "other\n"})

    def refused(*args: object, **kwargs: object) -> object:
        raise AssertionError("importlib.metadata was asked")

    monkeypatch.setattr(importlib.metadata, "distributions", refused)
    assert foreign_owners() == ()


@pytest.mark.parametrize(
    "files",
    [
        {"RECORD": "evalgate/__init__.py,,\n"},
        {"RECORD": "x,,\n", "top_level.txt": "evalgate\n"},
    ],
)
def test_another_owner_is_named_by_importlib_metadata(site: Path, files: dict[str, str]) -> None:
    dist(site, "evalgate-sdk", files)
    assert foreign_owners() == ("evalgate-sdk 1.0",)


def test_what_the_scan_cannot_read_is_left_to_importlib_metadata(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = site / "plugins.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("evalgate_sdk-1.0.dist-info/METADATA", "Name: evalgate-sdk\nVersion: 1.0\n")
        z.writestr("evalgate_sdk-1.0.dist-info/RECORD", "evalgate/__init__.py,,\n")
    monkeypatch.setattr(sys, "path", [str(archive), *sys.path])
    with pytest.raises(distscan.Unknown):
        distscan.info_dirs()
    assert foreign_owners() == ("evalgate-sdk 1.0",)  # found inside the zip, as before


def test_plugins_are_looked_up_only_when_some_distribution_names_the_group(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist(site, "other", {"entry_points.txt": "[console_scripts]\nother = other:main\n"})
    asked: list[str] = []
    real = importlib.metadata.entry_points

    def counting(**kwargs: str) -> object:
        asked.append(kwargs["group"])
        return real(**kwargs)

    monkeypatch.setattr(importlib.metadata, "entry_points", counting)
    assert Registry().load_entry_points() == []
    assert asked == []
    dist(site, "broken", {"entry_points.txt": f"[{ENTRY_POINT_GROUP}]\nbroken = no_such_mod_q\n"})
    problems = Registry().load_entry_points()
    assert asked == [ENTRY_POINT_GROUP]
    assert [p.message for p in problems if "broken" in p.message]
