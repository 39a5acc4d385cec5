"""Hostile data through the installed command: strange answers and files, secrets in any
encoding, untrusted text in every sink.

A tiny loopback endpoint answers by the case's ``message``: an answer nested a thousand levels
deep, a lone surrogate, a 5,000-digit integer, a redirect whose Location carries a token in
base64, an echo of the request headers in JSON-escaped and base64 forms. Every run must end
with a documented exit code (never 4), keep every finished result, and leave no secret in any
file under the project or on any stream, in any encoding.
"""

from __future__ import annotations

import base64
import html
import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from markdown_it import MarkdownIt

from tests.attack.conftest import CliRun, Project

PATH_TOKEN = "pathtok-7Hq2Lm9Zx4"  # goes into the URL path of target.url
AUTH_TOKEN = 'auth"tok\\en-5Rk8Wn3Vb1'  # a quote and a backslash: JSON escapes it
SCREEN = "\x1b[2J\x1b[H\x1b[32mevalgate: PASSED\x1b[0m\x07"
PROMPT_VERSION = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def _answer(message: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    """(status, extra headers, body) for one call."""
    if message == "deep":
        return 200, {}, ('{"output": ' + "[" * 1000 + '"x"' + "]" * 1000 + "}").encode()
    if message == "surrogate":
        return 200, {}, b'{"output": "ok \\ud800 lone", "pv": "v\\udfff"}'
    if message == "huge":
        return 200, {}, ('{"output": "ok", "n": ' + "9" * 5000 + "}").encode()
    if message == "redirect":
        token = base64.urlsafe_b64encode(f"user:{PATH_TOKEN}".encode()).decode().rstrip("=")
        return 302, {"Location": f"/login/{token}"}, b""
    if message == "down":
        return 500, {}, SCREEN.encode()
    if message == "echo":
        auth = headers.get("Authorization", "")
        echoed = {
            "json": json.dumps({"auth": auth}),  # the answer holds the header JSON-escaped
            "basic": base64.b64encode(f"me:{AUTH_TOKEN}".encode()).decode(),
            "url": quote(AUTH_TOKEN, safe=""),
        }
        body = {"output": f"ok {json.dumps(echoed)}", "pv": PROMPT_VERSION}
        return 200, {}, json.dumps(body).encode()
    return 200, {}, json.dumps({"output": f"ok {message}", "pv": PROMPT_VERSION}).encode()


class Endpoint:
    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                message = str((json.loads(raw or b"{}") or {}).get("message", ""))
                status, extra, body = _answer(message, dict(self.headers.items()))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in extra.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def endpoint() -> Iterator[Endpoint]:
    ep = Endpoint()
    yield ep
    ep.stop()


def _golden(messages: list[str], expect: str = "ok") -> dict[str, Any]:
    return {
        "dataset": "hostile",
        "cases": [
            {"id": f"c{i}-{m}", "input": {"message": m}, "expect": [{"contains": expect}]}
            for i, m in enumerate(messages)
        ],
    }


def _setup(project: Project, endpoint: Endpoint, messages: list[str], **target: Any) -> None:
    project.write_config(
        {
            "url": endpoint.base + "/${PATH_TOKEN}/chat",
            "headers": {"Authorization": "Bearer ${AUTH_TOKEN}"},
            "body": {"message": "{{ input.message }}"},
            "response": {"output": "output", "prompt_version": "pv"},
            "retries": 0,
            **target,
        },
        reports={"dir": "runs", "junit": "j.xml", "markdown": "r.md", "html": "r.html"},
    )
    project.write_golden("hostile.yaml", _golden(messages))
    project.env.update({"PATH_TOKEN": PATH_TOKEN, "AUTH_TOKEN": AUTH_TOKEN})


def _forms(secret: str) -> set[str]:
    raw = secret.encode()
    out = {
        secret,
        json.dumps(secret)[1:-1],
        html.escape(secret),
        quote(secret, safe=""),
        quote(secret),
        quote_plus(secret),
    }
    for prefix in (b"", b"user:", b"me:"):
        full = base64.b64encode(prefix + raw).decode()
        out |= {full, full.rstrip("="), base64.urlsafe_b64encode(prefix + raw).decode()}
        out.add(base64.urlsafe_b64encode(prefix + raw).decode().rstrip("="))
    return out


def _assert_no_secret(project: Project, *runs: CliRun) -> None:
    texts = {f"<stream {i}>": r.out + r.err for i, r in enumerate(runs)}
    for path in project.root.rglob("*"):
        if path.is_file():
            texts[str(path.relative_to(project.root))] = path.read_text("utf-8", "replace")
    for secret in (PATH_TOKEN, AUTH_TOKEN):
        for form in _forms(secret):
            for name, text in texts.items():
                if name in ("evalgate.yaml",):
                    continue
                assert form not in text, f"{form!r} of a secret in {name}"


def test_strange_answers_are_classified_and_every_result_is_kept(
    project: Project, endpoint: Endpoint
) -> None:
    messages = ["deep", "surrogate", "huge", "plain", "deep"]
    _setup(project, endpoint, messages)
    ran = project.cli("run", "--out", "r1", "-q")
    assert ran.code == 3, ran.err  # answered cases pass, unusable answers are errors
    by_id = {r["case_id"]: r for r in project.results("r1")}
    assert len(by_id) == len(messages)
    for cid in ("c0-deep", "c4-deep"):
        assert by_id[cid]["outcome"] == "invalid_response"
        assert "nested deeper than" in by_id[cid]["error"]
    assert by_id["c2-huge"]["outcome"] == "invalid_response"
    assert "4,300 digits" in by_id["c2-huge"]["error"]
    assert by_id["c1-surrogate"]["status"] == "passed"
    assert by_id["c1-surrogate"]["response"]["output"] == "ok \ufffd lone"
    again = project.cli("run", "--resume", "r1", "-q")
    assert again.code == 3, again.err  # a resumed run reads the file back and finishes
    assert len(project.results("r1")) == len(messages)
    assert project.cli("report", "r1").code in (0, 1, 3)
    assert "internal error" not in ran.err + again.err


def test_no_secret_reaches_any_file_or_stream_in_any_encoding(
    project: Project, endpoint: Endpoint
) -> None:
    _setup(project, endpoint, ["echo", "redirect", "plain"])
    step = project.root / "step.md"
    gh = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(step)}
    ran = project.cli("run", "--out", "r1", "--log-json", "log.jsonl", env=gh)
    assert ran.code == 3, ran.err  # the redirect is an error
    results = {r["case_id"]: r for r in project.results("r1")}
    assert "${AUTH_TOKEN}" in results["c0-echo"]["response"]["output"]
    assert "HTTP 302 redirect to" in results["c1-redirect"]["error"]
    assert "/login/" in results["c1-redirect"]["error"]
    assert "${PATH_TOKEN}" in results["c1-redirect"]["error"]  # masked inside the base64
    summary = project.read_json("r1/summary.json")
    assert summary["target"]["url"].endswith("/${PATH_TOKEN}/chat")
    _assert_no_secret(project, ran)


