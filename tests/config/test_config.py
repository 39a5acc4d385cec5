from __future__ import annotations

from pathlib import Path

import pytest

from evalgate import masking
from evalgate.config.loader import load_config
from evalgate.errors import ConfigError, Problem

GOOD = """\
version: 1
target:
  url: ${COPILOT_URL:-http://127.0.0.1:8787}/v1/copilot
  headers: {Authorization: "Bearer ${COPILOT_API_KEY}"}
  body:
    message: "{{ input.message }}"
  response:
    output: answer
    citations: citations[].doc_id
    extra: {chunks: retrieval.chunk_count}
  retries: 2
  concurrency: 4
goldens: [goldens/]
pricing: {gpt-4o-mini: {input_per_mtok: 0.15, output_per_mtok: 0.60}}
gate:
  max_drop: 0.05
  min_pass_rate: {overall: 0.8, scorer.refusal: 1.0, tag.security: 1.0}
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "evalgate.yaml"
    p.write_text(text)
    return p


def problems(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), env or {})
    return [f"{p.line}:{p.col}: {p.message}" for p in info.value.problems]


def test_good_config_parses_into_frozen_dataclasses(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, GOOD), {"COPILOT_API_KEY": "sk-test-123456"})
    assert cfg.target.url == "http://127.0.0.1:8787/v1/copilot"
    assert cfg.target.headers["Authorization"] == "Bearer sk-test-123456"
    assert cfg.target.response.output == "answer"
    assert cfg.target.response.extra == {"chunks": "retrieval.chunk_count"}
    assert cfg.target.retries == 2 and cfg.target.concurrency == 4
    assert cfg.pricing["gpt-4o-mini"].output_per_mtok == 0.60
    assert cfg.gate.min_pass_rate["tag.security"] == 1.0
    assert cfg.gate.max_drop == 0.05 and cfg.gate.alpha == 0.05
    assert cfg.root == tmp_path.resolve()
    assert "sk-test-123456" in cfg.secrets
    with pytest.raises(AttributeError):
        cfg.target.url = "x"  # type: ignore[misc]


def test_env_values_become_secrets_and_are_scrubbed(tmp_path: Path) -> None:
    load_config(write(tmp_path, GOOD), {"COPILOT_API_KEY": "sk-test-abcdef"})
    assert masking.scrub("key is sk-test-abcdef!") == "key is ${COPILOT_API_KEY}!"


def test_env_url_override(tmp_path: Path) -> None:
    cfg = load_config(
        write(tmp_path, GOOD), {"COPILOT_URL": "http://10.0.0.1:9", "COPILOT_API_KEY": "abcd"}
    )
    assert cfg.target.url == "http://10.0.0.1:9/v1/copilot"


def test_missing_env_var_names_it_and_its_line(tmp_path: Path) -> None:
    assert problems(tmp_path, GOOD) == [
        "4:28: environment variable COPILOT_API_KEY is not set; export it, or give a default"
        " with ${COPILOT_API_KEY:-value}"
    ]


def test_an_empty_variable_takes_the_default_as_in_the_shell(tmp_path: Path) -> None:
    # CI systems pass an unset repository variable as "": ${NAME:-x} must still give x
    cfg = load_config(write(tmp_path, GOOD), {"COPILOT_URL": "", "COPILOT_API_KEY": "abcd"})
    assert cfg.target.url == "http://127.0.0.1:8787/v1/copilot"


def test_an_empty_key_in_a_header_names_the_variable(tmp_path: Path) -> None:
    # "Bearer " would be refused by the HTTP library on every call: a config problem, found
    # by validate, before any call
    assert problems(tmp_path, GOOD, {"COPILOT_API_KEY": ""}) == [
        "4:28: target.headers.Authorization: COPILOT_API_KEY is set but empty; set it (or"
        " remove the header)"
    ]
    text = GOOD.replace('"Bearer ${COPILOT_API_KEY}"', '"Bearer x "')
    assert problems(tmp_path, text, {}) == [
        "4:28: target.headers.Authorization: a header value cannot start or end with spaces or"
        " hold line breaks"
    ]


def test_a_url_origin_from_the_environment_is_not_a_secret(tmp_path: Path) -> None:
    # host and port are where the endpoint is ("connection refused" must show them); a value
    # with credentials, a path or a query stays a secret
    env = {"COPILOT_URL": "http://10.0.0.1:9", "COPILOT_API_KEY": "abcd"}
    load_config(write(tmp_path, GOOD), env)
    assert masking.scrub("refused: http://10.0.0.1:9/v1") == "refused: http://10.0.0.1:9/v1"
    env["COPILOT_URL"] = "http://user:pw@10.0.0.1:9"
    load_config(write(tmp_path, GOOD), env)
    assert "pw" not in masking.scrub("refused: http://user:pw@10.0.0.1:9/v1")


def test_dollar_escape(tmp_path: Path) -> None:
    text = "target:\n  url: http://x/$${NOT_A_VAR}\n"
    assert load_config(write(tmp_path, text), {}).target.url == "http://x/${NOT_A_VAR}"


def test_unknown_keys_get_did_you_mean(tmp_path: Path) -> None:
    text = "target:\n  url: http://x\n  retires: 3\ngoldns: [a]\n"
    assert problems(tmp_path, text) == [
        "3:3: unknown key 'retires' (did you mean 'retries'?)",
        "4:1: unknown key 'goldns' (did you mean 'goldens'?)",
    ]


def test_wrong_types_and_ranges(tmp_path: Path) -> None:
    text = (
        "target:\n  url: http://x\n  timeout_s: '30'\n  concurrency: 0\n"
        "gate:\n  alpha: 2\n  critical_tags: critical\n"
    )
    assert problems(tmp_path, text) == [
        "3:14: 'timeout_s' must be a number, got a string",
        "4:16: 'concurrency' must be >= 1, got 0",
        "6:10: 'alpha' must be < 1, got 2",
        "7:18: 'critical_tags' must be a list, got a string",
    ]


def test_missing_target(tmp_path: Path) -> None:
    assert problems(tmp_path, "goldens: [g]\n") == ["1:1: missing required key 'target'"]


def test_bad_yaml_syntax(tmp_path: Path) -> None:
    assert problems(tmp_path, "target:\n  url: [http://x\n") == [
        "3:1: invalid YAML: did not find expected ',' or ']'"
    ]


def test_duplicate_keys_are_reported(tmp_path: Path) -> None:
    text = "target:\n  url: http://x\n  url: http://y\n"
    assert problems(tmp_path, text) == [
        "3:3: duplicate key 'url' (the later value would silently win; remove one)"
    ]


def test_empty_and_non_mapping(tmp_path: Path) -> None:
    assert problems(tmp_path, "") == ["1:1: config file is empty; it needs at least target.url"]
    assert problems(tmp_path, "- a\n- b\n") == [
        "1:1: config must be a mapping of keys (target, goldens, ...)"
    ]


def test_missing_file_message(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found; create one with 'evalgate init'"):
        load_config(tmp_path / "evalgate.yaml", {})


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    lines.append("target: {url: http://x}")
    out = problems(tmp_path, "\n".join(lines) + "\n")
    assert out == [
        "1:1: document expands to too many values (YAML aliases?);"
        " write the values out instead of nesting aliases"
    ]


def test_min_pass_rate_shorthand(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, "target: {url: http://x}\ngate: {min_pass_rate: 0.9}\n"), {})
    assert cfg.gate.min_pass_rate == {"overall": 0.9}


def test_template_and_mapping_mistakes_are_located(tmp_path: Path) -> None:
    text = (
        "target:\n"
        "  url: ftp://x/y\n"
        "  body:\n"
        '    message: "{{ inptu.message }}"\n'
        '    other: "{{ case.id"\n'
        "  response:\n"
        '    output: "answer[?"\n'
    )
    out = problems(tmp_path, text)
    assert out[0] == "2:8: target.url must start with http:// or https://, got 'ftp://'"
    assert out[1].startswith(
        "4:14: template: unknown name 'inptu' in '{{ inptu.message }}' (did you mean 'input'?)"
    )
    assert out[2] == "5:12: template: '{{' without a closing '}}' in '{{ case.id'"
    assert out[3].startswith("7:13: invalid JMESPath expression 'answer[?'")
    assert len(out) == 4


def test_unset_vars_can_be_collected_instead_of_failing(tmp_path: Path) -> None:
    text = (
        "target:\n"
        "  url: ${URL}/v1\n"  # the url check cannot judge an unknown value: skipped
        "  headers: {Authorization: 'Bearer ${KEY}'}\n"
        "  retires: 3\n"  # any other problem still counts
    )
    unset: list[Problem] = []
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text), {}, unset)
    assert [(p.line, p.message.split(";")[0]) for p in caught.value.problems] == [
        (4, caught.value.problems[0].message.split(";")[0])
    ]
    assert "retires" in caught.value.problems[0].message
    assert [(p.line, p.message.split(";")[0]) for p in unset] == [
        (2, "environment variable URL is not set"),
        (3, "environment variable KEY is not set"),
    ]
    fine = "target:\n  url: ${URL}/v1\n"
    unset.clear()
    assert load_config(write(tmp_path, fine), {}, unset).target.url == "/v1"
    assert len(unset) == 1
    with pytest.raises(ConfigError, match="URL is not set"):
        load_config(write(tmp_path, fine), {})  # without the list: a problem, as for run


def test_budgets_are_not_part_of_the_config_hash(tmp_path: Path) -> None:
    # a run stopped by its time or cost budget resumes with a larger one; other settings count
    def hash_of(extra: str) -> str:
        body = "target:\n  url: http://localhost:1/x\n" + extra
        return load_config(write(tmp_path, body)).config_hash

    plain = hash_of("")
    assert hash_of("  run_budget_s: 60\n") == plain
    assert hash_of("  max_cost_usd: 2.5\n  run_budget_s: 900\n") == plain
    assert hash_of("  timeout_s: 7\n") != plain
