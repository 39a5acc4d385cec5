"""The pytest plugin: goldens as items, the gate decides, off unless asked for."""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.engine.helpers import write_project

pytest_plugins = ("pytester",)

# Most runs are in-process (``pytester.runpytest``; ``pytest --runpytest=subprocess`` runs them
# all in a child): what they check is collection, items, outcomes and the files a run leaves.
# A few stay in a real child process, where the boundary is the subject: that a plain session
# loads nothing of evalgate, and the exit status the gate gives the process (1, 2, 3).


@pytest.fixture(scope="module", autouse=True)
def _imported_first() -> Iterator[None]:
    """Everything an in-process run imports is imported before ``pytester`` notes sys.modules:
    it drops the modules a run imported when the test ends, and a module imported again later
    (an evalgate module, a transport) would be a second copy beside the one others hold."""
    import evalgate

    for info in pkgutil.walk_packages(evalgate.__path__, "evalgate."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    for name in ("aiohttp", "httpx", "jsonschema", "jmespath", "yaml", "rich.console"):
        importlib.import_module(name)
    yield


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
    result = pytester.runpytest("-p", "no:cacheprovider", "--evalgate")
    result.assert_outcomes(passed=1)


def test_goldens_are_items_named_by_case_id(pytester: pytest.Pytester) -> None:
    _project(pytester)
    result = pytester.runpytest("-p", "no:cacheprovider", "--evalgate", "-v")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["evalgate.yaml::greeting PASSED*"])
    result.stdout.fnmatch_lines(["evalgate.yaml::refund PASSED*"])
    result.stdout.fnmatch_lines(["*gate: * (exit 0)*"])
    assert result.ret == 0


def test_the_ini_option_enables_it_too(pytester: pytest.Pytester) -> None:
    _project(pytester)
    pytester.makeini("[pytest]\nevalgate = true\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3)


def test_markers_select_cases_and_only_those_run(pytester: pytest.Pytester) -> None:
    _project(pytester)
    result = pytester.runpytest(
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
    first = pytester.runpytest("-p", "no:cacheprovider", "--evalgate", "--evalgate-record-baseline")
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
    result = pytester.runpytest("-p", "no:cacheprovider")
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


PRICED_APP = """
def answer(request):
    return {"answer": "Refunds within 30 days.", "version": "v1", "model": "m-1",
            "usage": {"input_tokens": 1000, "output_tokens": 1000}}
"""


def _priced_project(pytester: pytest.Pytester) -> Path:
    """Five cases, one at a time, each call costing $2 (1,000 + 1,000 tokens at $1,000/Mtok)."""
    cases = "".join(
        f'  - id: c{i}\n    input: {{message: "refund {i}"}}\n    expect:\n'
        '      - contains: "30 days"\n'
        for i in range(5)
    )
    root = pytester.path
    (root / "priced.py").write_text(PRICED_APP, encoding="utf-8")
    (root / "goldens").mkdir(exist_ok=True)
    (root / "goldens" / "g.yaml").write_text(f"dataset: d\ncases:\n{cases}", encoding="utf-8")
    cfg = root / "evalgate.yaml"
    cfg.write_text(
        "version: 1\n"
        "target:\n"
        '  python: "priced:answer"\n'
        '  body: {message: "{{ input.message }}"}\n'
        "  response: {output: answer, prompt_version: version, model: model,\n"
        "             input_tokens: usage.input_tokens, output_tokens: usage.output_tokens}\n"
        "  retries: 0\n"
        "  timeout_s: 5\n"
        "  concurrency: 1\n"
        "pricing: {m-1: {input_per_mtok: 1000, output_per_mtok: 1000}}\n"
        "goldens: [goldens]\n",
        encoding="utf-8",
    )
    return cfg


def _results(pytester: pytest.Pytester) -> list[str]:
    (run,) = list((pytester.path / ".evalgate" / "runs").iterdir())
    return (run / "results.jsonl").read_text().splitlines()


def test_max_cost_stops_the_run_inconclusive_as_the_cli_does(pytester: pytest.Pytester) -> None:
    _priced_project(pytester)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--evalgate", "--evalgate-max-cost", "3"
    )
    assert result.ret == 3, result.stdout.str()  # inconclusive: the budget was reached
    assert 1 <= len(_results(pytester)) < 5  # stopped early, what finished is kept


def test_without_max_cost_the_priced_run_finishes(pytester: pytest.Pytester) -> None:
    _priced_project(pytester)
    result = pytester.runpytest("-p", "no:cacheprovider", "--evalgate")
    assert result.ret == 0, result.stdout.str()
    assert len(_results(pytester)) == 5


def test_a_bad_max_cost_is_a_usage_error_naming_the_option(pytester: pytest.Pytester) -> None:
    _priced_project(pytester)
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--evalgate", "--evalgate-max-cost", "lots"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--evalgate-max-cost 'lots': expected an amount in USD*"])
    assert not (pytester.path / ".evalgate").exists()


def test_no_judge_cache_asks_the_judge_again(pytester: pytest.Pytester) -> None:
    from evalgate.demo.server import start_server

    demo = start_server()
    try:
        _project(pytester)
        (pytester.path / "goldens" / "app.yaml").write_text(
            'dataset: app\ncases:\n  - id: refund\n    input: {message: "How do refunds work?"}\n'
            "    expect:\n      - rubric: \"The answer must mention '30 days'\"\n",
            encoding="utf-8",
        )
        with (pytester.path / "evalgate.yaml").open("a", encoding="utf-8") as f:
            f.write(f"judge: {{base_url: '{demo.url}/v1', model: demo-judge}}\n")

        def judge_calls(*args: str) -> int:
            result = pytester.runpytest("-p", "no:cacheprovider", "--evalgate", *args)
            assert result.ret == 0, result.stdout.str() + result.stderr.str()
            runs = sorted((pytester.path / ".evalgate" / "runs").iterdir())
            newest = max(runs, key=lambda p: p.stat().st_mtime_ns)
            usage = json.loads((newest / "judge.json").read_text())
            return int(usage["calls"])

        assert judge_calls() == 1
        assert judge_calls() == 0  # the verdict is reused
        assert judge_calls("--evalgate-no-judge-cache") == 1
    finally:
        demo.stop()
