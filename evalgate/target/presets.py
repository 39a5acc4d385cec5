"""Presets: ready-made request bodies and response mappings for common endpoint shapes.

``generic`` (the default) sends the case input as the JSON body and reads ``output``.
``openai-chat`` speaks the OpenAI-compatible chat completions API. A preset only fills what the
user left unset: any field the user wrote in ``target:`` wins.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

from evalgate.config.model import ResponseMapping, TargetConfig
from evalgate.errors import ConfigError
from evalgate.model import JSON

PRESETS = ("generic", "openai-chat")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_DEFAULT_MAPPING = ResponseMapping()

OPENAI_CHAT_PATH = "/v1/chat/completions"
OPENAI_CHAT_BODY: Mapping[str, JSON] = {
    "messages": "{{ messages }}",
    "tools": "{{ input.tools | default(omit) }}",
}
OPENAI_CHAT_MAPPING = ResponseMapping(
    output="choices[0].message.content",
    tool_calls="choices[0].message.tool_calls",
    model="model",
    input_tokens="usage.prompt_tokens",
    output_tokens="usage.completion_tokens",
    trace_id="id",
    refused="choices[0].message.refusal",
)


def preset_mapping(name: str | None) -> ResponseMapping | None:
    """The response mapping a preset brings (None for ``generic``, which maps only ``output``)."""
    return OPENAI_CHAT_MAPPING if name == "openai-chat" else None


def apply_preset(cfg: TargetConfig) -> TargetConfig:
    """Return ``cfg`` with the preset's defaults filled in where the user set nothing."""
    name = cfg.preset or "generic"
    if name == "generic":
        if cfg.body is None and cfg.method.upper() in _BODY_METHODS:
            return dataclasses.replace(cfg, body="{{ input }}")
        return cfg
    if name == "openai-chat":
        return _openai_chat(cfg)
    raise ConfigError(f"target.preset: unknown preset '{name}'; choose one of {', '.join(PRESETS)}")


def _openai_chat(cfg: TargetConfig) -> TargetConfig:
    body: dict[str, JSON] = dict(OPENAI_CHAT_BODY)
    if cfg.stream == "sse":
        # usage arrives in a last chunk only when asked for
        body.update({"stream": True, "stream_options": {"include_usage": True}})
    if isinstance(cfg.body, Mapping):
        body.update(cfg.body)  # the user's keys (model, temperature, ...) win
    elif cfg.body is not None:
        raise ConfigError(
            "target.body: with preset openai-chat the body must be a mapping of extra fields "
            "(model, temperature, ...); the messages are built for you"
        )
    return dataclasses.replace(
        cfg,
        url=_with_default_path(cfg.url, OPENAI_CHAT_PATH),
        method=cfg.method or "POST",
        body=body,
        response=_fill_mapping(cfg.response, OPENAI_CHAT_MAPPING),
    )


def _fill_mapping(user: ResponseMapping, preset: ResponseMapping) -> ResponseMapping:
    """Keep every field the user changed from the default; take the preset's for the rest."""
    changes: dict[str, object] = {}
    for f in dataclasses.fields(ResponseMapping):
        mine = getattr(user, f.name)
        if mine == getattr(_DEFAULT_MAPPING, f.name):
            changes[f.name] = getattr(preset, f.name)
    if user.extra:
        changes["extra"] = {**preset.extra, **user.extra}
    return dataclasses.replace(user, **changes)  # type: ignore[arg-type]


def _with_default_path(url: str, path: str) -> str:
    """Append ``path`` when the URL has none (``http://host:8000`` or ``http://host/``)."""
    if "{{" in url:
        return url
    parts = urlsplit(url)
    if parts.path not in ("", "/"):
        return url
    return urlunsplit(parts._replace(path=path))
