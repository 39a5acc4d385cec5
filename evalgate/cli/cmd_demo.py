"""``evalgate demo`` and ``evalgate demo serve``."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import typer

from evalgate.errors import ExitCode, UsageError


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Show the whole loop on the built-in reference middleware.",
        invoke_without_command=True,
    )
    app.add_typer(group, name="demo")

    @group.callback()
    def demo(
        ctx: typer.Context,
        directory: Path = typer.Option(
            Path("evalgate-demo"), "--dir", help="Where to put the demo project and its runs."
        ),
    ) -> None:
        """Run the whole story: record v1's baseline, then watch the gate block v2."""
        if ctx.invoked_subcommand is None:
            from evalgate.cli.demo_story import tell_story

            raise typer.Exit(tell_story(directory))

    @group.command("serve")
    def serve(
        port: int = typer.Option(8787, "--port", "-p", min=0, max=65535, help="Port (0: any)."),
        host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
        prompt_version: str = typer.Option(
            "v1", "--prompt-version", help="v1 (good) or v2 (a regression)."
        ),
        latency_ms: float = typer.Option(0.0, "--latency-ms", min=0, help="Added per request."),
        error_rate: float = typer.Option(
            0.0, "--error-rate", min=0, max=1, help="Fraction of requests answered 503."
        ),
        noise: float = typer.Option(
            0.0, "--noise", min=0, max=1, help="Chance per request of a small quality wobble."
        ),
        seed: int = typer.Option(0, "--seed", help="Seed for errors, noise and ids."),
    ) -> int:
        """Run the reference middleware alone, for trying things by hand (Ctrl-C stops it)."""
        from evalgate.demo.copilot import PROMPT_VERSIONS
        from evalgate.demo.server import DemoServer, serve

        if prompt_version not in PROMPT_VERSIONS:
            raise UsageError(
                f"--prompt-version {prompt_version!r} is unknown; use one of "
                + ", ".join(PROMPT_VERSIONS)
            )

        def ready(server: DemoServer) -> None:
            sys.stderr.write(
                f"demo copilot (prompt {prompt_version}) listening on {server.url}\n"
                f"  POST {server.url}/v1/copilot   GET {server.url}/healthz   "
                f"GET|POST {server.url}/admin/config\n"
                "press Ctrl-C to stop\n"
            )
            sys.stderr.flush()

        previous = _sigterm_interrupts()
        try:
            serve(
                host,
                port,
                on_ready=ready,
                seed=seed,
                prompt_version=prompt_version,
                latency_ms=latency_ms,
                error_rate=error_rate,
                noise=noise,
            )
        except OSError as exc:
            raise UsageError(
                f"cannot listen on {host}:{port}: {exc.strerror or exc}; "
                "pick another --port (or --port 0 for any free one)"
            ) from None
        except KeyboardInterrupt:
            sys.stderr.write("demo copilot stopped\n")
            return ExitCode.INTERRUPTED
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
        return ExitCode.OK


def _sigterm_interrupts() -> signal.Handlers | Callable[[int, FrameType | None], Any] | int | None:
    """Make SIGTERM stop the server like Ctrl-C does (exit 130); return the old handler."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, handler)
