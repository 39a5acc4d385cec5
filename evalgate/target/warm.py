"""aiohttp imported in a thread of its own while a command imports and prepares the rest.

Importing aiohttp builds two TLS contexts (``aiohttp/connector.py``, at module level), each
loading the system's CA certificates: about 50 ms of CPU at every start, even for an
``http://`` target, whose calls never use them (evalgate's https calls use httpx's context,
``target/aio.py``). OpenSSL loads them without holding the GIL, so the load can overlap the
command's own work. :func:`start` imports aiohttp's dependencies in the calling thread, then
aiohttp itself in a thread; the calling thread goes on (the engine's imports, the run folder)
and meets the finished module at its first call (``target/aio.py`` imports aiohttp, waiting
for the thread when it is not done).

The two threads never import the same module at the same time: every module aiohttp imports
outside its own package is imported first, by the calling thread (:data:`DEPENDENCIES`;
``tests/target/test_warm.py`` checks that nothing else is left), so the thread only imports
``aiohttp.*`` modules, which nothing else in evalgate imports. Nothing about TLS changes:
aiohttp builds the same contexts, in another thread. A failed import in the thread is left
for the first call to meet again, where it is reported as it was without the thread.
"""

from __future__ import annotations

import importlib
import stat
import sys
import threading
from pathlib import Path
from typing import Any

# aiohttp's imports outside its own package that a command has not made when it starts the
# thread: imported first, in the calling thread
DEPENDENCIES = (
    "asyncio",
    "ssl",
    "hashlib",
    "pickle",
    "tempfile",
    "mimetypes",
    "email.parser",
    "http.client",
    "urllib.request",
    "http.cookies",
    "netrc",
    "email.policy",
    "typing_extensions",
    "attr",
    "multidict",
    "propcache",
    "yarl",
    "frozenlist",
    "aiosignal",
    "aiohappyeyeballs",
)

_thread: threading.Thread | None = None
_PEEK_BYTES = 256 * 1024  # a larger config is not read ahead of the project's loading


def over_aiohttp(config_file: Path) -> bool:
    """Whether the target of the config in ``config_file`` is called over aiohttp (the
    default transport, no in-process ``python`` target), read ahead of the project's own
    loading, which checks the file. Any doubt (an unreadable or odd file, not a regular file)
    is False: a wrong answer only costs or saves this overlap, never changes a run."""
    try:
        st = config_file.stat()
        # a pipe (``--config <(...)``) is read once, by the project's loading
        if not stat.S_ISREG(st.st_mode) or st.st_size > _PEEK_BYTES:
            return False
        import yaml

        loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        doc = yaml.load(config_file.read_bytes(), Loader=loader)
    except Exception:
        return False
    target = doc.get("target") if isinstance(doc, dict) else None
    if not isinstance(target, dict) or target.get("python") is not None:
        return False
    return bool(target.get("transport", "aiohttp") == "aiohttp")


def start() -> bool:
    """Begin importing aiohttp in a thread (once); False when it was not begun: aiohttp is
    imported already, or one of its dependencies does not import (the first call reports it)."""
    global _thread
    if _thread is not None or "aiohttp" in sys.modules:
        return False
    try:
        for name in DEPENDENCIES:
            importlib.import_module(name)
    except Exception:
        return False
    # not a daemon: a command that ends before the import does (a usage error found after the
    # thread began) waits for it at exit; an interpreter torn down under a daemon thread still
    # inside OpenSSL's certificate load can crash the process (SIGSEGV instead of its exit code)
    _thread = threading.Thread(target=_import, name="evalgate-import-aiohttp", daemon=False)
    _thread.start()
    return True


def _import() -> None:
    try:
        importlib.import_module("aiohttp")
    except BaseException:  # met again, and reported, by the first call's own import
        return


def wait() -> None:
    """Until the thread's import is over (at once when none was begun)."""
    if _thread is not None:
        _thread.join()
