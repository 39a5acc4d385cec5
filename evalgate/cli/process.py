"""What the ``evalgate`` process does for itself, and no caller of ``main(argv)`` would want.

When :func:`evalgate.cli.main.main` runs the process's own command line (the ``evalgate``
command, ``python -m evalgate``), three fixed costs of a command are cut:

- **Start-up**: importing a command's modules creates ~50,000 objects that live until the end
  (functions, classes, constants). The cyclic garbage collector would walk them about a hundred
  times while they are imported, and again in every full collection after, never freeing one.
  It is off while the command's modules are imported; then they are frozen (``gc.freeze``: left
  out of every later collection) and it is on again for the command's own work.
- **httpx's command-line client**: ``import httpx`` also imports ``httpx._main`` when click,
  rich and pygments are installed (they are: evalgate's own dependencies), ~30 ms that a run
  never uses. It is left out while the command runs, as httpx does when those are missing.
- **Exit**: the interpreter's last collections walk every object still alive (a run's cases
  and results) to free memory the ending process gives back anyway: 65-180 ms at 1,000
  cases. Everything is frozen once the command has returned, so they walk nothing. Files are
  closed by the command itself; nothing evalgate writes waits for a collection.
"""

from __future__ import annotations

import gc
import sys

_starting = False


def start() -> None:
    """The process begins: collector off until :func:`imported`; no httpx command line."""
    global _starting
    _starting = True
    gc.disable()
    # None in sys.modules makes `import httpx._main` raise ImportError, which httpx/__init__
    # catches (its `main` then says that the CLI extra is missing); until finish()
    if "httpx" not in sys.modules:
        sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


def imported() -> None:
    """The command's modules are imported: freeze them, collect the rest as usual."""
    global _starting
    if not _starting:
        return
    _starting = False
    gc.freeze()
    gc.enable()


def finish() -> None:
    """The command has returned: leave the exit's collections nothing to walk."""
    imported()
    if sys.modules.get("httpx._main", 0) is None:
        del sys.modules["httpx._main"]
    gc.freeze()