def test_an_error_body_cannot_drive_the_terminal(project: Project, endpoint: Endpoint) -> None:
    _setup(project, endpoint, ["down"] * 10, concurrency=2)
    ran = project.cli("run", "--out", "r1")
    assert ran.code == 3, ran.err
    line = next(x for x in ran.err.splitlines() if "endpoint looks down" in x)
    assert "\\x1b[2J" in line  # shown, not obeyed
    for stream in (ran.out, ran.err):
        assert not any(c in stream for c in "\x1b\x07")
    assert len(project.results("r1")) >= 8  # every call that finished is kept


def test_two_reports_in_one_step_summary_render_no_html(
    project: Project, endpoint: Endpoint
) -> None:
    _setup(project, endpoint, ["plain", "other"])
    step = project.root / "step.md"
    gh = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(step)}
    first = project.cli("run", "--out", "r1", "-q", "--no-gate", env=gh)
    project.write_golden("hostile.yaml", _golden(["plain", "other"], expect="missing"))
    second = project.cli("run", "--out", "r2", "-q", env=gh)
    assert (first.code, second.code) == (0, 1), first.err + second.err
    text = step.read_text("utf-8")
    assert text.count("<!-- evalgate-report -->") == 2
    assert "&lt;script&gt;" in MarkdownIt("commonmark").render(text)  # shown, as text
    rendered = MarkdownIt("commonmark", {"html": True}).render(text)
    assert "<script>" not in rendered and "<img" not in rendered
    for line in (first.out + second.out).splitlines():
        assert not line.startswith("::") or line.startswith(("::error ", "::warning ")), line


def test_numbers_python_cannot_use_are_located_errors(project: Project, endpoint: Endpoint) -> None:
    _setup(project, endpoint, ["plain"])
    golden = project.root / "goldens" / "hostile.yaml"
    text = golden.read_text("utf-8")
    golden.write_text(text.replace("message: plain", "message: plain\n    n: " + "1" * 5000))
    for args in (("validate",), ("run", "--out", "r1")):
        ran = project.cli(*args)
        assert ran.code == 2, ran.err
        shown = ran.out + ran.err  # validate lists problems on stdout, run on stderr
        assert "goldens/hostile.yaml:6:8: a number of 5000 characters" in shown, shown
    golden.write_text(text)
    config = project.root / "evalgate.yaml"
    config.write_text(config.read_text("utf-8").replace("timeout_s: 0.5", "timeout_s: .nan"))
    ran = project.cli("run", "--out", "r2")
    assert ran.code == 2, ran.err
    assert "evalgate.yaml:" in ran.err and "'.nan' is not a finite number" in ran.err


def test_file_names_and_variables_that_are_not_utf8_are_written_escaped(
    project: Project, endpoint: Endpoint
) -> None:
    _setup(project, endpoint, ["plain", "other"])
    config = project.root / "evalgate.yaml"
    config.write_text(
        config.read_text("utf-8").replace(
            "message: '{{ input.message }}'", "message: '{{ input.message }}'\n    note: ${NOTE}"
        ),
        "utf-8",
    )
    golden = project.write_golden("hostile.yaml", _golden(["plain", "other"], expect="missing"))
    os.rename(golden, os.fsencode(golden.parent) + b"/caf\xe9.yaml")  # a Latin-1 name
    step = project.root / "step.md"
    gh = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(step), "NOTE": "n\udcffte"}
    ran = project.cli("run", "--out", "r1", env=gh)
    assert ran.code == 1, ran.err  # both cases fail: their rows link to the golden file
    results = project.results("r1")
    assert [r["file"] for r in results] == ["goldens/caf\udce9.yaml"] * 2
    assert [r["request"]["note"] for r in results] == ["${NOTE}"] * 2  # still a secret
    for md in ((project.root / "r1" / "r.md").read_text("utf-8"), step.read_text("utf-8")):
        assert "(goldens/caf%E9.yaml#L" in md  # the link points at the real file
