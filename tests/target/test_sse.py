"""SSE accumulation: generic text deltas and OpenAI chunks."""

from __future__ import annotations

import json

from evalgate.target.sse import GenericSse, OpenAIChatSse


def frames(*events: object) -> bytes:
    out = b""
    for e in events:
        data = e if isinstance(e, str) else json.dumps(e)
        out += b"data: " + data.encode() + b"\n\n"
    return out


def test_generic_concatenates_deltas_and_keeps_other_keys() -> None:
    acc = GenericSse()
    raw = frames({"delta": "Hel"}, {"text": "lo"}, {"delta": {"text": "!"}}, {"citations": ["a"]})
    # fed in awkward pieces, including a split inside a line and CRLF endings
    raw = raw.replace(b"\n", b"\r\n")
    for i in range(0, len(raw), 7):
        acc.feed(raw[i : i + 7])
    assert not acc.feed(b": a comment\r\n\r\n")
    assert acc.feed(b"data: [DONE]\r\n\r\n")
    assert acc.has_text
    assert acc.body("answer") == {"citations": ["a"], "output": "Hello!", "answer": "Hello!"}


def test_generic_plain_text_events_and_multiline_data() -> None:
    acc = GenericSse()
    acc.feed(b"data: one\ndata: two\n\nevent: x\ndata: three")
    acc.close()  # the last event had no blank line before the connection ended
    assert acc.body() == {"output": "one\ntwothree"}


def test_nothing_after_done_is_read() -> None:
    acc = GenericSse()
    assert acc.feed(frames({"delta": "a"}, "[DONE]", {"delta": "b"}))
    assert acc.body() == {"output": "a"}


def test_openai_chunks_merge_content_tools_and_usage() -> None:
    def chunk(delta: dict[str, object], finish: str | None = None) -> dict[str, object]:
        return {
            "id": "x1",
            "model": "m",
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    acc = OpenAIChatSse()
    acc.feed(
        frames(
            chunk({"role": "assistant", "content": "Hi "}),
            chunk({"content": "there"}),
            chunk({"tool_calls": [{"index": 1, "id": "c2", "function": {"name": "b"}}]}),
            chunk(
                {
                    "tool_calls": [
                        {"index": 0, "id": "c1", "function": {"name": "a", "arguments": '{"q"'}}
                    ]
                }
            ),
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": ": 1}"}}]}, "stop"),
            {"id": "x1", "choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 2}},
            "[DONE]",
        )
    )
    body = acc.body()
    assert isinstance(body, dict)
    msg = body["choices"][0]["message"]
    assert msg["content"] == "Hi there"
    assert [t["function"] for t in msg["tool_calls"]] == [
        {"name": "a", "arguments": '{"q": 1}'},
        {"name": "b", "arguments": ""},
    ]
    assert [t["id"] for t in msg["tool_calls"]] == ["c1", "c2"]
    assert body["usage"] == {"prompt_tokens": 3, "completion_tokens": 2}
    assert body["id"] == "x1" and body["model"] == "m"
    assert body["choices"][0]["finish_reason"] == "stop"
