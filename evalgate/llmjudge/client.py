"""The judge's own HTTP client: OpenAI-compatible chat completions and embeddings.

Separate from the target's client on purpose: its own connection pool, timeout, retries and
concurrency. Every failure (timeout, refused connection, non-2xx, a body that is not the
documented shape) raises :class:`JudgeError`, which the grader turns into a case ``error``
(counted toward gate.max_error_rate), never into a quality failure.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from evalgate import masking
from evalgate.config.model import JudgeConfig

_RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})
_MAX_BODY = 4 * 1024 * 1024


class JudgeError(Exception):
    """The judge could not give a verdict (down, slow, refused, or answered garbage)."""


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0


@dataclass(frozen=True)
class Endpoint:
    """A judge server as called: ``judge:`` with its base URL, model and key resolved. The other
    settings take their defaults from :class:`JudgeConfig`, the one place they are set."""

    base_url: str
    model: str
    api_key: str | None
    embedding_model: str | None = JudgeConfig.embedding_model
    temperature: float = JudgeConfig.temperature
    seed: int | None = JudgeConfig.seed
    max_tokens: int = JudgeConfig.max_tokens
    timeout_s: float = JudgeConfig.timeout_s
    retries: int = JudgeConfig.retries
    concurrency: int = JudgeConfig.concurrency


# the settings an Endpoint takes from ``judge:`` as they are
PASSED_THROUGH = (
    "embedding_model", "temperature", "seed", "max_tokens", "timeout_s", "retries", "concurrency"
)  # fmt: skip


class JudgeClient:
    """Async calls to the judge, at most ``concurrency`` in flight."""

    def __init__(self, ep: Endpoint, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.ep = ep
        headers = {"Content-Type": "application/json"}
        if ep.api_key:
            headers["Authorization"] = f"Bearer {ep.api_key}"
        self._http = httpx.AsyncClient(
            base_url=ep.base_url.rstrip("/") + "/",
            headers=headers,
            timeout=httpx.Timeout(ep.timeout_s),
            transport=transport,
            follow_redirects=False,
        )
        self._slots = asyncio.Semaphore(max(1, ep.concurrency))
        self.calls = 0
        # what the server said answered: (its ``model`` field, its ``system_fingerprint``), in
        # the order first seen; a new model behind the same name shows here, not in ``ep.model``
        self.served: list[tuple[str | None, str | None]] = []
        self.last_served: tuple[str | None, str | None] = (None, None)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def chat_json(
        self, messages: list[dict[str, str]], schema: dict[str, Any], name: str, seed: int | None
    ) -> tuple[str, Usage]:
        """The assistant message's text, asked for as JSON matching ``schema``."""
        body: dict[str, Any] = {
            "model": self.ep.model,
            "messages": messages,
            "temperature": self.ep.temperature,
            "max_tokens": self.ep.max_tokens,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": name, "strict": True, "schema": schema},
            },
        }
        if seed is not None:
            body["seed"] = seed
        data = await self._post("chat/completions", body)
        try:
            content = data["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise JudgeError("the judge's reply has no choices[0].message.content") from None
        if not isinstance(content, str):
            raise JudgeError("the judge's reply has no text content (refused or empty)")
        self.last_served = served(data)
        if self.last_served not in self.served:
            self.served.append(self.last_served)
        return content, _usage(data)

    async def embed(self, texts: Sequence[str]) -> tuple[list[list[float]], Usage]:
        model = self.ep.embedding_model or self.ep.model
        data = await self._post("embeddings", {"model": model, "input": list(texts)})
        try:
            rows = sorted(data["data"], key=lambda r: int(r["index"]))
            vecs = [[float(x) for x in r["embedding"]] for r in rows]
        except (KeyError, TypeError, ValueError):
            raise JudgeError("the embeddings reply is not {data: [{index, embedding}]}") from None
        if len(vecs) != len(texts) or any(not v or len(v) != len(vecs[0]) for v in vecs):
            raise JudgeError(f"the embeddings reply has {len(vecs)} vector(s) for {len(texts)}")
        return vecs, _usage(data)

    async def _post(self, path: str, body: dict[str, Any]) -> Any:
        last = ""
        for attempt in range(self.ep.retries + 1):
            if attempt:
                await asyncio.sleep(min(0.25 * 2**attempt, 4.0))
            async with self._slots:
                self.calls += 1
                try:
                    resp = await self._http.post(path, json=body)
                except httpx.TimeoutException:
                    last = f"no answer within {self.ep.timeout_s:g} s (judge.timeout_s)"
                    continue
                except httpx.HTTPError as exc:
                    last = f"cannot reach the judge: {type(exc).__name__}"
                    continue
            if resp.status_code // 100 != 2:
                last = f"the judge answered HTTP {resp.status_code}: {_snippet(resp.text)}"
                if resp.status_code in _RETRY_STATUS:
                    continue
                break
            if len(resp.content) > _MAX_BODY:
                raise JudgeError(f"the judge's reply is larger than {_MAX_BODY} bytes")
            try:
                return json.loads(resp.content)
            except ValueError:
                raise JudgeError(f"the judge's reply is not JSON: {_snippet(resp.text)}") from None
        url = f"{self.ep.base_url.rstrip('/')}/{path}"
        raise JudgeError(masking.scrub(f"{last} ({url})"))


def served(data: Any) -> tuple[str | None, str | None]:
    """The reply's own ``model`` and ``system_fingerprint`` (None when not reported)."""
    if not isinstance(data, dict):
        return None, None
    m, fp = data.get("model"), data.get("system_fingerprint")
    return (m if isinstance(m, str) else None, fp if isinstance(fp, str) else None)


def _usage(data: Any) -> Usage:
    u = data.get("usage") if isinstance(data, dict) else None
    if not isinstance(u, dict):
        return Usage()
    pt, ct = u.get("prompt_tokens"), u.get("completion_tokens")
    return Usage(pt if isinstance(pt, int) else 0, ct if isinstance(ct, int) else 0)


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return masking.scrub(flat[:160] + ("…" if len(flat) > 160 else ""))
