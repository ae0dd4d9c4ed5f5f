"""Every file aidtrack writes besides the register: one guard on the destination, private modes.

A destination is refused when it resolves (symlinks and hard links followed) to the register or one
of its companion files (-wal, -shm, -journal), or when it exists and is not a regular file (a
device such as /dev/full, a FIFO, a directory where a file is meant). Files are written under a
temporary name in the destination's folder, created 0600, and renamed into place when complete:
a full disk or a kill leaves the old file (or none), never a half one. Folders are created 0700.
Both modes are set explicitly, so the umask cannot widen them.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from ..i18n import _
from ..model import AidtrackError

#: The files SQLite keeps beside a database while it is open or after a crash.
COMPANIONS = ("-wal", "-shm", "-journal")


def _register_files(register: str | os.PathLike | None) -> list[Path]:
    if register is None:
        return []
    reg = Path(register).resolve()
    return [reg, *(reg.with_name(reg.name + s) for s in COMPANIONS)]


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def guard_output(
    path: str | os.PathLike,
    register: str | os.PathLike | None,
    field: str = "out",
    *,
    directory: bool = False,
    holds_no_register: bool = False,
) -> Path:
    """The destination, checked: never the register, never anything but a regular file or a new path.

    `directory=True` checks a folder that files are written into (`export all --out DIR`);
    `holds_no_register=True` also refuses a folder the register lies in, at any depth (the Parquet
    hand-off replaces the folders inside its --out whole).
    """
    given = str(path)
    target = Path(path)
    if not directory and target.is_symlink():  # never write through a link planted where a file goes
        raise AidtrackError(field, given, _("is a symbolic link: refusing to write through it"))
    try:
        resolved = target.resolve()
    except (OSError, RuntimeError) as e:  # a symlink loop
        raise AidtrackError(field, given, _("cannot be resolved: {error}").format(error=e)) from None
    for protected in _register_files(register):
        if resolved == protected or _same_file(resolved, protected):
            raise AidtrackError(
                field, given, _("is the register itself (or its journal): refusing to write over it")
            )
    if holds_no_register:
        for protected in _register_files(register)[:1]:
            if protected.is_relative_to(resolved):
                raise AidtrackError(
                    field,
                    given,
                    _("holds the register ({register}): give a folder of its own").format(
                        register=protected.name
                    ),
                )
    try:
        st = os.stat(resolved)
    except FileNotFoundError:
        return resolved
    except OSError as e:
        raise AidtrackError(field, given, _("cannot be used: {error}").format(error=e.strerror)) from None
    if directory:
        if not stat.S_ISDIR(st.st_mode):
            raise AidtrackError(field, given, _("is not a directory"))
        return resolved
    if stat.S_ISDIR(st.st_mode):
        raise AidtrackError(field, given, _("is a directory: give a file name"))
    if not stat.S_ISREG(st.st_mode):
        raise AidtrackError(field, given, _("is not a regular file (a device or a pipe): give a file name"))
    return resolved


def no_links_below(root: str | os.PathLike, path: str | os.PathLike, field: str = "out") -> None:
    """Refuse PATH when it, or a folder between ROOT and it, is a symbolic link: a folder written
    into or replaced whole inside an output tree must be that tree's own (a link to elsewhere
    would have files written, or a folder replaced, outside it)."""
    root, path = Path(root), Path(path)
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = ()
    p = root
    for part in parts:
        p = p / part
        if p.is_symlink():
            raise AidtrackError(
                field, str(p), _("is a symbolic link inside the output folder: refusing to write through it")
            )


def private_dir(path: str | os.PathLike) -> Path:
    """Create the folder (and any missing parents) 0700; an existing folder is left as it is."""
    path = Path(path)
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):
            d.mkdir(mode=0o700)
        os.chmod(d, 0o700)
    return path


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, binary: bool = False) -> Iterator[IO]:
    """An open 0600 file under a temporary name in PATH's folder, renamed onto PATH when the block ends.

    Call `guard_output` first. On any error (or Ctrl-C) the temporary file is removed and PATH is
    as it was.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise AidtrackError("out", str(path), _("is in a directory that does not exist"))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        f = os.fdopen(fd, "wb") if binary else os.fdopen(fd, "w", encoding="utf-8", newline="")
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        named(e, path)
        raise


def named(error: BaseException, path: str | os.PathLike) -> None:
    """Raise ERROR again naming PATH when it is an OSError without a file name (a full disk under a
    file written through an open stream says "No space left" with no name: the CLI would then blame
    standard output)."""
    if isinstance(error, OSError) and not isinstance(error, FileNotFoundError) and error.filename is None:
        raise OSError(error.errno, error.strerror or str(error), str(path)) from error


def temp_beside(path: str | os.PathLike) -> Path:
    """A new empty 0600 file beside PATH, for writers (SQLite's backup) that open files by name."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.fchmod(fd, 0o600)
    os.close(fd)
    return Path(tmp)
