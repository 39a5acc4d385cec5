"""Target client overhead: N calls at concurrency C through TargetClient vs bare loops.

Four loops send the same JSON body to the same local server (started in a child process so its
work does not share the benchmark's interpreter) and take turns, best of R rounds: a bare httpx
loop, a bare aiohttp loop, and TargetClient over each ``target.transport``. Each loop is C
workers taking the next call in turn (no task per call for any of them), and each parses the
JSON answer. Each reports its wall time and its CPU time (this process's, so the server's is
not counted).

    python -m benchmarks.target_overhead [N] [C] [R]
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import sys
import time
from collections.abc import Awaitable, Callable

import httpx

from evalgate.config.model import ResponseMapping, TargetConfig
from evalgate.model import Case
from evalgate.target import TargetClient, TemplateContext

_REPLY = json.dumps(
    {"output": "ok", "model": "m", "usage": {"input_tokens": 3, "output_tokens": 2}}
).encode()


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    # the smallest keep-alive HTTP/1.1 server, so the client side dominates the measurement
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(_REPLY)).encode()
        + b"\r\n\r\n"
        + _REPLY
    )
    try:
        while True:
            request = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in request.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length:
                await reader.readexactly(length)
            writer.write(head)
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


def _serve(port_q: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    async def run() -> None:
        server = await asyncio.start_server(_handle, "127.0.0.1", 0, backlog=1024)
        port_q.put(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(run())


Timed = tuple[float, float]  # (wall s, CPU s)


def _start() -> Timed:
    return time.perf_counter(), time.process_time()


def _took(t: Timed) -> Timed:
    return time.perf_counter() - t[0], time.process_time() - t[1]


async def _workers(n: int, c: int, one: Callable[[int], Awaitable[None]]) -> Timed:
    """``n`` calls by ``c`` workers taking the next number, as the client's callers do."""
    todo = iter(range(n))

    async def worker() -> None:
        for i in todo:
            await one(i)

    t = _start()
    await asyncio.gather(*(worker() for _ in range(c)))
    return _took(t)


async def bare(url: str, n: int, c: int) -> Timed:
    limits = httpx.Limits(max_connections=c, max_keepalive_connections=c)
    async with httpx.AsyncClient(limits=limits) as client:

        async def one(i: int) -> None:
            r = await client.post(url, json={"message": f"q{i}", "case": f"c{i}"})
            r.json()["output"]

        return await _workers(n, c, one)


async def bare_aiohttp(url: str, n: int, c: int) -> Timed:
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=c)) as session:

        async def one(i: int) -> None:
            async with session.post(url, json={"message": f"q{i}", "case": f"c{i}"}) as r:
                json.loads(await r.read())["output"]

        return await _workers(n, c, one)


async def ours(url: str, n: int, c: int, transport: str) -> Timed:
    cfg = TargetConfig(
        url=url,
        transport=transport,
        concurrency=c,
        body={"message": "{{ input.message }}", "case": "{{ case.id }}"},
        response=ResponseMapping(output="output", model="model", input_tokens="usage.input_tokens"),
    )
    cases = [Case(id=f"c{i}", dataset="bench", input={"message": f"q{i}"}) for i in range(n)]
    async with TargetClient(cfg) as client:

        async def one(i: int) -> None:
            case = cases[i]
            r = await client.call(TemplateContext(case=case, input=case.input, run_id="b"))
            assert r.ok, r.error

        return await _workers(n, c, one)


def main() -> None:
    n, c, rounds = (int(a) for a in (sys.argv[1:] + ["1000", "50", "3"][len(sys.argv) - 1 :]))
    q: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    proc = multiprocessing.Process(target=_serve, args=(q,), daemon=True)
    proc.start()
    url = f"http://127.0.0.1:{q.get(timeout=10)}/ok"
    loops = {
        "bare_httpx": lambda: bare(url, n, c),
        "bare_aiohttp": lambda: bare_aiohttp(url, n, c),
        "client_aiohttp": lambda: ours(url, n, c, "aiohttp"),
        "client_httpx": lambda: ours(url, n, c, "httpx"),
    }
    seen: dict[str, list[Timed]] = {k: [] for k in loops}
    for _ in range(rounds):
        for name, loop in loops.items():
            seen[name].append(asyncio.run(loop()))
    proc.terminate()
    best = {k: (min(w for w, _ in v), min(u for _, u in v)) for k, v in seen.items()}
    out: dict[str, object] = {"n": n, "concurrency": c}
    for k, (wall, cpu) in best.items():
        out[f"{k}_s"] = round(wall, 3)
        out[f"{k}_cpu_ms_per_call"] = round(cpu / n * 1000.0, 4)
    floor = best["bare_aiohttp"][1]
    for k in ("client_aiohttp", "client_httpx", "bare_httpx"):
        out[f"{k}_cpu_vs_bare_aiohttp"] = round(best[k][1] / floor, 2)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
