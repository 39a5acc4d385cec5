"""The openai-chat preset end to end: a local OpenAI-compatible server, real scorers, a run."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from evalgate.cli.main import main
from evalgate.results import read_results


def _completion(body: dict[str, Any], stream: bool) -> tuple[str, bytes]:
    question = body["messages"][-1]["content"]
    if "close ticket" in question.lower():
        message: dict[str, Any] = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {
                        "name": "close_ticket",
                        "arguments": json.dumps({"ticket_id": "8842"}),
                    },
                }
            ],
        }
    else:
        message = {"role": "assistant", "content": "Refunds are possible within 30 days [1]."}
    usage = {"prompt_tokens": 12, "completion_tokens": 9, "total_tokens": 21}
    if not stream:
        doc = {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "model": body.get("model"),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": usage,
        }
        return "application/json", json.dumps(doc).encode()
    events = []
    text = message["content"] or ""
    for i in range(0, len(text), 8):
        events.append({"choices": [{"index": 0, "delta": {"content": text[i : i + 8]}}]})
    for tc in message.get("tool_calls", []):
        args = tc["function"]["arguments"]
        events.append(
            {
                "choices": [
                    {
                        "index": 0,
                        "delta": {
                            "tool_calls": [
                                {
                                    "index": 0,
                                    "id": tc["id"],
                                    "function": {
                                        "name": tc["function"]["name"],
                                        "arguments": args[:5],
                                    },
                                }
                            ]
                        },
                    }
                ]
            }
        )
        events.append(
            {
                "choices": [
                    {
                        "index": 0,
                        "delta": {
                            "tool_calls": [{"index": 0, "function": {"arguments": args[5:]}}]
                        },
                    }
                ]
            }
        )
    events.append({"choices": [], "usage": usage, "model": body.get("model")})
    data = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
    return "text/event-stream", data.encode()


class _Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Handler.seen.append({"path": self.path, "body": body})
        ctype, payload = _completion(body, bool(body.get("stream")))
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def openai_url() -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    _Handler.seen.clear()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()
    srv.server_close()


GOLDEN = """\
dataset: chat
cases:
  - id: refund
    input: {message: "How long do I have for a refund?"}
    expect:
      - contains: "30 days"
      - refusal: false
      - tool_call: {called: false}
      - max_tokens: 100
  - id: close
    input: {message: "Please close ticket 8842"}
    expect:
      - tool_call: {name: close_ticket, arguments: {ticket_id: 8842}}
"""


@pytest.mark.parametrize("stream", [False, True])
def test_openai_chat_preset_runs_and_scores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, openai_url: str, stream: bool
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "goldens").mkdir()
    (tmp_path / "goldens" / "chat.yaml").write_text(GOLDEN)
    (tmp_path / "evalgate.yaml").write_text(
        f"target:\n  url: {openai_url}\n  preset: openai-chat\n"
        + ("  stream: sse\n" if stream else "")
        + "  body: {model: tiny-model, temperature: 0}\n"
        "pricing: {tiny-model: {input_per_mtok: 1.0, output_per_mtok: 2.0}}\n"
    )
    assert main(["run", "--out", "r", "-q", "--no-gate"]) == 0
    results = {r.case_id: r for r in read_results(tmp_path / "r")}
    assert all(r.status == "passed" for r in results.values()), {
        k: [s.reason for s in r.scores] for k, r in results.items()
    }
    close = results["close"].response
    assert close is not None and close.tool_calls[0].arguments == {"ticket_id": "8842"}
    refund = results["refund"].response
    assert refund is not None and refund.input_tokens == 12 and refund.model == "tiny-model"
    assert refund.cost_usd == pytest.approx((12 * 1.0 + 9 * 2.0) / 1e6)
    if stream:
        assert refund.ttft_ms is not None
    sent = _Handler.seen[0]
    assert sent["path"] == "/v1/chat/completions"
    assert sent["body"]["model"] == "tiny-model"
    assert sent["body"]["messages"][-1] == {
        "role": "user",
        "content": sent["body"]["messages"][-1]["content"],
    }


@pytest.mark.parametrize("stream", [False, True])
def test_a_model_that_stops_calling_tools_fails_the_gate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, openai_url: str, stream: bool
) -> None:
    # every answer lacks tool calls: with the preset's own mapping that is the model's answer
    # (a regression, exit 1), not a mapping mistake (inconclusive, exit 3)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "goldens").mkdir()
    (tmp_path / "goldens" / "chat.yaml").write_text(
        "dataset: chat\ncases:\n"
        "  - id: refund\n    input: {message: 'Refund window? Then close my case'}\n"
        "    expect: [{tool_call: {name: close_ticket}}]\n"
        "  - id: refund2\n    input: {message: 'Refund window, please'}\n"
        "    expect: [{tool_call: {called: false}}]\n"
    )
    (tmp_path / "evalgate.yaml").write_text(
        f"target:\n  url: {openai_url}\n  preset: openai-chat\n"
        + ("  stream: sse\n" if stream else "")
        + "  body: {model: tiny-model}\n"
    )
    assert main(["run", "--out", "r", "-q"]) == 1
    verdict = json.loads((tmp_path / "r" / "summary.json").read_text())["verdict"]
    assert not any(r["kind"] == "mapping" for r in verdict["reasons"])
    results = {r.case_id: r.status for r in read_results(tmp_path / "r")}
    assert results == {"refund": "failed", "refund2": "passed"}


def test_a_wrong_expression_of_the_users_own_is_still_a_mapping_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, openai_url: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "goldens").mkdir()
    (tmp_path / "goldens" / "chat.yaml").write_text(GOLDEN)
    (tmp_path / "evalgate.yaml").write_text(
        f"target:\n  url: {openai_url}\n  preset: openai-chat\n  body: {{model: m}}\n"
        "  response: {tool_calls: 'choices[0].message.tools'}\n"
    )
    assert main(["run", "--out", "r", "-q"]) == 3
    verdict = json.loads((tmp_path / "r" / "summary.json").read_text())["verdict"]
    [reason] = [r for r in verdict["reasons"] if r["kind"] == "mapping"]
    assert "expression 'choices[0].message.tools'" in reason["message"]


def test_recording_a_baseline_without_a_version_is_refused_before_any_call(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    openai_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "goldens").mkdir()
    (tmp_path / "goldens" / "chat.yaml").write_text(GOLDEN)
    (tmp_path / "evalgate.yaml").write_text(
        f"target:\n  url: {openai_url}\n  preset: openai-chat\n  body: {{model: m}}\n"
    )
    capsys.readouterr()
    assert main(["run", "--out", "r", "-q", "--no-gate", "--record-baseline"]) == 2
    err = capsys.readouterr().err
    assert "the openai-chat preset maps none" in err and "--prompt-version V" in err
    assert _Handler.seen == [] and not (tmp_path / "r").exists()
    # with a version given, the same run records
    assert main(["run", "--out", "r", "-q", "--no-gate", "--record-baseline",
                 "--prompt-version", "p1"]) == 0  # fmt: skip
    assert (tmp_path / ".evalgate" / "baselines").is_dir()
