from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalgate.model import Case, Response, ScorerSpec
from evalgate.scorers.registry import REGISTRY, Registry, apply_scorer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

GOOD = '''
from evalgate import Score, scorer

@scorer("says_hello", params={"type": "boolean"})
def says_hello(response, params, case):
    """The answer greets."""
    ok = "hello" in (response.output or "").lower()
    return Score(1.0 if ok else 0.0, ok, "greets" if ok else "no greeting")
'''


def test_load_dir_registers_into_that_registry_only(tmp_path: Path) -> None:
    (tmp_path / "good.py").write_text(GOOD)
    (tmp_path / "_private.py").write_text("raise RuntimeError('never imported')\n")
    reg = Registry()
    assert reg.load_dir(tmp_path) == []
    d = reg.get("says_hello")
    assert d is not None and d.origin == str(tmp_path / "good.py")
    assert d.description == "The answer greets."
    assert REGISTRY.get("says_hello") is None  # no leak into the global registry
    rec = apply_scorer(
        ScorerSpec("says_hello", True), Response(output="Hello!"), Case("c", "d"), reg
    )
    assert (rec.passed, rec.reason) == (True, "greets")


def test_load_dir_reports_syntax_error_with_line(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("x = 1\ndef f(:\n    pass\n")
    problems = Registry().load_dir(tmp_path)
    assert len(problems) == 1
    p = problems[0]
    assert (p.file, p.line) == (str(tmp_path / "broken.py"), 2)
    assert p.message.startswith("syntax error:")


def test_load_dir_reports_import_time_error_with_line(tmp_path: Path) -> None:
    (tmp_path / "a_good.py").write_text(GOOD)
    (tmp_path / "raises.py").write_text("import os\n\nraise RuntimeError('boom')\n")
    reg = Registry()
    problems = reg.load_dir(tmp_path)
    assert [(p.line, p.message) for p in problems] == [
        (3, "error while loading custom scorers: RuntimeError: boom")
    ]
    assert reg.get("says_hello") is not None  # the good file still loaded


def test_fresh_registries_all_get_the_builtins() -> None:
    first, second = Registry(), Registry()
    names = {"contains", "refusal", "citation", "tool_call", "json_schema", "max_tokens"}
    assert names <= set(first.names())
    assert names <= set(second.names())  # built-in modules were already imported


@pytest.fixture
def installed_plugin(tmp_path: Path) -> Iterator[Path]:
    """Install tests/fixtures/plugin_pkg by hand: the module plus a dist-info with the entry
    point, on sys.path. Offline and without a build backend, unlike ``pip install``."""
    site = tmp_path / "site"
    shutil.copytree(
        FIXTURES / "plugin_pkg" / "evalgate_plugin_example", site / "evalgate_plugin_example"
    )
    info = site / "evalgate_plugin_example-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: evalgate-plugin-example\nVersion: 0.1.0\n"
    )
    (info / "entry_points.txt").write_text(
        "[evalgate.scorers]\nexample = evalgate_plugin_example\n"
    )
    sys.path.insert(0, str(site))
    try:
        yield site
    finally:
        sys.path.remove(str(site))
        sys.modules.pop("evalgate_plugin_example", None)


def test_entry_point_plugin_is_loaded(installed_plugin: Path) -> None:
    reg = Registry()
    assert reg.get("answer_is_short") is None
    assert reg.load_entry_points() == []
    d = reg.get("answer_is_short")
    assert d is not None
    assert d.origin == "entry point example (evalgate_plugin_example)"
    rec = apply_scorer(
        ScorerSpec("answer_is_short", 5), Response(output="too long"), Case("c", "d"), reg
    )
    assert (rec.passed, rec.reason) == (False, "8 characters (limit 5)")
    assert reg.load_entry_points() == []  # loads once


def test_broken_entry_point_is_a_problem(tmp_path: Path) -> None:
    site = tmp_path / "site"
    info = site / "broken_plugin-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[evalgate.scorers]\nbroken = no_such_module_xyz\n")
    sys.path.insert(0, str(site))
    try:
        problems = Registry().load_entry_points()
    finally:
        sys.path.remove(str(site))
    assert len(problems) == 1
    assert problems[0].message.startswith(
        "cannot load scorer plugin 'broken': ModuleNotFoundError: No module named"
    )


def test_plugin_reusing_a_builtin_name_is_reported(tmp_path: Path) -> None:
    (tmp_path / "shadow.py").write_text(
        "from evalgate import scorer\n\n@scorer('contains')\ndef mine(r, p, c):\n    return True\n"
    )
    reg = Registry()
    problems = reg.load_dir(tmp_path)
    assert len(problems) == 1 and problems[0].line == 3
    assert "scorer 'contains' from" in problems[0].message
    assert "clashes with the one from builtin" in problems[0].message
    d = reg.get("contains")
    assert d is not None and d.origin == "builtin"
