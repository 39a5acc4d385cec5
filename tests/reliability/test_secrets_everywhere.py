"""Secrets never leave: every command that writes or prints, then a scan of everything.

Three secrets: an Authorization header read from the environment (``Bearer <token>``), a value
put into the request body through ``${VAR}``, and a webhook token in the canary URL. The scan
covers every file under the project (run folders, reports, logs, history, imported goldens,
the step summary), the captured webhook and Langfuse request bodies, and stdout/stderr.
"""

from __future__ import annotations

import base64
import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from evalgate.cli.main import main
from evalgate.demo.server import DemoServer, start_server
from tests.langfuse import _redact_bridge
from tests.langfuse_server import PUBLIC_KEY, SECRET_KEY, LangfuseServer
from tests.langfuse_server.seed import seed
from tests.reliability.conftest import FaultProject, unique

_redact_bridge.install()
DEMO = Path(__file__).resolve().parents[2] / "evalgate" / "demo"
TOKEN = "tok-RELIABILITY-5f4e3d2c1b0a"
AUTH = f"Bearer {TOKEN}"
BODY_SECRET = "body-secret-77aa88bb99cc"
HOOK_TOKEN = "hooktoken-ZZ11YY22XX33"


class Capture:
    """A loopback server that keeps every request body (the webhook receiver)."""

    def __init__(self) -> None:
        self.bodies: list[str] = []
        cap = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                cap.bodies.append(self.rfile.read(int(self.headers["Content-Length"])).decode())
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def world(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, DemoServer, Capture, LangfuseServer, list[str]]]:
    locked = start_server(port=0, api_key=TOKEN)
    hook = Capture()
    lf = LangfuseServer().__enter__()
    seed(lf.store)
    lf_bodies: list[str] = []
    handle, otlp = lf.handle, lf.otlp

    def record(method: str, path: str, params: dict[str, str], body: Any) -> Any:
        lf_bodies.append(json.dumps(body))
        return handle(method, path, params, body)

    def record_otlp(raw: bytes, encoding: str | None) -> None:
        lf_bodies.append(raw.decode("utf-8", "replace"))
        otlp(raw, encoding)

    lf.handle = record  # type: ignore[method-assign]
    lf.otlp = record_otlp  # type: ignore[method-assign]
    shutil.copy(DEMO / "evalgate.yaml", tmp_path / "evalgate.yaml")
    shutil.copytree(DEMO / "goldens", tmp_path / "goldens")
    shutil.copytree(DEMO / "scorers", tmp_path / "scorers", ignore=shutil.ignore_patterns("__*"))
    cfg = (tmp_path / "evalgate.yaml").read_text()
    cfg = cfg.replace(
        "  method: POST\n",
        '  method: POST\n  headers: {Authorization: "${COPILOT_AUTH}"}\n',
    ).replace(
        '    sessionId: "{{ session_id }}"\n',
        '    sessionId: "{{ session_id }}"\n    apiKey: "${BODY_SECRET}"\n',
    )
    cfg += f"canary: {{webhook: '{hook.url}/hook/${{HOOK_TOKEN}}'}}\nlangfuse: {{timeout_s: 5}}\n"
    (tmp_path / "evalgate.yaml").write_text(cfg)
    monkeypatch.chdir(tmp_path)
    for k, v in {
        "COPILOT_URL": locked.url,
        "COPILOT_AUTH": AUTH,
        "BODY_SECRET": BODY_SECRET,
        "HOOK_TOKEN": HOOK_TOKEN,
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "step-summary.md"),
        "LANGFUSE_PUBLIC_KEY": PUBLIC_KEY,
        "LANGFUSE_SECRET_KEY": SECRET_KEY,
        "LANGFUSE_BASE_URL": lf.url,
    }.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("LANGFUSE_HOST", raising=False)
    monkeypatch.delenv("EVALGATE_CONFIG", raising=False)
    yield tmp_path, locked, hook, lf, lf_bodies
    lf.__exit__()
    hook.stop()
    locked.stop()


def _encodings(secret: str) -> list[str]:
    """The secret as typed and as an output can encode it: URL-encoded, base64 (alone and after
    a ``user:`` prefix, as in basic auth), JSON-escaped."""
    raw = secret.encode()
    forms = [secret, json.dumps(secret)[1:-1], quote(secret, safe=""), quote_plus(secret)]
    for data in (raw, b"user:" + raw):
        forms += [base64.b64encode(data).decode(), base64.urlsafe_b64encode(data).decode()]
    return list(dict.fromkeys(f.rstrip("=") for f in forms))


_FORMS = {
    form: secret for secret in (TOKEN, AUTH, BODY_SECRET, HOOK_TOKEN) for form in _encodings(secret)
}


def _leaks(text: str) -> list[str]:
    return [form for form in _FORMS if form in text]


