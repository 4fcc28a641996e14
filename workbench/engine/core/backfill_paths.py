"""Which files a backfill's directory or glob pattern names, without ever looking outside the allowed folders.

A signed-in user's pattern is matched by our own walker, not ``glob``: ``glob`` follows symbolic links while it
walks (``incoming/usrlink/**`` walked all of ``/usr`` for minutes) and lets the answer depend on whether a file
behind a link exists (403 for ``[e]tclink/shado[w]``, 422 for ``[e]tclink/nosuchfil[e]``: an oracle). Here every
entry the pattern reaches through a link is resolved first, and a link out of the allowed folders refuses the
whole pattern before anything behind it is looked at, whether or not its target exists; ``**`` never descends
into linked folders; the walk is bounded in entries looked at and in time. Messages never show server paths
other than the ones the user typed.
"""

from __future__ import annotations

import fnmatch
import glob
import os
import time
from pathlib import Path

from workbench.engine.core.errors import WorkbenchError

#: The bundled example files (a web backfill may read them, to try the product).
EXAMPLES_DIR = Path(__file__).resolve().parents[3] / "examples"
#: Files one backfill may take (each becomes a run).
MAX_FILES = 5000
#: Directory entries one pattern may look at, and seconds its walk may take (a web worker is not pinned).
MAX_WALK_ENTRIES = 50_000
MAX_WALK_SECONDS = 5.0
#: How the allowed folders are named to clients (never their absolute paths).
ROOTS_SHOWN = ("the incoming folder and examples/", "la carpeta de entrada y examples/")


class BackfillPathError(WorkbenchError):
    code = "backfill-path"
    kind = "forbidden"
    title = "Backfill files not allowed"
    template = "{message}"
    template_es = "{message_es}"


class BackfillPatternError(WorkbenchError):
    code = "backfill-pattern-invalid"
    title = "Invalid backfill pattern"
    template = "{message}"
    template_es = "{message_es}"


class NoFilesError(WorkbenchError):
    code = "backfill-no-files"
    title = "No input files"
    template = "no files match {pattern!r}"
    template_es = "ningún archivo coincide con {pattern!r}"


class TooManyFilesError(WorkbenchError):
    code = "backfill-too-many-files"
    title = "Too many input files"
    template = "{pattern!r} names more than {limit} files; split the backfill"
    template_es = "{pattern!r} incluye más de {limit} archivos; divida la carga masiva"


class WalkTooLargeError(WorkbenchError):
    code = "backfill-walk-too-large"
    title = "Backfill pattern walks too much"
    template = "{pattern!r} looks at more than {entries} folder entries or {seconds:g} s; name a narrower folder"
    template_es = ("{pattern!r} recorre más de {entries} entradas de carpetas o {seconds:g} s; indique una carpeta "
                   "más acotada")


def shown(pattern: str) -> str:
    """The pattern as clients may see it: relative to the product's folder when it lies there (relative patterns
    are taken from it, so the absolute path was added by us), else as the user gave it."""
    base = EXAMPLES_DIR.parent
    path = Path(pattern)
    return str(path.relative_to(base)) if path.is_absolute() and path.is_relative_to(base) else pattern


#: What the operating system takes in a path: bytes per name and per path (Linux NAME_MAX and PATH_MAX).
MAX_NAME_BYTES = 255
MAX_PATH_BYTES = 4096


def check_text(pattern: str) -> None:
    """Refuse what the operating system cannot take as a path, before any file call: a NUL byte raised
    ValueError and a name over NAME_MAX raised OSError (both answered 500)."""
    if "\x00" in pattern:
        raise BackfillPatternError("the pattern contains a NUL byte", message_es="la ruta contiene un byte nulo")
    encoded = [part.encode("utf-8", "surrogateescape") for part in Path(pattern).parts]
    if sum(map(len, encoded)) > MAX_PATH_BYTES or any(len(part) > MAX_NAME_BYTES for part in encoded):
        raise BackfillPatternError(f"the pattern is longer than the system allows ({MAX_NAME_BYTES} bytes per name)",
                                   message_es=f"la ruta es más larga de lo permitido ({MAX_NAME_BYTES} bytes por nombre)")


