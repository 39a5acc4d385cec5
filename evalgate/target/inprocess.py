"""In-process targets: ``target: {python: "package.module:function"}``.

The function takes the rendered request body (``target.body``, as JSON) and returns the
response document (a JSON value, or a string for a plain-text answer); it may be ``async``.
It is called through an httpx transport, so the request template, the response mapping,
retries, time limits, scorers, the gate and the reports are the ones HTTP targets get: a
function that raises is an endpoint error (HTTP 500 with the exception's type and message),
one that takes longer than ``target.timeout_s`` a timeout.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from evalgate.errors import ConfigError


def load_callable(spec: str, root: Path | None = None) -> Callable[..., Any]:
    """``"package.module:function"`` -> the function; ``root`` (the config's folder) is
    searched for the module too. Anything wrong is a :class:`ConfigError` (exit 2)."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ConfigError(
            f"target.python: {spec!r} is not 'package.module:function'; name the module and"
            " the function, separated by a colon"
        )
    if root is not None and str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise ConfigError(
            f"target.python: cannot import {module_name!r} ({type(exc).__name__}: {exc});"
            " check the module name and that it is importable from the config's folder"
        ) from None
    obj: Any = module
    for part in attr.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            raise ConfigError(f"target.python: {module_name!r} has no {attr!r}")
    if not callable(obj):
        raise ConfigError(f"target.python: {spec!r} is not a function")
    return obj  # type: ignore[no-any-return]


class PythonTransport(httpx.AsyncBaseTransport):
    """Answers every request by calling ``function`` with the request's JSON body."""

    def __init__(self, function: Callable[..., Any], timeout_s: float | None = None) -> None:
        self.function = function
        self.timeout_s = timeout_s

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raw = await request.aread()
        document: Any = json.loads(raw) if raw else None
        try:
            async with asyncio.timeout(self.timeout_s):
                answer = await self._call(document)
        except TimeoutError:
            raise httpx.ReadTimeout(
                f"the function took longer than {self.timeout_s:g} s (target.timeout_s)",
                request=request,
            ) from None
        except Exception as exc:
            text = f"{type(exc).__name__}: {exc}"
            return httpx.Response(500, text=text, request=request)
        if isinstance(answer, str):
            return httpx.Response(200, text=answer, request=request)
        try:
            body = json.dumps(answer, ensure_ascii=False, allow_nan=False, default=_not_json)
        except (TypeError, ValueError) as exc:
            return httpx.Response(500, text=f"the function's answer is not JSON: {exc}")
        return httpx.Response(
            200, content=body.encode(), headers={"content-type": "application/json"}
        )

    async def _call(self, document: Any) -> Any:
        if inspect.iscoroutinefunction(self.function):
            return await self.function(document)
        result = await asyncio.to_thread(self.function, document)
        if inspect.isawaitable(result):
            return await result
        return result


def _not_json(value: object) -> Any:
    raise TypeError(f"{type(value).__name__} is not a JSON value")