def test_no_command_lets_a_secret_out(
    world: tuple[Path, DemoServer, Capture, LangfuseServer, list[str]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    root, server, hook, _lf, lf_bodies = world
    printed: list[str] = []

    def cmd(expected: int, *args: str) -> None:
        code = main(list(args))
        out, err = capsys.readouterr()
        printed.extend([out, err])
        assert code == expected, (args, code, err[-1500:])

    cmd(0, "run", "--out", "s1", "--record-baseline", "--log-json", "calls.jsonl")
    cmd(0, "run", "--out", "s2", "--json", "--log-json", "-")
    cmd(0, "report", "s1", "--github")
    cmd(0, "compare", "s1", "s2", "--json")
    cmd(0, "run", "--out", "sh1", "--shard", "1/2", "--no-gate", "-q")
    cmd(0, "run", "--out", "sh2", "--shard", "2/2", "--no-gate", "-q")
    cmd(0, "merge", "sh1", "sh2", "--out", "merged", "--json")
    cmd(0, "rescore", "s1", "--out", "s1-rescored", "--json")
    cmd(0, "export", "langfuse", "s1")
    cmd(0, "import", "langfuse", "--out", "imported/lf.yaml", "--since", "3650d")
    server.configure(prompt_version="v2")  # the regression makes the canary drift
    cmd(1, "canary", "--log-json", "canary.jsonl", "--verbose")
    cmd(0, "canary", "--history")
    # a config error whose message would quote the secret value
    bad = (
        (root / "evalgate.yaml")
        .read_text()
        .replace("timeout_s: 30", 'timeout_s: "${COPILOT_AUTH}"')
    )
    (root / "bad.yaml").write_text(bad)
    cmd(2, "validate", "--config", "bad.yaml")
    cmd(2, "--debug", "run", "--config", "bad.yaml", "-q")
    # an internal error whose message carries the secret, shown with --debug (traceback)
    import evalgate.engine.conclude as conclude

    def boom(*a: Any, **k: Any) -> Any:
        raise RuntimeError(f"exploded while holding {AUTH} and {BODY_SECRET}")

    monkeypatch.setattr(conclude, "build_run_summary", boom)
    cmd(4, "--debug", "run", "--out", "s3", "-q")
    assert any("Traceback" in p for p in printed)  # the debug path really ran

    assert len(hook.bodies) == 1 and lf_bodies  # the webhook and Langfuse were really called
    produced = [p for p in root.rglob("*") if p.is_file() and p.name not in ("evalgate.yaml",)]
    names = {p.name for p in produced}
    assert {"results.jsonl", "summary.json", "report.html", "junit.xml", "report.md"} <= names
    assert {"calls.jsonl", "canary.jsonl", "step-summary.md", "lf.yaml"} <= names
    assert (root / ".evalgate" / "canary-history.jsonl").exists()
    leaks = {str(p): _leaks(p.read_text(errors="replace")) for p in produced}
    leaks.update({f"printed[{i}]": _leaks(t) for i, t in enumerate(printed)})
    leaks.update({f"webhook[{i}]": _leaks(b) for i, b in enumerate(hook.bodies)})
    leaks.update({f"langfuse[{i}]": _leaks(b) for i, b in enumerate(lf_bodies)})
    assert {k: v for k, v in leaks.items() if v} == {}
    # and the secret really was used: the locked server only answers the right header
    assert json.loads((root / "s1" / "summary.json").read_text())["totals"]["errors"] == 0


def test_an_endpoint_that_echoes_the_request_headers(
    fp: FaultProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The answer is model output and is kept — but the header value in it is masked in every
    file and printout. Scorers see the answer as it came (they run before anything is written).
    """
    monkeypatch.setenv("ECHO_AUTH", AUTH)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(fp.root / "step.md"))
    encodings = ("raw", "json", "url", "b64", "b64url")
    fp.write(
        {f"c{i}": f"/headers?key={unique('h')}&enc={e}" for i, e in enumerate(encodings)},
        target={"headers": {"Authorization": "${ECHO_AUTH}"}},
        extra={"reports": {"dir": "runs", "junit": "j.xml", "markdown": "r.md", "html": "r.html"}},
    )
    # every case fails (no "echo" in the answer): annotations carry the answer text
    ran = fp.run("r", "--json")
    assert ran.code == 1, ran.err
    stored = ran.results["c0"].response
    assert stored is not None and "you sent" in (stored.output or "")
    assert "Authorization: ${ECHO_AUTH}" in (stored.output or "")
    files = [p for p in fp.root.rglob("*") if p.is_file() and p.name != "evalgate.yaml"]
    assert {"results.jsonl", "r.html", "r.md", "j.xml", "step.md"} <= {p.name for p in files}
    for p in files:
        assert not _leaks(p.read_text(errors="replace")), p
    assert not _leaks(ran.out + ran.err)
