"""A real LiteLLM proxy on loopback, with mock models and a small fake upstream.

The proxy is not a dependency of evalgate or of its dev extra: ``.ci/run`` installs it in an
environment of its own and names its ``litellm`` command in ``EVALGATE_LITELLM``. Without that
variable these tests are skipped, unless ``EVALGATE_REQUIRE_LITELLM=1`` (set by ``.ci/run``)
makes a missing proxy a failure. No provider is contacted: the models answer from the proxy's
own mocks (``mock_response``, ``mock_tool_calls``) or from the fake upstream below, which plays
what the mocks cannot (a stream that fails half-way).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

MASTER_KEY = "sk-gateway-test-5b1f0c9e"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Upstream(BaseHTTPRequestHandler):
    """An OpenAI-compatible upstream for what the proxy's mocks cannot play, chosen by model:
    ``tools`` streams a tool call in fragments; ``broken`` sends two chunks, then an error event,
    and ends without a finish reason or ``[DONE]``."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        if body.get("model") == "tools":
            call = {"index": 0, "id": "call_1", "type": "function"}
            self._events(
                {"tool_calls": [{**call, "function": {"name": "close_ticket", "arguments": ""}}]},
                {"tool_calls": [{"index": 0, "function": {"arguments": '{"ticket_id": '}}]},
                {"tool_calls": [{"index": 0, "function": {"arguments": '"8842"}'}}]},
                finish="tool_calls",
            )
            self.wfile.write(b"data: [DONE]\n\n")
            return
        self._events({"content": "Refunds "}, {"content": "are "}, finish=None)
        error = {"error": {"message": "upstream overloaded", "type": "server_error", "code": "500"}}
        self.wfile.write(b"data: " + json.dumps(error).encode() + b"\n\n")
        self.close_connection = True  # no finish reason, no [DONE]

    def _events(self, *deltas: dict[str, Any], finish: str | None) -> None:
        for i, delta in enumerate(deltas):
            last = i == len(deltas) - 1
            choice = {"index": 0, "delta": delta, "finish_reason": finish if last else None}
            chunk = {"id": "chatcmpl-up", "object": "chat.completion.chunk", "created": 0,
                     "model": "upstream", "choices": [choice]}  # fmt: skip
            self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
            self.wfile.flush()

    def log_message(self, *args: Any) -> None:
        pass


def proxy_config(upstream: str) -> dict[str, Any]:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "close_ticket", "arguments": '{"ticket_id": "8842"}'},
    }
    return {
        "model_list": [
            {
                "model_name": "mock-answer",
                "litellm_params": {
                    "model": "openai/mock-answer",
                    "mock_response": "Refunds are possible within 30 days [1].",
                },
            },
            {
                "model_name": "mock-tools",
                "litellm_params": {"model": "openai/mock-tools", "mock_tool_calls": [call]},
            },
            {
                "model_name": "stream-tools",
                "litellm_params": {
                    "model": "openai/tools",
                    "api_base": upstream,
                    "api_key": "sk-upstream-unused",
                },
            },
            {
                "model_name": "broken-stream",
                "litellm_params": {
                    "model": "openai/broken",
                    "api_base": upstream,
                    "api_key": "sk-upstream-unused",
                    "num_retries": 0,
                },
            },
        ],
        "general_settings": {"master_key": MASTER_KEY},
        "litellm_settings": {"telemetry": False, "num_retries": 0},
    }


@pytest.fixture(scope="session")
def litellm_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    command = os.environ.get("EVALGATE_LITELLM")
    if not command:
        if os.environ.get("EVALGATE_REQUIRE_LITELLM") == "1":
            pytest.fail("EVALGATE_LITELLM is not set: .ci/run installs the proxy and sets it")
        pytest.skip("no LiteLLM proxy (set EVALGATE_LITELLM to its litellm command)")
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    folder: Path = tmp_path_factory.mktemp("litellm")
    cfg = folder / "config.yaml"
    cfg.write_text(yaml.safe_dump(proxy_config(f"http://127.0.0.1:{upstream.server_port}/v1")))
    port = _free_port()
    env = {
        **os.environ,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",  # no download of the price list
        "LITELLM_TELEMETRY": "False",
        "NO_PROXY": "*",
    }
    log = open(folder / "proxy.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [command, "--config", str(cfg), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=folder,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health/liveliness", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(
                    f"the LiteLLM proxy did not start:\n{(folder / 'proxy.log').read_text()}"
                )
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        upstream.shutdown()
        upstream.server_close()
