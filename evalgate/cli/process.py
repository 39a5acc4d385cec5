"""What the ``evalgate`` process does for itself, and no caller of ``main(argv)`` would want.

When :func:`evalgate.cli.main.main` runs the process's own command line (the ``evalgate``
command, ``python -m evalgate``), five fixed costs of a command are cut:

- **Start-up**: importing a command's modules creates ~50,000 objects that live until the end
  (functions, classes, constants). The cyclic garbage collector would walk them about a hundred
  times while they are imported, and again in every full collection after, never freeing one.
  It is off while the command's modules are imported; then they are frozen (``gc.freeze``: left
  out of every later collection) and it is on again for the command's own work.
- **httpx's command-line client**: ``import httpx`` also imports ``httpx._main`` when click,
  rich and pygments are installed (they are: evalgate's own dependencies), ~30 ms that a run
  never uses. It is left out while the command runs, as httpx does when those are missing.
- **aiohttp's TLS contexts**: importing aiohttp loads the system's CA certificates twice
  (~50 ms of CPU, without the GIL), even for an ``http://`` target. When ``run`` will call its
  target over aiohttp, aiohttp is imported in a thread while the command imports the engine
  and loads the project (:func:`calling`, :mod:`evalgate.target.warm`).
- **Collections during the command**: a run allocates a few hundred thousand container
  objects that live until it ends (results, rows) and almost no reference cycles (a few
  hundred collected objects at 1,000 cases). At CPython's default threshold of 700 the
  collector examines them ~100 times per 1,000 cases (20-25 ms, 60-90 ms at 5,000, the
  work growing with the run); at 10,000 it runs a tenth as often and frees the same cycles,
  a little later. The peak memory of a run of 1,000 or 5,000 cases is unchanged.
- **Exit**: the interpreter's last collections walk every object still alive (a run's cases
  and results) to free memory the ending process gives back anyway: 65-180 ms at 1,000
  cases. Everything is frozen once the command has returned, so they walk nothing. Files are
  closed by the command itself; nothing evalgate writes waits for a collection.
"""

from __future__ import annotations

import gc
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

_starting = False
_own = False  # main() runs the process's own command line
# allocations (less deallocations) of container objects between two young collections
GEN0_THRESHOLD = 10_000


def start() -> None:
    """The process begins: collector off until :func:`imported`; no httpx command line."""
    global _starting, _own
    _starting = _own = True
    gc.disable()
    # None in sys.modules makes `import httpx._main` raise ImportError, which httpx/__init__
    # catches (its `main` then says that the CLI extra is missing); until finish()
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


def imported() -> None:
    """The command's modules are imported: freeze them, collect the rest less often."""
    global _starting
    if not _starting:
        return
    _starting = False
    gc.freeze()
    gc.set_threshold(GEN0_THRESHOLD, *gc.get_threshold()[1:])
    gc.enable()


def calling(config_file: Path) -> None:
    """The command will call the target of ``config_file``: over aiohttp, begin importing
    aiohttp in a thread while the command imports and loads the rest
    (:mod:`evalgate.target.warm`)."""
    if not _own:
        return
    from evalgate.target import warm

    if warm.over_aiohttp(config_file):
        warm.start()


def finish() -> None:
    """The command has returned: leave the exit's collections nothing to walk."""
    global _own
    _own = False
    imported()
    if sys.modules.get("httpx._main", 0) is None:
        del sys.modules["httpx._main"]
    gc.freeze()
