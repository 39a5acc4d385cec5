"""From a trace's observations to a golden case (plain data; no SDK types here).

Heuristics, documented in docs/langfuse.md:

- The case ``input`` comes from the root observation's input: through ``langfuse.input_mapping``
  (JMESPath) when set; otherwise chat messages become ``{message: <last user message>,
  history: [<earlier non-system messages>]}``, a string becomes ``{message: ...}``, and an object
  is kept as it is.
- Retrieval: observations of type RETRIEVER, and SPAN observations whose name contains
  "retriev"; their output (a list, or an object with documents/results/chunks/doc_ids) gives
  document ids and (truncated) text.
- Tool calls: observations of type TOOL (name + input as arguments), and ``tool_calls`` in
  GENERATION outputs (OpenAI-style ``function.name`` / ``function.arguments``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import jmespath
import jmespath.exceptions

from evalgate.errors import ConfigError
from evalgate.model import JSON

DEFAULT_SUGGEST: Mapping[str, JSON] = {
    "wrong_citation": [{"citation": {"required": True, "must_be_retrieved": True}}],
    "user_feedback": [{"refusal": False}],
}
_DOC_LISTS = ("documents", "results", "chunks", "docs", "doc_ids", "items", "matches")
_DOC_ID = ("doc_id", "id", "document_id", "source", "name")
_DOC_TEXT = ("text", "content", "page_content", "chunk", "snippet")


class TextRedactor(Protocol):
    """What the mapping needs from :class:`evalgate.redact.Redactor`."""

    def redact(self, obj: Any) -> Any: ...
    def truncate_chunk(self, text: str) -> str: ...


@dataclass(frozen=True)
class Obs:
    """One observation, parsed at the edge, with input/output JSON-decoded."""

    id: str
    trace_id: str
    type: str
    name: str | None = None
    parent_id: str | None = None
    is_root: bool | None = None
    start_time: datetime | None = None
    input: JSON = None
    output: JSON = None
    trace_name: str | None = None
    tags: tuple[str, ...] = ()
    user_id: str | None = None
    session_id: str | None = None
    environment: str | None = None
    metadata: Mapping[str, JSON] = field(default_factory=dict)


def decode(value: JSON) -> JSON:
    """v2 observations carry input/output as JSON strings; plain text stays text."""
    if isinstance(value, str):
        s = value.strip()
        if s[:1] in ("{", "[", '"') or s in ("true", "false", "null") or _is_number(s):
            try:
                return json.loads(s)
            except ValueError:
                return value
    return value


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def root_of(observations: Sequence[Obs]) -> Obs | None:
    """The logical root: flagged by the server, else parentless, else the earliest."""
    if not observations:
        return None
    flagged = [o for o in observations if o.is_root is True]
    parentless = [o for o in observations if o.parent_id is None]
    return min(flagged or parentless or observations, key=_start)


def _start(o: Obs) -> tuple[int, str]:
    return (0 if o.start_time is None else 1, o.start_time.isoformat() if o.start_time else "")


# -- input -----------------------------------------------------------------------------------
def map_input(raw: JSON, expression: str | None) -> dict[str, JSON]:
    """The case input for a root observation input."""
    if expression:
        try:
            value = jmespath.search(expression, raw)
        except jmespath.exceptions.JMESPathError as exc:
            raise ConfigError(
                f"langfuse.input_mapping {expression!r} is not valid JMESPath ({exc})"
            ) from exc
        if isinstance(value, dict):
            return value
        return {"message": value if isinstance(value, str) else json.dumps(value)}
    messages = _messages(raw)
    if messages is not None:
        users = [i for i, m in enumerate(messages) if m.get("role") == "user"]
        if users:
            last = users[-1]
            history = [
                {"role": str(m.get("role")), "content": _text(m.get("content"))}
                for m in messages[:last]
                if m.get("role") != "system"
            ]
            out: dict[str, JSON] = {"message": _text(messages[last].get("content"))}
            if history:
                out["history"] = history
            return out
    if isinstance(raw, str):
        return {"message": raw}
    if isinstance(raw, dict):
        return dict(raw)
    return {"message": "" if raw is None else json.dumps(raw)}


def _messages(raw: JSON) -> list[dict[str, JSON]] | None:
    if isinstance(raw, dict) and isinstance(raw.get("messages"), list):
        raw = raw["messages"]
    if isinstance(raw, list) and raw and all(isinstance(m, dict) and "role" in m for m in raw):
        return list(raw)
    return None


def _text(content: JSON) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: [{type: text, text: ...}, ...]
        return "\n".join(
            str(p.get("text", "")) if isinstance(p, dict) else str(p) for p in content
        ).strip()
    return "" if content is None else json.dumps(content)


# -- observed context ------------------------------------------------------------------------
def observed(observations: Sequence[Obs], root: Obs, red: TextRedactor) -> dict[str, JSON]:
    """What production did, kept under ``metadata.observed`` for the reviewer (redacted)."""
    out = root.output
    if isinstance(out, dict) and isinstance(out.get("content"), (str, list)) and "role" in out:
        out = _text(out["content"])
    retrieved: list[JSON] = []
    tools: list[JSON] = []
    for o in sorted(observations, key=_start):
        if o.type == "RETRIEVER" or (o.type == "SPAN" and "retriev" in (o.name or "").lower()):
            retrieved.extend(_docs(o.output, red))
        elif o.type == "TOOL":
            args = o.input if isinstance(o.input, dict) else {"input": o.input}
            tools.append({"name": o.name or "tool", "arguments": args})
        elif o.type == "GENERATION":
            tools.extend(_generation_tools(o.output))
    result: dict[str, JSON] = {"output": out}
    citations = out.get("citations") if isinstance(out, dict) else None
    if isinstance(citations, list):
        result["citations"] = [_doc_id(c) or str(c) for c in citations]
    result["retrieved"] = retrieved
    result["tool_calls"] = tools
    return dict(red.redact(result))


def _docs(output: JSON, red: TextRedactor) -> list[JSON]:
    if isinstance(output, dict):
        for key in _DOC_LISTS:
            if isinstance(output.get(key), list):
                output = output[key]
                break
    if not isinstance(output, list):
        return []
    docs: list[JSON] = []
    for d in output:
        if isinstance(d, str):
            docs.append({"id": d})
        elif isinstance(d, dict):
            doc: dict[str, JSON] = {"id": _doc_id(d)}
            text = next((d[k] for k in _DOC_TEXT if isinstance(d.get(k), str)), None)
            if text is not None:
                doc["text"] = red.truncate_chunk(text)
            docs.append(doc)
    return docs


def _doc_id(d: JSON) -> str | None:
    if isinstance(d, str):
        return d
    if isinstance(d, dict):
        for k in _DOC_ID:
            if isinstance(d.get(k), (str, int)):
                return str(d[k])
        meta = d.get("metadata")
        if isinstance(meta, dict):
            return _doc_id(meta)
    return None


def _generation_tools(output: JSON) -> list[JSON]:
    calls = output.get("tool_calls") if isinstance(output, dict) else None
    found: list[JSON] = []
    for c in calls if isinstance(calls, list) else []:
        if not isinstance(c, dict):
            continue
        fn_raw = c.get("function")
        fn: dict[str, JSON] = fn_raw if isinstance(fn_raw, dict) else c
        args = decode(fn.get("arguments"))
        found.append(
            {"name": str(fn.get("name", "")), "arguments": args if isinstance(args, dict) else {}}
        )
    return found


# -- expectations ----------------------------------------------------------------------------
def suggest(score_name: str | None, configured: Mapping[str, JSON]) -> list[JSON]:
    """The ``expect`` items suggested for the score that flagged a trace (may be empty)."""
    if score_name is None:
        return []
    table = {**DEFAULT_SUGGEST, **configured}
    items = table.get(score_name, [])
    if isinstance(items, dict):
        items = [items]
    if not isinstance(items, list):
        raise ConfigError(
            f"langfuse.suggest.{score_name} must be a list of expect items (e.g. [refusal: false])"
        )
    copied: list[JSON] = json.loads(json.dumps(items))  # a deep copy the caller may change
    return copied