def refuse(pattern: str) -> BackfillPathError:
    """The one answer for anything outside the allowed folders (the same whether or not the file exists)."""
    return BackfillPathError(f"{shown(pattern)} is outside the allowed folders ({ROOTS_SHOWN[0]})",
                             message_es=f"la ruta está fuera de las carpetas permitidas ({ROOTS_SHOWN[1]})")


def inside(path: Path, roots: list[Path]) -> bool:
    """``path`` with its links resolved (their targets need not exist) lies under one of ``roots``."""
    try:
        real = path.resolve()
    except (OSError, RuntimeError):  # a link loop, a name too long: not anywhere we allow
        return False
    return any(real.is_relative_to(root) for root in roots)


class _Walk:
    """One bounded walk of a pattern; ``roots`` None means unrestricted (the local operator)."""

    def __init__(self, pattern: str, roots: list[Path] | None) -> None:
        self.pattern, self.roots = pattern, roots
        self.entries = 0
        self.deadline = time.monotonic() + MAX_WALK_SECONDS

    def check(self, path: Path, is_link: bool) -> None:
        if self.roots is not None and is_link and not inside(path, self.roots):
            raise refuse(self.pattern)

    def children(self, folder: Path, *, dirs_only: bool = False) -> list[tuple[Path, os.DirEntry]]:
        try:
            with os.scandir(folder) as it:
                found = []
                for entry in it:
                    self.entries += 1
                    if self.entries > MAX_WALK_ENTRIES or time.monotonic() > self.deadline:
                        raise WalkTooLargeError(pattern=shown(self.pattern), entries=MAX_WALK_ENTRIES,
                                                seconds=MAX_WALK_SECONDS)
                    if dirs_only and not entry.is_dir(follow_symlinks=False):
                        continue
                    found.append((folder / entry.name, entry))
                return found
        except (NotADirectoryError, FileNotFoundError, PermissionError, OSError):
            return []

    def recursive(self, folder: Path) -> list[Path]:
        """``folder`` and every folder below it, not hidden, not through links (``**``)."""
        out, todo = [folder], [folder]
        while todo:
            for path, _ in self.children(todo.pop(), dirs_only=True):
                if not path.name.startswith("."):
                    out.append(path)
                    todo.append(path)
        return out

    def step(self, folder: Path, part: str) -> list[Path]:
        if part == "**":
            return self.recursive(folder)
        if glob.has_magic(part):
            matched = []
            for path, entry in self.children(folder):
                if (path.name.startswith(".") and not part.startswith(".")) or not fnmatch.fnmatchcase(path.name, part):
                    continue
                self.check(path, entry.is_symlink())
                matched.append(path)
            return matched
        path = folder / part
        if not os.path.lexists(path):
            return []
        self.check(path, path.is_symlink())
        return [path]

    def files(self) -> list[Path]:
        path = Path(self.pattern)
        parts = path.parts
        static = []
        for part in parts:
            if glob.has_magic(part):
                break
            static.append(part)
        base = Path(*static) if static else Path(".")
        if self.roots is not None and (".." in parts or not inside(base, self.roots)):
            raise refuse(self.pattern)
        if len(static) == len(parts):  # no wildcard: a folder's files, or one file
            candidates = [p for p, _ in self.children(base) if not p.name.startswith(".")] if _is_dir(base) else [base]
            for candidate in candidates:
                self.check(candidate, candidate.is_symlink())
        else:
            candidates = [base]
            for part in parts[len(static):]:
                candidates = [found for folder in candidates for found in self.step(folder, part)]
        return [p for p in candidates if not p.name.startswith(".") and _is_file(p)]


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


def list_files(pattern: str, roots: list[Path] | None) -> list[Path]:
    """The files a directory or glob pattern names, sorted: hidden files left out, at most MAX_FILES. With
    ``roots``, nothing outside them is listed or named (``BackfillPathError``, the same answer whether or not a
    file exists there)."""
    check_text(pattern)
    found = _Walk(pattern, roots).files()
    if len(found) > MAX_FILES:
        raise TooManyFilesError(pattern=shown(pattern), limit=MAX_FILES)
    if not found:
        raise NoFilesError(pattern=shown(pattern))
    return sorted(found)


__all__ = ["BackfillPathError", "BackfillPatternError", "EXAMPLES_DIR", "MAX_FILES", "MAX_WALK_ENTRIES",
           "MAX_WALK_SECONDS", "NoFilesError", "TooManyFilesError", "WalkTooLargeError", "inside", "list_files",
           "refuse", "shown"]
