from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evalgate.cli.main import main

CONFIG = """\
target: {url: "http://127.0.0.1:9/v1", headers: {Authorization: "Bearer ${API_KEY:-none}"}}
goldens: [goldens/]
scorers_dir: scorers/
"""
SCORER = """\
from evalgate import Score, scorer


@scorer("polite", params={"type": "boolean"})
def polite(response, params, case):
    ok = "please" in (response.output or "").lower()
    return Score(1.0 if ok else 0.0, ok == params, "")
"""
GOLDEN = """\
dataset: demo
cases:
  - id: a
    input: {message: hi}
    expect: [polite: true]
"""


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "goldens").mkdir()
    (tmp_path / "scorers").mkdir()
    (tmp_path / "evalgate.yaml").write_text(CONFIG)
    (tmp_path / "scorers" / "polite.py").write_text(SCORER)
    (tmp_path / "goldens" / "demo.yaml").write_text(GOLDEN)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EVALGATE_CONFIG", raising=False)
    return tmp_path


def test_valid_project_with_custom_scorer(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate"]) == 0
    err = capsys.readouterr().err
    assert "ok: 1 golden file(s), 1 case(s); custom scorers: polite (from scorers)" in err


def test_misspelt_custom_scorer_is_located(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "goldens" / "demo.yaml").write_text(GOLDEN.replace("polite: true", "polit: true"))
    assert main(["validate"]) == 2
    out, err = capsys.readouterr()
    assert out == "goldens/demo.yaml:5:14: unknown scorer 'polit' (did you mean 'polite'?)\n"
    assert err == "1 problem in 1 file\n"


def test_scorer_params_checked_against_schema(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "goldens" / "demo.yaml").write_text(GOLDEN.replace("polite: true", "polite: yes!"))
    assert main(["validate"]) == 2
    assert capsys.readouterr().out == (
        "goldens/demo.yaml:5:22: polite: 'polite' must be true or false, got a string\n"
    )


def test_broken_custom_scorer_file_is_reported_with_path(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "scorers" / "broken.py").write_text("def f(:\n")
    assert main(["validate"]) == 2
    out = capsys.readouterr().out
    assert out.startswith(f"{project / 'scorers' / 'broken.py'}:1:7: syntax error:")


def test_strict_fails_on_pending(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "goldens" / "demo.yaml").write_text(GOLDEN + "    review: pending\n")
    assert main(["validate"]) == 0
    assert "1 pending review" in capsys.readouterr().err
    assert main(["validate", "--strict"]) == 2
    assert capsys.readouterr().out == (
        "goldens/demo.yaml:3:1: case 'a' is pending review (review: pending); review it, then"
        " set 'review: approved' or remove the key\n"
    )


def test_json_output(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "goldens" / "demo.yaml").write_text(GOLDEN.replace("id: a", "id: 'a b'"))
    assert main(["validate", "--json"]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert data["problems"][0]["line"] == 3 and "not allowed" in data["problems"][0]["message"]


def test_config_env_var_and_option(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "other.yaml").write_text(CONFIG)
    (project / "evalgate.yaml").unlink()
    assert main(["validate"]) == 2
    assert "evalgate.yaml: config file not found; create one with 'evalgate init'" in (
        capsys.readouterr().err
    )
    assert main(["validate", "--config", "other.yaml"]) == 0
    monkeypatch.setenv("EVALGATE_CONFIG", "other.yaml")
    assert main(["validate"]) == 0


def test_secret_never_in_error_output(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("API_KEY", "sk-very-secret-value-42")
    (project / "evalgate.yaml").write_text(CONFIG + "gate: {baseline: '${API_KEY}', max_drop: 7}\n")
    assert main(["validate"]) == 2
    out, err = capsys.readouterr()
    assert "sk-very-secret-value-42" not in out + err
    assert "'max_drop' must be <= 1, got 7" in out


def test_internal_errors_are_one_line_and_debug_shows_traceback(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import evalgate.cli.cmd_validate as mod

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(mod, "load_project", boom)
    assert main(["validate"]) == 4
    err = capsys.readouterr().err
    assert err.startswith("internal error: RuntimeError: kaput\n")
    assert "Traceback" not in err and "re-run with --debug" in err
    assert main(["--debug", "validate"]) == 4
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_schema_command_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "golden"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["title"] == "evalgate golden file"
    assert main(["schema", "nope"]) == 2


yamlish = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "input",
                    "cases",
                    "expect",
                    "turns",
                    "tags",
                    "repeat",
                    "x",
                    "contains",
                    "dataset",
                    "defaults",
                    "weight",
                    "skip",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=yamlish, raw=st.text(max_size=60))
def test_arbitrary_input_never_crashes(project: Path, doc: object, raw: str) -> None:
    import yaml

    (project / "goldens" / "demo.yaml").write_text(yaml.safe_dump(doc))
    assert main(["validate"]) in (0, 2)
    (project / "goldens" / "demo.yaml").write_text(raw)
    assert main(["validate"]) in (0, 2)
    (project / "evalgate.yaml").write_text(raw)
    assert main(["validate"]) in (0, 2)
    (project / "evalgate.yaml").write_text(CONFIG)


def test_installed_command_runs_as_a_subprocess(project: Path) -> None:
    exe = shutil.which("evalgate", path=os.path.dirname(sys.executable))
    assert exe is not None, "the evalgate console script is not installed next to python"
    ok = subprocess.run([exe, "validate"], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    (project / "goldens" / "demo.yaml").write_text("cases: [")
    bad = subprocess.run([exe, "validate"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert "goldens/demo.yaml:" in bad.stdout and "Traceback" not in bad.stderr
    mod = subprocess.run(
        [sys.executable, "-m", "evalgate", "--version"], capture_output=True, text=True, timeout=60
    )
    assert mod.returncode == 0 and mod.stdout.startswith("evalgate ")


def test_debug_is_accepted_after_the_command(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import evalgate.cli.cmd_validate as mod

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("kaput")

    monkeypatch.setattr(mod, "load_project", boom)
    assert main(["validate", "--debug"]) == 4
    assert "Traceback (most recent call last)" in capsys.readouterr().err
    assert main(["validate"]) == 4  # and it does not stick to the next invocation
    assert "Traceback" not in capsys.readouterr().err


def test_template_placeholder_no_case_can_fill_is_reported(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = 'body: {m: "{{ input.mesage }}", t: "{{ input.other | default(1) }}"}, headers:'
    (project / "evalgate.yaml").write_text(CONFIG.replace("headers:", body, 1))
    assert main(["validate"]) == 2
    assert capsys.readouterr().out == (
        "evalgate.yaml:1:51: template: {{ input.mesage }} is missing in every case (did you mean"
        " 'message'?); the input of the cases has message (add '| default(...)' if it is"
        " optional)\n"
    )


def test_golden_schema_lists_scorers_and_their_parameters(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from jsonschema import Draft202012Validator

    assert main(["schema", "golden"]) == 0
    schema = json.loads(capsys.readouterr().out)
    item = schema["$defs"]["expect_item"]["oneOf"][1]["properties"]
    assert {"citation", "tool_call", "refusal", "polite"} <= set(item)
    v = Draft202012Validator(schema)
    good = {"cases": [{"id": "a", "input": {}, "expect": [{"citation": {"min": 1}}, "refusal"]}]}
    bad = {"cases": [{"id": "a", "input": {}, "expect": [{"citaton": True}]}]}
    assert v.is_valid(good) and not v.is_valid(bad)


def test_unset_target_secrets_are_notes_not_problems(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TARGET_URL", raising=False)
    monkeypatch.delenv("API_KEY", raising=False)
    (project / "evalgate.yaml").write_text(
        CONFIG.replace("http://127.0.0.1:9/v1", "${TARGET_URL}/v1").replace(":-none", "")
    )
    assert main(["validate"]) == 0
    err = capsys.readouterr().err
    assert "note: evalgate.yaml:1:15: environment variable TARGET_URL is not set" in err
    assert "environment variable API_KEY is not set" in err and "ok: 1 golden file(s)" in err
    assert main(["validate", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is True and [u["line"] for u in out["unset"]] == [1, 1]
    assert main(["validate", "--strict"]) == 2  # --strict requires them, as run does
    assert "TARGET_URL is not set" in capsys.readouterr().out
    assert main(["run", "--out", "r"]) == 2
    assert not (project / "r").exists()


def test_goldens_are_still_checked_without_the_secrets(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("API_KEY", raising=False)
    (project / "evalgate.yaml").write_text(CONFIG.replace(":-none", ""))
    (project / "goldens" / "demo.yaml").write_text(GOLDEN.replace("polite: true", "politee: 1"))
    assert main(["validate", "--json"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and "politee" in out["problems"][0]["message"]
    assert [u["message"].split(";")[0] for u in out["unset"]] == [
        "environment variable API_KEY is not set"
    ]


EMPTY = """\
dataset: demo
cases:
  - id: a
    input: {message: hi}
    expect: [polite: true]
  - id: bare
    input: {message: hi}
  - id: session
    turns:
      - input: {message: hi}
      - input: {message: again}
  - id: judged-per-turn
    turns:
      - input: {message: hi}
        expect: [polite: true]
  - id: parked
    input: {message: hi}
    skip: not yet
"""


def test_cases_without_expectations_warn_and_fail_strict(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "goldens" / "demo.yaml").write_text(EMPTY)
    assert main(["validate"]) == 0
    err = capsys.readouterr().err
    warned = [line for line in err.splitlines() if ": warning: " in line]
    assert warned == [
        "goldens/demo.yaml:6:1: warning: case 'bare' has no expectations, so it passes whatever"
        " the answer; add 'expect' with at least one scorer (to the case, a turn or the file's"
        " defaults)",
        "goldens/demo.yaml:8:1: warning: case 'session' has no expectations, so it passes"
        " whatever the answer; add 'expect' with at least one scorer (to the case, a turn or the"
        " file's defaults)",
    ]
    assert main(["validate", "--strict"]) == 2
    out = capsys.readouterr().out
    assert "goldens/demo.yaml:6:1: case 'bare' has no expectations" in out
    assert "'session'" in out and "judged-per-turn" not in out and "parked" not in out
    assert main(["validate", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] and [w["line"] for w in data["warnings"]] == [6, 8]
    # the file's defaults count as expectations for every case
    (project / "goldens" / "demo.yaml").write_text(
        EMPTY.replace("cases:", "defaults: {expect: [polite: true]}\ncases:", 1)
    )
    assert main(["validate", "--strict"]) == 0


@pytest.mark.parametrize("where", ["before", "after", "equals"])
def test_config_may_come_before_or_after_the_command(
    project: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    (project / "evalgate.yaml").rename(project / "other.yaml")
    args = {
        "before": ["--config", "other.yaml", "validate"],
        "after": ["validate", "--config", "other.yaml"],
        "equals": ["--config=other.yaml", "validate"],
    }[where]
    assert main(args) == 0, capsys.readouterr().err
    assert main(["validate"]) == 2  # without it, ./evalgate.yaml is looked for
