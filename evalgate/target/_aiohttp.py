"""aiohttp, imported without loading the system's CA bundle for contexts evalgate never uses.

When imported, ``aiohttp.connector`` builds two default SSL contexts (verified and not), each
loading the system's CA bundle: ~50 ms of CPU, a tenth of a small run's whole process. They
serve requests that pass no ``ssl=`` of their own; ``aio.py`` passes httpx's context (with the
target's ``verify`` and ``SSL_CERT_FILE``) to every https request and ``ssl=False`` to every
http one, so they are never used. While aiohttp is imported, by this thread only, a context
skips loading the bundle: aiohttp's verified default then trusts no CA, so a request that
reached it by mistake would fail certificate verification, never pass unverified.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["aiohttp"]


@contextmanager
def _without_ca_bundle() -> Iterator[None]:
    me = threading.get_ident()
    real = ssl.SSLContext.set_default_verify_paths
    own = "set_default_verify_paths" in ssl.SSLContext.__dict__

    def set_default_verify_paths(self: ssl.SSLContext) -> None:
        if threading.get_ident() != me:
            real(self)

    ssl.SSLContext.set_default_verify_paths = set_default_verify_paths  # type: ignore[method-assign]
    try:
        yield
    finally:
        if own:
            ssl.SSLContext.set_default_verify_paths = real  # type: ignore[method-assign]
        else:
            del ssl.SSLContext.set_default_verify_paths


with _without_ca_bundle():
    import aiohttp
