"""Small file helpers: atomic writes (temp file + fsync + os.replace)."""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

from evalgate import masking
from evalgate.errors import InconclusiveError, UsageError
from evalgate.lazydoc import LazyList, LazyMap, plain
from evalgate.textsafe import ENCODE_ERRORS

# a folder the user named cannot be written: their choice to fix (exit 2)
_USER_ERRNOS = frozenset(
    {errno.EACCES, errno.EPERM, errno.EROFS, errno.EISDIR, errno.ENOTDIR, errno.ENOENT}
)


class WriteUsageError(UsageError, OSError):
    """A file could not be written because of where it was asked to go (exit 2).

    Also an ``OSError``, so callers that degrade gracefully on I/O errors still catch it.
    """


class WriteFailedError(InconclusiveError, OSError):
    """A file could not be written (disk full, I/O error): the machine's fault (exit 3)."""


def _write_error(path: Path, exc: OSError) -> OSError:
    why = exc.strerror or str(exc) or type(exc).__name__
    if exc.errno in _USER_ERRNOS:
        return WriteUsageError(
            f"{path}: cannot write ({why}); choose a folder you can write to (--out)"
        )
    return WriteFailedError(
        f"{path}: cannot write ({why}); the previous file, if any, is unchanged;"
        " free space or fix the disk and run again"
    )


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never half.

    Secrets are masked. An ``OSError`` becomes an error with a message and exit code (and
    stays an ``OSError``).
    """
    scrubbed = masking.scrub(text)
    _atomic_write(path, lambda f: f.write(scrubbed))


def atomic_write_chunks(path: Path, chunks: Iterable[str]) -> None:
    """Write the pieces of a text as they are made, atomically (see :func:`atomic_write_text`):
    a large report is never held whole. Secrets are masked in each piece; a writer makes each
    piece whole units (a line, an element, a case), so no value is split between two."""

    def write(f: TextIO) -> None:
        for chunk in chunks:
            f.write(masking.scrub(chunk))

    _atomic_write(path, write)


@functools.cache
def _file_mode() -> int:
    """The mode ``open()`` would give a new file: 0666 less the process's umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _atomic_write(path: Path, write: Callable[[TextIO], object]) -> None:
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        if hasattr(os, "fchmod"):  # mkstemp makes 0600; a report is as readable as any file
            os.fchmod(fd, _file_mode())
        with os.fdopen(fd, "w", encoding="utf-8", errors=ENCODE_ERRORS) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, (WriteUsageError, WriteFailedError)):
            raise _write_error(path, exc) from exc
        raise


def atomic_write_json(path: Path, data: Any, *, sort_keys: bool = False) -> None:
    """Write ``data`` as indented JSON, atomically (see :func:`atomic_write_text`).

    Streamed to the file: the whole text of a large run's summary is never held at once.
    Secrets are masked in every string, keys included.
    """
    data = masking.scrub_obj(data)

    def write(f: TextIO) -> None:
        json.dump(data, f, indent=2, sort_keys=sort_keys, ensure_ascii=False)
        f.write("\n")

    _atomic_write(path, write)


# one encoder for the entries of a wide document: C-accelerated (no indent), NaN as json.dump
_ENTRY = json.JSONEncoder(ensure_ascii=False)


def _wide(value: Any, depth: int, out: TextIO) -> None:
    """``value`` with one entry per line at the top two levels (and for lists of objects at
    the third: a verdict's deltas and reasons), each entry on one line: a large run's
    summary is a line per case, written by the C encoder, not the pure-Python indenter."""
    expand = (
        isinstance(value, (dict, list, LazyMap, LazyList))
        and bool(value)
        and (
            depth < 2
            or (depth == 2 and isinstance(value, (list, LazyList)) and isinstance(value[0], dict))
        )
    )
    if not expand:
        out.write(_ENTRY.encode(masking.scrub_obj(plain(value))))
        return
    pad = "\n" + "  " * (depth + 1)
    close = "\n" + "  " * depth
    if isinstance(value, (dict, LazyMap)):
        out.write("{")
        items = value.entries() if isinstance(value, LazyMap) else value.items()
        for i, (k, v) in enumerate(items):
            out.write(("," if i else "") + pad + _ENTRY.encode(masking.scrub(str(k))) + ": ")
            _wide(v, depth + 1, out)
        out.write(close + "}")
    else:
        out.write("[")
        for i, v in enumerate(value):
            out.write(("," if i else "") + pad)
            _wide(v, depth + 1, out)
        out.write(close + "]")


def atomic_write_wide_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON a line per entry (see :func:`_wide`), atomically; secrets are
    masked in every string, keys included. The same document as :func:`atomic_write_json`
    writes, laid out for a large file: valid JSON, read by any JSON reader. Masked an entry
    at a time: no copy of the whole document."""

    def write(f: TextIO) -> None:
        _wide(data, 0, f)
        f.write("\n")

    _atomic_write(path, write)


def display_path(path: Path) -> str:
    """``path`` relative to the working folder when it is inside it (as users typed it)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def repo_root(environ: Mapping[str, str], cwd: Path | None = None) -> Path | None:
    """The repository the working folder is in: the nearest folder up with a ``.git`` (the git
    top level), else ``GITHUB_WORKSPACE`` or GitLab's ``CI_PROJECT_DIR`` when it contains the
    working folder, else None."""
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    for variable in ("GITHUB_WORKSPACE", "CI_PROJECT_DIR"):
        workspace = environ.get(variable)
        if workspace:
            root = Path(workspace).resolve()
            if here == root or root in here.parents:
                return root
    return None


def repo_path(file: str, environ: Mapping[str, str], cwd: Path | None = None) -> str:
    """``file`` (as stored: relative to the working folder, or absolute) relative to the
    repository root, with ``/``, for annotations and links, which GitHub reads from the root
    whatever folder evalgate ran in. Unchanged when there is no root or it lies outside."""
    if not file:
        return file
    root = repo_root(environ, cwd)
    if root is None:
        return file
    path = Path(file)
    full = (path if path.is_absolute() else (cwd or Path.cwd()) / path).resolve()
    try:
        return full.relative_to(root).as_posix()
    except ValueError:
        return file
