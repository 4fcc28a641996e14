"""The RAW file store: every upload's bytes once, addressed by sha256, written atomically, never overwritten or
deleted by a run. A file is ``<sha[:2]>/<sha>`` in the RAW area of the object store (``store/objects.py``): a
read-only file under ``<data_dir>/raw`` by default, an object under ``s3://bucket/prefix/raw/`` with
``WORKBENCH_STORAGE_URL``."""

from __future__ import annotations

import hashlib
from pathlib import Path

from workbench.engine.core.settings import Settings
from workbench.engine.store.objects import (LocalObjectStore, ObjectMissingError, ObjectStore, StorageFullError,
                                            raw_objects)


class FileStoreError(ObjectMissingError):
    """A RAW file missing from the store or corrupt in it."""


class RawFileStore:
    """``RawFileStore(settings)``: the configured store; ``RawFileStore(path)``: a local folder (tests, tools)."""

    def __init__(self, where: Settings | str | Path | ObjectStore) -> None:
        if isinstance(where, Settings):
            self.objects: ObjectStore = raw_objects(where)
        elif isinstance(where, (str, Path)):
            self.objects = LocalObjectStore(where)
        else:
            self.objects = where

    @staticmethod
    def key(sha256: str) -> str:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return f"{sha256[:2]}/{sha256}"

    def exists(self, sha256: str) -> bool:
        return self.objects.exists(self.key(sha256))

    def put(self, data: bytes) -> tuple[str, str, bool]:
        """Store ``data``: (sha256, key, created). Identical bytes are stored once; a partial write never takes the
        final name, so a crash or a full disk (``StorageFullError``) leaves nothing half-done."""
        sha = hashlib.sha256(data).hexdigest()
        key = self.key(sha)
        try:
            created = self.objects.put_bytes(key, data)
        except StorageFullError as exc:
            raise StorageFullError("the disk is full: the upload was not stored; free space or ask the "
                                   "administrator, then upload it again",
                                   message_es="el disco está lleno: no se guardó el archivo; libere espacio o avise "
                                   "al administrador y vuelva a subirlo") from exc
        return sha, key, created

    def get(self, sha256: str) -> bytes:
        """The stored bytes, verified against their hash."""
        try:
            data = self.objects.get_bytes(self.key(sha256))
        except ObjectMissingError:
            raise FileStoreError(f"RAW file {sha256[:12]} is missing from the RAW file store",
                                 message_es=f"falta el archivo RAW {sha256[:12]} en el almacén") from None
        if hashlib.sha256(data).hexdigest() != sha256:
            raise FileStoreError(f"RAW file {sha256[:12]} is corrupt in the store (hash mismatch)",
                                 message_es=f"el archivo RAW {sha256[:12]} está corrupto (hash distinto)")
        return data


__all__ = ["FileStoreError", "RawFileStore"]
