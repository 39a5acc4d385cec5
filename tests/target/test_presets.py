"""Presets fill only what the user left unset."""

from __future__ import annotations

import pytest

from evalgate.config.model import ResponseMapping, TargetConfig
from evalgate.errors import ConfigError
from evalgate.target.presets import OPENAI_CHAT_MAPPING, apply_preset


def test_generic_sends_the_input_by_default() -> None:
    cfg = apply_preset(TargetConfig(url="http://h/x"))
    assert cfg.body == "{{ input }}"
    assert cfg.response.output == "output"
    assert apply_preset(TargetConfig(url="http://h/x", body={"a": 1})).body == {"a": 1}
    assert apply_preset(TargetConfig(url="http://h/x", method="GET")).body is None


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://h:8000", "http://h:8000/v1/chat/completions"),
        ("http://h:8000/", "http://h:8000/v1/chat/completions"),
        ("https://api.example.com/openai/v1/chat/completions", None),
        ("http://h/custom", None),
    ],
)
def test_openai_chat_url(url: str, expected: str | None) -> None:
    cfg = apply_preset(TargetConfig(url=url, preset="openai-chat"))
    assert cfg.url == (expected or url)


def test_openai_chat_body_and_mapping() -> None:
    cfg = apply_preset(TargetConfig(url="http://h", preset="openai-chat"))
    assert cfg.body == {"messages": "{{ messages }}", "tools": "{{ input.tools | default(omit) }}"}
    assert cfg.response == OPENAI_CHAT_MAPPING


def test_openai_chat_user_settings_win() -> None:
    user = TargetConfig(
        url="http://h",
        preset="openai-chat",
        body={"model": "gpt-4o-mini", "temperature": 0},
        response=ResponseMapping(trace_id="system_fingerprint", extra={"fp": "x"}),
        stream="sse",
    )
    cfg = apply_preset(user)
    assert isinstance(cfg.body, dict)
    assert cfg.body["model"] == "gpt-4o-mini" and cfg.body["temperature"] == 0
    assert cfg.body["messages"] == "{{ messages }}" and cfg.body["stream"] is True
    assert cfg.response.trace_id == "system_fingerprint"
    assert cfg.response.output == "choices[0].message.content"
    assert cfg.response.extra == {"fp": "x"}


def test_openai_chat_rejects_a_non_mapping_body() -> None:
    with pytest.raises(ConfigError, match="must be a mapping"):
        apply_preset(TargetConfig(url="http://h", preset="openai-chat", body="{{ input }}"))


def test_unknown_preset() -> None:
    with pytest.raises(ConfigError, match="unknown preset 'openai'; choose one of generic"):
        apply_preset(TargetConfig(url="http://h", preset="openai"))
