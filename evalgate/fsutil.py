"""Small file helpers: atomic writes (temp file + fsync + os.replace)."""

from __future__ import annotations

import contextlib
import contextvars
import errno
import functools
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

from evalgate import masking
from evalgate.errors import InconclusiveError, UsageError
from evalgate.lazydoc import LEAVES, LazyList, LazyMap, plain
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
    batch = _BATCH.get()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        if hasattr(os, "fchmod"):  # mkstemp makes 0600; a report is as readable as any file
            os.fchmod(fd, _file_mode())
        f = os.fdopen(fd, "w", encoding="utf-8", errors=ENCODE_ERRORS)
        if batch is not None:
            try:
                write(f)
                f.flush()
            except BaseException:
                f.close()
                raise
            batch.add(_Syncing(path, tmp, f))  # the previous file is replaced first
            return
        with f:
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


class _Syncing:
    """A written temporary file being flushed to disk (``fsync``) by a thread of its own."""

    def __init__(self, path: Path, tmp: str, f: TextIO) -> None:
        self.path, self.tmp, self.f = path, tmp, f
        self.error: BaseException | None = None
        self.thread: threading.Thread | None = threading.Thread(
            target=self._sync, name="evalgate-fsync", daemon=True
        )
        try:
            self.thread.start()
        except RuntimeError:  # no thread to spare: flush it here, as without a batch
            self.thread = None
            self._sync()

    def _sync(self) -> None:
        try:
            os.fsync(self.f.fileno())
        except BaseException as exc:  # handed to the thread that waits for it
            self.error = exc

    def abandon(self) -> None:
        """Remove the temporary file; the old file stays."""
        with contextlib.suppress(OSError):
            os.unlink(self.tmp)
        with contextlib.suppress(BaseException):
            self._join()
            self.f.close()

    def _join(self) -> None:
        if self.thread is not None:
            self.thread.join()

    def finish(self) -> None:
        """Wait for the disk, then put the file in place of the old one (as
        :func:`_atomic_write` does); on failure remove the temporary file and raise."""
        try:
            self._join()
            self.f.close()
            if self.error is not None:
                raise self.error
            os.replace(self.tmp, self.path)
        except BaseException as exc:
            with contextlib.suppress(OSError):
                os.unlink(self.tmp)
            if isinstance(exc, OSError) and not isinstance(
                exc, (WriteUsageError, WriteFailedError)
            ):
                raise _write_error(self.path, exc) from exc
            raise


class _Batch:
    """Atomic writes in order, each file's ``fsync`` overlapping the making of the next."""

    def __init__(self) -> None:
        self.pending: _Syncing | None = None

    def add(self, syncing: _Syncing) -> None:
        previous, self.pending = self.pending, syncing
        if previous is not None:
            try:
                previous.finish()
            except BaseException:
                self.pending = None
                syncing.abandon()  # never put in place after an earlier file failed
                raise

    def finish(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.finish()


_BATCH: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar("_BATCH", default=None)


@contextlib.contextmanager
def ordered_writes() -> Iterator[None]:
    """Within this block, each atomic write's ``fsync`` runs while the next file is made.

    Every file is still on disk before it replaces its old version, files replace theirs in
    the order they were written, and a file is never put in place after an earlier one
    failed: what is on disk after any failure, or a crash, is what writing them one after
    the other leaves. All are in place when the block ends; an error of an earlier file is
    raised before one met while making a later file, as writing in turn would have raised it.
    """
    if _BATCH.get() is not None:  # nested: the outer block finishes them
        yield
        return
    batch = _Batch()
    token = _BATCH.set(batch)
    try:
        yield
    except BaseException:
        _BATCH.reset(token)
        batch.finish()  # an earlier file's error comes first
        raise
    _BATCH.reset(token)
    batch.finish()


def atomic_write_json(path: Path, data: Any, *, sort_keys: bool = False) -> None:
    """Write ``data`` as indented JSON, atomically (see :func:`atomic_write_text`).

    Streamed to the file: the whole text of a large run's summary is never held at once.
    Secrets are masked in every string, keys included. A :class:`LazyMap` among the top
    level's values (a baseline's cases) is built, masked and written an entry at a time.
    """
    if isinstance(data, dict) and any(isinstance(v, LazyMap) for v in data.values()):

        def write(f: TextIO) -> None:
            _indented(data, 0, f, sort_keys)
            f.write("\n")

        _atomic_write(path, write)
        return
    data = masking.scrub_obj(data)

    def write_whole(f: TextIO) -> None:
        json.dump(data, f, indent=2, sort_keys=sort_keys, ensure_ascii=False)
        f.write("\n")

    _atomic_write(path, write_whole)


def _indented(value: Any, depth: int, out: TextIO, sort_keys: bool) -> None:
    """What ``json.dump(masking.scrub_obj(value), indent=2, ensure_ascii=False)`` writes at
    ``depth``, byte for byte, with the entries of a top-level dict and of a :class:`LazyMap`
    in it built, masked and written one at a time (a large baseline is never held whole)."""
    if not (isinstance(value, LazyMap) or (depth == 0 and isinstance(value, dict))):
        text = json.dumps(
            masking.scrub_obj(value), indent=2, sort_keys=sort_keys, ensure_ascii=False
        )
        out.write(text.replace("\n", "\n" + "  " * depth) if depth else text)  # JSON has no raw \n
        return
    # as scrub_obj then json: keys masked, a masked key met twice keeps its first place and
    # its last value; a LazyMap is read in key order (its document would be built so)
    keys: dict[str, str] = {}
    for k in sorted(value) if isinstance(value, LazyMap) else value:
        keys[masking.scrub(str(k))] = k
    if not keys:
        out.write("{}")
        return
    pad = "\n" + "  " * (depth + 1)
    out.write("{")
    for i, shown in enumerate(sorted(keys) if sort_keys else keys):
        out.write(("," if i else "") + pad + json.dumps(shown, ensure_ascii=False) + ": ")
        _indented(value[keys[shown]], depth + 1, out, sort_keys)
    out.write("\n" + "  " * depth + "}")


# one encoder for the entries of a wide document: C-accelerated (no indent), NaN as json.dump
_ENTRY = json.JSONEncoder(ensure_ascii=False)


def _wide(value: Any, depth: int, out: TextIO) -> None:
    """``value`` with one entry per line at the top two levels (and for lists of objects at
    the third: a verdict's deltas and reasons), each entry on one line: a large run's
    summary is a line per case, written by the C encoder, not the pure-Python indenter."""
    kind = type(value)
    expand = (
        kind not in LEAVES
        and isinstance(value, (dict, list, LazyMap, LazyList))
        and bool(value)
        and (
            depth < 2
            or (
                depth == 2
                and kind is not dict
                and isinstance(value, (list, LazyList))
                and isinstance(value[0], dict)
            )
        )
    )
    if not expand:
        out.write(_ENTRY.encode(masking.scrub_obj(plain(value))))
        return
    pad = "\n" + "  " * (depth + 1)
    close = "\n" + "  " * depth
    if kind is dict or isinstance(value, (dict, LazyMap)):
        out.write("{")
        items = value.items() if kind is dict else _items(value)
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


def _items(value: Any) -> Any:
    return value.entries() if isinstance(value, LazyMap) else value.items()


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
