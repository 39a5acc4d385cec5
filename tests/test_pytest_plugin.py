"""The pytest plugin: goldens as items, the gate decides, off unless asked for."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.engine.helpers import write_project

pytest_plugins = ("pytester",)

ORDINARY = "def test_ordinary():\n    assert True\n"


def _project(pytester: pytest.Pytester, function: str = "app:answer") -> Path:
    cfg = write_project(pytester.path, function)
    pytester.makepyfile(test_ordinary=ORDINARY)
    return cfg


def test_without_the_option_nothing_is_collected_or_loaded(pytester: pytest.Pytester) -> None:
    _project(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    out = result.stdout.str()
    assert "evalgate.yaml::" not in out and "= evalgate =" not in out
    assert not (pytester.path / ".evalgate").exists()  # nothing ran


def test_without_a_config_the_option_does_nothing(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_ordinary=ORDINARY)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--evalgate")
    result.assert_outcomes(passed=1)


def test_goldens_are_items_named_by_case_id(pytester: pytest.Pytester) -> None:
    _project(pytester)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--evalgate", "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["evalgate.yaml::greeting PASSED*"])
    result.stdout.fnmatch_lines(["evalgate.yaml::refund PASSED*"])
    result.stdout.fnmatch_lines(["*gate: * (exit 0)*"])
    assert result.ret == 0


def test_the_ini_option_enables_it_too(pytester: pytest.Pytester) -> None:
    _project(pytester)
    pytester.makeini("[pytest]\nevalgate = true\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_markers_select_cases_and_only_those_run(pytester: pytest.Pytester) -> None:
    _project(pytester)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--strict-markers", "--evalgate", "-m", "billing"
    )
    result.assert_outcomes(passed=1)
    runs = list((pytester.path / ".evalgate" / "runs").iterdir())
    assert len(runs) == 1  # one run for the session
    lines = (runs[0] / "results.jsonl").read_text().splitlines()
    assert len(lines) == 1 and '"refund"' in lines[0]  # each case called and scored once


def test_a_regression_fails_its_item_at_the_golden_line_and_the_gate_sets_the_exit(
    pytester: pytest.Pytester,
) -> None:
    cfg = _project(pytester)
    first = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--evalgate", "--evalgate-record-baseline"
    )
    assert first.ret == 0
    cfg.write_text(cfg.read_text().replace("app:answer", "app:regressed"))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--evalgate")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*goldens/app.yaml:3: golden case 'refund'*", "*contains*"])
    assert result.ret == 1  # the gate's exit code: blocked


def test_assert_case_scores_an_answer_against_a_golden(pytester: pytest.Pytester) -> None:
    write_project(pytester.path)
    pytester.makepyfile(
        test_app="""
        import pytest
        from evalgate.testing import assert_case

        def test_good():
            assert_case("refund", "Refunds are possible within 30 days.")

        def test_document():
            assert_case("refund", {"answer": "30 days", "version": "v1"})

        def test_bad():
            assert_case("refund", "No refunds, ever.")
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*goldens/app.yaml:3: golden case 'refund' failed*"])


def test_broken_goldens_are_one_failure_with_file_line_and_exit_2(
    pytester: pytest.Pytester,
) -> None:
    write_project(pytester.path, goldens="dataset: app\ncases:\n  - id: x\n    expect: 3\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--evalgate")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*goldens/app.yaml:4:*'expect' must be a list*"])
    assert result.ret == 2
