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


def test_an_error_event_fails_the_stream_and_stops_merging() -> None:
    for acc in (GenericSse(), OpenAIChatSse()):
        acc.feed(frames({"delta": "partial"}, {"error": {"message": "boom", "code": "500"}}))
        acc.feed(frames({"delta": "more"}))
        acc.close()
        assert acc.error == "boom (code 500)"
        assert acc.failure() == "the stream reported an error after 1 event(s): boom (code 500)"


def test_a_named_error_event_fails_the_stream() -> None:
    acc = GenericSse()
    acc.feed(b"data: fine\n\nevent: error\ndata: quota exceeded\n\n")
    assert acc.failure() == "the stream reported an error after 1 event(s): quota exceeded"


def test_a_null_error_member_is_not_an_error() -> None:
    acc = GenericSse()
    acc.feed(frames({"delta": "ok", "error": None}, "[DONE]"))
    assert acc.failure() is None and acc.body() == {"output": "ok", "error": None}


def test_an_openai_stream_without_done_or_finish_reason_is_incomplete() -> None:
    part = {"choices": [{"index": 0, "delta": {"content": "Refunds take"}}]}
    acc = OpenAIChatSse()
    acc.feed(frames(part))
    acc.close()
    problem = acc.failure()
    assert problem is not None and "without [DONE] or a finish reason" in problem
    finished = OpenAIChatSse()  # a finish reason without [DONE] is a whole answer
    finished.feed(frames({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
    finished.close()
    assert finished.failure() is None
