"""Server-sent events: accumulate a streamed answer into one body the response mapping can read.

Bytes are fed as they arrive; :meth:`SseAccumulator.feed` reports when the first piece of text
appeared (for time-to-first-token) and when the stream said ``[DONE]``. A stream that reports an
error (an ``event: error`` or a JSON event with an ``error`` member), or an OpenAI stream that
ends without ``[DONE]`` or a finish reason, is a failed call (:meth:`SseAccumulator.failure`),
never an answer: the text before the cut is not what the model meant to say.
"""

from __future__ import annotations

import json
from typing import Any

from evalgate import jsonsafe
from evalgate.model import JSON

# keys that carry a text delta in the generic format, in order of preference
_DELTA_KEYS = ("delta", "text", "content", "token")


class SseAccumulator:
    """Parses an SSE byte stream and merges its events; subclasses say how to merge."""

    def __init__(self) -> None:
        self._buf = b""
        self._data: list[str] = []
        self.done = False
        self.has_text = False
        self.events = 0
        self.error: str | None = None  # what an error event said
        self._event_name = ""

    def feed(self, chunk: bytes) -> bool:
        """Consume bytes; return True when the stream has ended with ``[DONE]``."""
        if self.done:
            return True
        *lines, self._buf = (self._buf + chunk).split(b"\n")
        for line in lines:
            self._line(line.rstrip(b"\r").decode("utf-8", errors="replace"))
            if self.done:
                break
        return self.done

    def close(self) -> None:
        """The connection ended: dispatch any event left without its blank line."""
        if self._buf and not self.done:
            self._line(self._buf.rstrip(b"\r").decode("utf-8", errors="replace"))
            self._buf = b""
        if self._data:
            self._dispatch()

    def _line(self, line: str) -> None:
        if not line:
            if self._data:
                self._dispatch()
            return
        if line.startswith("data:"):
            value = line[5:]
            self._data.append(value[1:] if value.startswith(" ") else value)
        elif line.startswith("event:"):
            self._event_name = line[6:].strip()
        # comments (":"), id: and retry: lines carry nothing we map

    def _dispatch(self) -> None:
        data = "\n".join(self._data)
        self._data = []
        name, self._event_name = self._event_name, ""
        if self.error is not None:  # nothing after an error counts
            return
        if data.strip() == "[DONE]":
            self.done = True
            return
        self.events += 1
        try:
            event: JSON = jsonsafe.loads(data)
        except ValueError:
            event = data
        if name == "error":
            self.error = _error_text(event) or "(no message)"
        elif isinstance(event, dict) and event.get("error"):
            self.error = _error_text(event["error"])
        else:
            self.add(event)

    def failure(self) -> str | None:
        """Why the stream is not a complete answer, or None when it is."""
        if self.error is not None:
            return f"the stream reported an error after {self.events - 1} event(s): {self.error}"
        return None

    def add(self, event: JSON) -> None:
        raise NotImplementedError

    def body(self, output_key: str = "output") -> JSON:
        """The merged body, shaped like the endpoint's non-streaming answer."""
        raise NotImplementedError


def _error_text(err: JSON) -> str:
    """A one-line message from an error payload (OpenAI's ``{"message", "code"}`` or anything)."""
    if isinstance(err, dict):
        inner = err.get("error", err)
        if isinstance(inner, dict):
            msg = inner.get("message")
            code = inner.get("code") or inner.get("type")
            text = str(msg) if msg is not None else json.dumps(inner)[:200]
            return f"{text} (code {code})" if code is not None else text
        return str(inner)
    text = " ".join(str(err).split())
    return text[:300]


class GenericSse(SseAccumulator):
    """Each event is JSON; a text delta (``delta``/``text``/``content``/``token``) is appended
    and every other key is kept, later events overriding earlier ones. Non-JSON data is text."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[str] = []
        self._merged: dict[str, Any] = {}

    def add(self, event: JSON) -> None:
        if isinstance(event, str):
            self._text(event)
            return
        if not isinstance(event, dict):
            return
        rest = dict(event)
        for key in _DELTA_KEYS:
            v = rest.get(key)
            if isinstance(v, dict):  # {"delta": {"text": "..."}}
                v = v.get("text", v.get("content"))
            if isinstance(v, str):
                self._text(v)
                del rest[key]
                break
        self._merged.update(rest)

    def _text(self, s: str) -> None:
        if s:
            self._parts.append(s)
            self.has_text = True

    def body(self, output_key: str = "output") -> JSON:
        out = dict(self._merged)
        if self._parts or "output" not in out:
            out["output"] = "".join(self._parts)
        if output_key not in out:
            out[output_key] = out["output"]
        return out


class OpenAIChatSse(SseAccumulator):
    """OpenAI chat completion chunks: content deltas joined, tool-call fragments merged by
    index, usage taken from the final chunk."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[str] = []
        self._tools: dict[int, dict[str, Any]] = {}
        self._top: dict[str, Any] = {}
        self._finish: str | None = None
        self._refusal: list[str] = []

    def add(self, event: JSON) -> None:
        if not isinstance(event, dict):
            return
        for key in ("id", "model", "usage", "created", "system_fingerprint"):
            if event.get(key) is not None:
                self._top[key] = event[key]
        for choice in event.get("choices") or ():
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            self._finish = choice.get("finish_reason") or self._finish
            delta = choice.get("delta") or {}
            if isinstance(delta.get("content"), str) and delta["content"]:
                self._parts.append(delta["content"])
                self.has_text = True
            if isinstance(delta.get("refusal"), str):
                self._refusal.append(delta["refusal"])
            for frag in delta.get("tool_calls") or ():
                self._tool_fragment(frag)

    def failure(self) -> str | None:
        problem = super().failure()
        if problem is None and not self.done and self._finish is None:
            return (
                f"the stream ended after {self.events} event(s) without [DONE] or a finish"
                " reason, so the answer is incomplete"
            )
        return problem

    def _tool_fragment(self, frag: Any) -> None:
        if not isinstance(frag, dict):
            return
        slot = self._tools.setdefault(
            int(frag.get("index", len(self._tools))),
            {"type": "function", "function": {"name": "", "arguments": ""}},
        )
        if frag.get("id"):
            slot["id"] = frag["id"]
        fn = frag.get("function") or {}
        slot["function"]["name"] += fn.get("name") or ""
        slot["function"]["arguments"] += fn.get("arguments") or ""
        self.has_text = True

    def body(self, output_key: str = "output") -> JSON:
        message: dict[str, Any] = {
            "role": "assistant",
            "content": "".join(self._parts) if self._parts or not self._tools else None,
        }
        if self._tools:
            message["tool_calls"] = [self._tools[i] for i in sorted(self._tools)]
        if self._refusal:
            message["refusal"] = "".join(self._refusal)
        choice = {"index": 0, "message": message, "finish_reason": self._finish}
        return {**self._top, "object": "chat.completion", "choices": [choice]}
