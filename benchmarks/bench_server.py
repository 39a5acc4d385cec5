"""The benchmark's endpoint and its floor client, each run as its own process.

    python benchmarks/bench_server.py serve --port-file F [--latency-ms MS]
    python benchmarks/bench_server.py floor URL N CONCURRENCY          # bare httpx loop
    python benchmarks/bench_server.py floor-aiohttp URL N CONCURRENCY  # bare aiohttp loop

``serve`` is a small asyncio HTTP/1.1 keep-alive server (large backlog) that answers every
POST with the same support-copilot-like JSON body, optionally after a fixed delay, so the
client side dominates what is measured. The floors are the least a Python client does for the
same work: ``CONCURRENCY`` workers sending ``N`` requests shaped like evalgate's (the same
bodies) and parsing each JSON answer, with httpx (its default transport, one pool) or with
aiohttp (one session).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time

# shaped like the demo copilot's answer (docs/demo.md); every benchmark scorer passes on it
REPLY = json.dumps(
    {
        "answer": "Customers can ask for a refund within 30 days of purchase [kb-refunds].",
        "citations": [{"doc_id": "kb-refunds", "title": "Refund policy"}],
        "retrieval": {
            "doc_ids": ["kb-refunds", "kb-cancel-subscription"],
            "titles": ["Refund policy", "Cancelling a subscription"],
            "chunk_count": 3,
            "top_score": 0.82,
        },
        "tool_calls": [
            {"name": "search_kb", "arguments": {"query": "refund window"}, "permission": "allowed"}
        ],
        "promptVersion": "v1",
        "model": "demo-copilot-small",
        "usage": {"input_tokens": 412, "output_tokens": 38},
        "traceId": "tr-00000000deadbeef",
        "refused": False,
        "sessionId": "s-000000000001",
    },
    separators=(",", ":"),
).encode()


def _head(body: bytes) -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
    )


async def _read_body(reader: asyncio.StreamReader, head: bytes) -> bool:
    """Consume the request body; False when the client asked to close the connection."""
    length = 0
    chunked = False
    keep = True
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif name == b"connection" and value.strip().lower() == b"close":
            keep = False
    if length:
        await reader.readexactly(length)
    elif chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return keep


def serve(port_file: str, latency_ms: float) -> None:
    response = _head(REPLY) + REPLY
    delay = latency_ms / 1000.0

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                keep = await _read_body(reader, head)
                if delay:
                    await asyncio.sleep(delay)
                writer.write(response)
                if not keep:
                    await writer.drain()
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=4096)
        port = server.sockets[0].getsockname()[1]
        tmp = port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(port))
        os.replace(tmp, port_file)  # the parent polls for the file: it must appear whole
        await server.serve_forever()

    asyncio.run(main())


def _body(i: int) -> dict[str, object]:
    return {
        "message": f"How long do customers have to ask for a refund? #{i}",
        "tenantId": "acme",
        "sessionId": f"bench:q{i:06d}:0",
        "history": [],
    }


def floor(url: str, n: int, concurrency: int) -> None:
    import httpx

    async def main() -> None:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        it = iter(range(n))
        async with httpx.AsyncClient(limits=limits, timeout=30.0) as client:

            async def worker() -> None:
                for i in it:  # shared: each request is sent by exactly one worker
                    r = await client.post(url, json=_body(i))
                    assert r.status_code == 200 and "30 days" in r.json()["answer"]

            await asyncio.gather(*(worker() for _ in range(concurrency)))

    t = time.perf_counter()
    asyncio.run(main())
    sys.stderr.write(f"floor: {n} requests in {time.perf_counter() - t:.3f} s\n")


def floor_aiohttp(url: str, n: int, concurrency: int) -> None:
    import aiohttp

    async def main() -> None:
        it = iter(range(n))
        connector = aiohttp.TCPConnector(limit=concurrency)
        timeout = aiohttp.ClientTimeout(total=30.0)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

            async def worker() -> None:
                for i in it:
                    async with session.post(url, json=_body(i)) as r:
                        answer = json.loads(await r.read())
                        assert r.status == 200 and "30 days" in answer["answer"]

            await asyncio.gather(*(worker() for _ in range(concurrency)))

    t = time.perf_counter()
    asyncio.run(main())
    sys.stderr.write(f"floor-aiohttp: {n} requests in {time.perf_counter() - t:.3f} s\n")


def main() -> None:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--port-file", required=True)
    s.add_argument("--latency-ms", type=float, default=0.0)
    for name in ("floor", "floor-aiohttp"):
        f = sub.add_parser(name)
        f.add_argument("url")
        f.add_argument("n", type=int)
        f.add_argument("concurrency", type=int)
    a = p.parse_args()
    if a.cmd == "serve":
        serve(a.port_file, a.latency_ms)
    elif a.cmd == "floor":
        floor(a.url, a.n, a.concurrency)
    else:
        floor_aiohttp(a.url, a.n, a.concurrency)


if __name__ == "__main__":
    main()
