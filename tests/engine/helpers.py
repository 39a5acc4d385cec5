"""A tiny project with an in-process target, written into a temporary folder."""

from __future__ import annotations

import textwrap
from pathlib import Path

APP = """
import asyncio

CALLS = []


def answer(request):
    CALLS.append(request)
    message = request["message"]
    if "boom" in message:
        raise RuntimeError("the app broke")
    return {"answer": "Refunds within 30 days." if "refund" in message else "Hello!",
            "version": "v1"}


async def answer_async(request):
    await asyncio.sleep(0)
    return answer(request)


def regressed(request):
    return {"answer": answer(request)["answer"].replace("30 days", "a while"), "version": "v1"}


def slow(request):
    import time
    time.sleep(2)
    return {"answer": "late", "version": "v1"}
"""

GOLDENS = """\
dataset: app
cases:
  - id: refund
    input: {message: "How do refunds work?"}
    expect:
      - contains: "30 days"
    tags: [billing, critical]
  - id: greeting
    input: {message: "hi"}
    expect:
      - contains: "Hello"
"""


def write_project(
    root: Path, function: str = "app:answer", goldens: str = GOLDENS, extra: str = ""
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text(APP, encoding="utf-8")
    (root / "goldens").mkdir(exist_ok=True)
    (root / "goldens" / "app.yaml").write_text(goldens, encoding="utf-8")
    (root / "evalgate.yaml").write_text(
        textwrap.dedent(
            f"""\
            version: 1
            target:
              python: "{function}"
              body: {{message: "{{{{ input.message }}}}"}}
              response: {{output: answer, prompt_version: version}}
              retries: 0
              timeout_s: 1
            goldens: [goldens]
            """
        )
        + extra,
        encoding="utf-8",
    )
    return root / "evalgate.yaml"
