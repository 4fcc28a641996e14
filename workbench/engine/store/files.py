"""The RAW file store: every upload's bytes once, addressed by sha256, written atomically, never
overwritten or deleted by a run. A file is ``<root>/<sha[:2]>/<sha>``, read-only on disk."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

from workbench.engine.core.errors import WorkbenchError


class FileStoreError(WorkbenchError):
    code = "file-store"
    kind = "internal"
    title = "RAW file store problem"
    template = "{message}"
    template_es = "{message_es}"


class StorageFullError(FileStoreError):
    """The disk (or the user's quota) is full: nothing was stored, nothing half-written is left behind."""

    code = "storage-full"
    kind = "storage-full"
    title = "Storage full"
    public = True  # its messages name no path: safe for clients as they are


class RawFileStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def key(self, sha256: str) -> str:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return f"{sha256[:2]}/{sha256}"

    def path(self, sha256: str) -> Path:
        return self.root / self.key(sha256)

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def put(self, data: bytes) -> tuple[str, str, bool]:
        """Store ``data``: (sha256, key, created). Identical bytes are stored once; a partial write never
        takes the final name (temp file + fsync + link), so a crash or a full disk leaves nothing half-done."""
        sha = hashlib.sha256(data).hexdigest()
        final = self.path(sha)
        if final.is_file() and final.stat().st_size == len(data):
            return sha, self.key(sha), False
        tmp = final.parent / f".{sha}.{os.getpid()}.{id(data)}.tmp"
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                view = memoryview(data)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.chmod(tmp, 0o444)
            try:
                os.link(tmp, final)  # fails if another writer won: the content is the same
            except FileExistsError:
                pass
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StorageFullError("the disk is full: the upload was not stored; free space or ask the "
                                       "administrator, then upload it again",
                                       message_es="el disco está lleno: no se guardó el archivo; libere espacio o "
                                       "avise al administrador y vuelva a subirlo") from exc
            raise
        finally:
            tmp.unlink(missing_ok=True)
        _fsync_dir(final.parent)
        return sha, self.key(sha), True

    def get(self, sha256: str) -> bytes:
        """The stored bytes, verified against their hash."""
        try:
            data = self.path(sha256).read_bytes()
        except FileNotFoundError:
            raise FileStoreError(f"RAW file {sha256[:12]} is missing from the RAW file store",
                                 message_es=f"falta el archivo RAW {sha256[:12]} en el almacén") from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise FileStoreError(f"RAW file {sha256[:12]} is corrupt in the store (hash mismatch)",
                                 message_es=f"el archivo RAW {sha256[:12]} está corrupto (hash distinto)")
        return data


def _fsync_dir(path: Path) -> None:
    """Make the new name durable (the file's bytes already are): a crash after ``put`` returns keeps it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a directory; the data itself was fsynced
    finally:
        os.close(fd)
