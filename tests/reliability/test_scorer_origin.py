"""Custom scorers are code: only files in ``scorers_dir`` (not nested, not ``_``-files) and
installed entry points are imported; ``validate`` says where each custom scorer came from."""

from __future__ import annotations

from pathlib import Path

from tests.reliability.conftest import FaultProject, unique
from tests.reliability.fuzzing import cli

PLUGIN = """
from pathlib import Path
from evalgate import Score, scorer

Path(__file__).with_suffix(".imported").write_text("x")  # proof of import

@scorer("{name}")
def fn(response, params, case):
    return Score(1.0, True, "ok")
"""


def _plant(path: Path, name: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PLUGIN.replace("{name}", name))
    return path.with_suffix(".imported")


def test_only_scorers_dir_is_imported(fp: FaultProject) -> None:
    fp.write({"a": f"/ok?key={unique('a')}"}, extra={"scorers_dir": "scorers"})
    good = _plant(fp.root / "scorers" / "shouted.py", "shouted")
    elsewhere = [
        _plant(fp.root / "goldens" / "evil.py", "evil"),  # next to the goldens
        _plant(fp.root / "scorers" / "nested" / "deep.py", "deep"),  # not recursive
        _plant(fp.root / "scorers" / "_private.py", "private"),  # _-files skipped
        _plant(fp.root / "evil_root.py", "root"),  # the project root
    ]
    res = cli(["validate"], fp.root)
    res.assert_clean({0})
    assert "custom scorers: shouted (from scorers)" in res.err
    listed = cli(["validate", "--list-scorers"], fp.root)
    line = next(x for x in listed.out.splitlines() if x.startswith("shouted"))
    assert str(fp.root / "scorers" / "shouted.py") in line
    assert not any(
        x.split()[0] in ("evil", "deep", "private", "root") for x in listed.out.split("\n") if x
    )
    # a golden naming a scorer from a file outside scorers_dir: unknown, and still not imported
    golden = fp.root / "goldens" / "cases.yaml"
    golden.write_text(golden.read_text().replace("- contains: echo", "- evil: true"))
    res = cli(["validate"], fp.root)
    res.assert_clean({2})
    assert "unknown scorer 'evil'" in res.out
    assert good.exists() and not any(p.exists() for p in elsewhere)
    res = cli(["run", "-q", "--no-gate"], fp.root)
    res.assert_clean({2})
    assert not any(p.exists() for p in elsewhere)


def test_no_scorers_dir_imports_nothing(fp: FaultProject) -> None:
    fp.write({"a": f"/ok?key={unique('a')}"})  # scorers_dir: null
    marker = _plant(fp.root / "scorers" / "shouted.py", "shouted")
    res = cli(["validate"], fp.root)
    res.assert_clean({0})
    assert not marker.exists() and "custom scorers" not in res.err
