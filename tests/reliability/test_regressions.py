"""Inputs that once crashed evalgate (exit 4 or a traceback), kept as plain regression tests."""

from __future__ import annotations

from tests.reliability.conftest import FaultProject, unique


def test_out_folder_under_a_file_is_a_usage_error(fp: FaultProject) -> None:
    fp.write({"a": f"/ok?key={unique('a')}"})
    (fp.root / "afile").write_text("x")
    ran = fp.run("afile/sub")
    assert ran.code == 2 and "Traceback" not in ran.err
    assert "afile/sub: cannot create the run folder (Not a directory)" in ran.err
