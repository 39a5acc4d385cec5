"""Limits at the CLI: YAML alias bombs and oversized files are refused with a message (exit 2)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from evalgate.config import yamlsrc
from tests.reliability.fuzzing import cli
from tests.support.timing import timed_variant

CONFIG = (
    "version: 1\ntarget: {url: 'http://127.0.0.1:1/x'}\ngoldens: [goldens/]\nscorers_dir: null\n"
)
GOLDEN = "dataset: d\ncases:\n  - id: a\n    input: {message: hi}\n    expect: [contains: x]\n"


def _bomb(levels: int = 12) -> str:
    """Billion laughs: each level refers to the previous one ten times (10**levels values)."""
    lines = ['a0: &a0 ["lol"]']
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "evalgate.yaml").write_text(CONFIG)
    (tmp_path / "goldens").mkdir()
    (tmp_path / "goldens" / "g.yaml").write_text(GOLDEN)
    assert cli(["validate"], tmp_path).code == 0
    return tmp_path


@timed_variant
def test_alias_bomb_in_the_config(project: Path, timed: bool) -> None:
    (project / "evalgate.yaml").write_text(CONFIG + "x:\n" + _indent(_bomb()))
    t = time.perf_counter()
    res = cli(["validate"], project)
    res.assert_clean({2})
    assert "evalgate.yaml:1:1: document expands to too many values (YAML aliases?)" in res.out
    assert not timed or time.perf_counter() - t < 2.0


def test_alias_bomb_in_a_golden_file(project: Path) -> None:
    (project / "goldens" / "g.yaml").write_text(GOLDEN + "x:\n" + _indent(_bomb()))
    res = cli(["validate"], project)
    res.assert_clean({2})
    assert "goldens/g.yaml:1:1: document expands to too many values" in res.out
    res = cli(["run", "-q"], project)  # run refuses it the same way, before any call
    res.assert_clean({2})
    assert "expands to too many values" in res.err


def test_a_few_aliases_are_fine(project: Path) -> None:
    text = "dataset: d\ndefaults: &d {tags: [t]}\ncases:\n  - id: a\n    input: {message: hi}\n"
    (project / "goldens" / "g.yaml").write_text(text + "    expect: [contains: x]\n")
    cli(["validate"], project).assert_clean({0})


@pytest.mark.parametrize(
    ("where", "limit", "mib"),
    [
        ("evalgate.yaml", yamlsrc.MAX_FILE_BYTES, 20),
        ("goldens/big.yaml", yamlsrc.MAX_GOLDEN_BYTES, 64),
    ],
)
@timed_variant
def test_oversized_files_are_refused_unread(
    project: Path, where: str, limit: int, mib: int, timed: bool
) -> None:
    path = project / where
    with open(path, "ab") as f:
        f.truncate(limit + 1)  # sparse: the size is real, the disk use is not
    t = time.perf_counter()
    res = cli(["validate"], project)
    res.assert_clean({2})
    assert f"{where}:1:1: file is larger than {mib} MiB" in res.out
    assert not timed or time.perf_counter() - t < 2.0


def test_deep_nesting_is_refused(project: Path) -> None:
    (project / "goldens" / "g.yaml").write_text(GOLDEN + "x: " + "[" * 5000 + "]" * 5000 + "\n")
    res = cli(["validate"], project)
    res.assert_clean({2})
    assert "goldens/g.yaml" in res.out


def test_binary_golden_file(project: Path) -> None:
    (project / "goldens" / "g.yaml").write_bytes(b"\xff\xfe\x00garbage\x89PNG")
    res = cli(["validate"], project)
    res.assert_clean({2})
    assert "goldens/g.yaml:1:1: not UTF-8 text" in res.out


def _indent(text: str) -> str:
    return "".join(f"  {line}\n" for line in text.splitlines())
