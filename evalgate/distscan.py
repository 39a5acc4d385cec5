"""The installed distributions' folders, found as :mod:`importlib.metadata` finds them, without
importing it.

Every command start asks two things of the installed distributions: whether another one
provides the ``evalgate`` package (:func:`evalgate.install.foreign_owners`) and whether any
declares scorer plugins (:meth:`evalgate.scorers.registry.Registry.load_entry_points`).
Importing :mod:`importlib.metadata` (with :mod:`email`, :mod:`zipfile`, :mod:`csv`...) costs
more than both scans. The usual answer to both is "none", and that answer is read here from
the files alone; any other answer, and anything this scan does not read as importlib.metadata
would (a zip file on ``sys.path``, a finder of another kind, a file it cannot decode), is left
to :mod:`importlib.metadata`, so the outcome and every message stay what they were.
"""

from __future__ import annotations

import os
import sys
from importlib.machinery import PathFinder

# what importlib.metadata's PathDistribution.read_text takes for "no such file"
_ABSENT = (FileNotFoundError, IsADirectoryError, KeyError, NotADirectoryError, PermissionError)


class Unknown(Exception):
    """This scan cannot answer as importlib.metadata would: ask importlib.metadata."""


def info_dirs() -> list[str]:
    """The metadata folders of every distribution on ``sys.path``, as importlib.metadata's
    path finder lists them (``*.dist-info``, ``*.egg-info`` and an egg's ``EGG-INFO``);
    raises :class:`Unknown` where it would look elsewhere too."""
    for finder in sys.meta_path:
        if finder is not PathFinder and getattr(finder, "find_distributions", None) is not None:
            raise Unknown(f"finder {finder!r}")
    found: list[str] = []
    for root in sys.path:
        if not isinstance(root, str):
            raise Unknown(f"sys.path entry {root!r}")
        try:
            children = os.listdir(root or ".")
        except OSError:
            if os.path.isfile(root or "."):  # importlib.metadata reads zip files too
                raise Unknown(f"sys.path entry {root!r}") from None
            continue
        base_is_egg = os.path.basename(root).lower().endswith(".egg")
        for child in children:
            low = child.lower()
            if low.endswith((".dist-info", ".egg-info")) or (base_is_egg and low == "egg-info"):
                found.append(os.path.join(root, child))
    return found


def read_text(folder: str, name: str) -> str | None:
    """A metadata file's text, None when absent (as importlib.metadata reads it)."""
    try:
        with open(os.path.join(folder, name), encoding="utf-8") as f:
            return f.read()
    except _ABSENT:
        return None
    except (OSError, ValueError) as exc:  # importlib.metadata would raise: let it say how
        raise Unknown(f"{folder}/{name}: {exc}") from None


def metadata_name(folder: str) -> str | None:
    """The ``Name`` header of a distribution's metadata; None when there is none."""
    text = read_text(folder, "METADATA") or read_text(folder, "PKG-INFO")
    for line in (text or "").splitlines():
        if not line.strip():
            break  # the end of the headers
        if line[:5].lower() == "name:":
            return line[5:].strip()
    return None


def declares_group(group: str) -> bool:
    """Whether any distribution's ``entry_points.txt`` may declare entry points of ``group``
    (it names the group); raises :class:`Unknown` as :func:`info_dirs` does."""
    return any(group in (read_text(d, "entry_points.txt") or "") for d in info_dirs())
