"""Object storage: where the product keeps immutable files (RAW uploads, run outputs) so that any worker on any
machine can read what another one wrote.

Two backends behind one small interface (``ObjectStore``):

- ``LocalObjectStore``: a folder on this machine (the default; ``<data_dir>/raw`` and ``<data_dir>/runs``).
- ``S3ObjectStore``: an S3-compatible bucket (``WORKBENCH_STORAGE_URL=s3://bucket/prefix``; AWS, MinIO, Ceph,
  moto ...), credentials from the usual AWS sources (environment, config files, instance role), never from the URL.

Keys are relative, ``/``-separated and never leave their area (``raw/`` or ``runs/``). Objects are written once and
never overwritten: RAW files are content-addressed, a run's outputs live under a name no other run uses. Writes are
atomic on both backends (a temp file renamed or linked into place; a single S3 PUT), so a reader never sees half a
file."""

from __future__ import annotations

import errno
import os
import re
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.settings import Settings

#: A key: relative, '/'-separated parts of safe characters, no '.' or '..' part.
_KEY = re.compile(r"^(?!.*(?:^|/)\.{1,2}(?:/|$))[A-Za-z0-9._-]+(?:/[A-Za-z0-9._-]+)*$")


class ObjectStoreError(WorkbenchError):
    """The object store cannot be reached or refused a request: 503, like a database that is down (server side:
    its text, which names the bucket, is never shown to clients)."""

    code = "storage-unavailable"
    kind = "unavailable"
    title = "Object storage unavailable"
    template = "{message}"
    template_es = "{message_es}"


class ObjectMissingError(ObjectStoreError):
    """An object the records name is not in the store: the server's files were lost or moved (a 500)."""

    code = "file-store"
    kind = "internal"
    title = "File store problem"


class StorageFullError(ObjectStoreError):
    """The disk (or the user's quota) is full: nothing was stored, nothing half-written is left behind."""

    code = "storage-full"
    kind = "storage-full"
    title = "Storage full"
    public = True  # its messages name no path: safe for clients as they are


def check_key(key: str) -> str:
    if not _KEY.match(key):
        raise ValueError(f"not a valid object key: {key!r}")
    return key


class ObjectStore(Protocol):
    """What the product needs from a place that keeps immutable files."""

    #: Where the objects are, for logs and health (no credentials).
    location: str

    def put_bytes(self, key: str, data: bytes) -> bool:
        """Store ``data`` under ``key`` atomically; False if an object of that size was there already."""

    def put_folder(self, prefix: str, folder: Path) -> None:
        """Move every file of ``folder`` (flat) under ``prefix/``; the folder is gone afterwards."""

    def get_bytes(self, key: str) -> bytes:
        """The object's bytes (``ObjectMissingError`` if there is none)."""

    def exists(self, key: str) -> bool: ...

    def check(self) -> None:
        """Raise ``ObjectStoreError`` when the store cannot be used (health)."""


# --- a folder on this machine -------------------------------------------------------------------------------------


class LocalObjectStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.location = str(self.root)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def put_bytes(self, key: str, data: bytes) -> bool:
        """Temp file + fsync + link: a crash or a full disk never leaves a partial file under the final name; two
        writers of the same key both succeed (the content is the same: keys are content addresses or unique)."""
        final = self.path(key)
        if final.is_file() and final.stat().st_size == len(data):
            return False
        tmp = final.parent / f".{final.name}.{os.getpid()}.{threading.get_ident()}.tmp"
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
                raise _disk_full() from exc
            raise
        finally:
            tmp.unlink(missing_ok=True)
        _fsync_dir(final.parent)
        return True

    def put_folder(self, prefix: str, folder: Path) -> None:
        """A rename: the folder appears whole under its final name or not at all."""
        target = self.path(prefix)
        target.parent.mkdir(parents=True, exist_ok=True)
        folder.rename(target)

    def get_bytes(self, key: str) -> bytes:
        try:
            return self.path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise ObjectMissingError(f"object {key} is missing from {self.location}",
                                     message_es=f"falta el objeto {key} en el almacén") from None

    def check(self) -> None:
        if self.root.exists() and not os.access(self.root, os.W_OK | os.X_OK):
            raise ObjectStoreError(f"{self.location} is not writable", message_es="el almacén no admite escritura")


def _disk_full() -> StorageFullError:
    return StorageFullError("the disk is full: nothing was stored; free space or ask the administrator, then try "
                            "again", message_es="el disco está lleno: no se guardó nada; libere espacio o avise al "
                            "administrador y vuelva a intentarlo")


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


# --- an S3-compatible bucket ----------------------------------------------------------------------------------------


_clients: dict[tuple[str | None, str | None], Any] = {}
_clients_lock = threading.Lock()


def _s3_client(endpoint_url: str | None, region: str | None) -> Any:
    """One boto3 client per endpoint and process (clients are thread-safe and pool their connections)."""
    key = (endpoint_url, region)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            import boto3  # lazy: boto3 (~0.3 s) only in processes configured for S3
            from botocore.config import Config

            config = Config(retries={"max_attempts": 4, "mode": "standard"}, connect_timeout=5, read_timeout=60,
                            max_pool_connections=32)
            client = boto3.session.Session().client("s3", endpoint_url=endpoint_url, region_name=region,
                                                    config=config)
            _clients[key] = client
        return client


class S3ObjectStore:
    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None,
                 region: str | None = None) -> None:
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.endpoint_url, self.region = endpoint_url, region
        self.location = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"

    @property
    def client(self) -> Any:
        return _s3_client(self.endpoint_url, self.region)

    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def _error(self, exc: Exception, what: str) -> ObjectStoreError:
        code = _error_code(exc)
        if code in ("NoSuchKey", "404", "NotFound"):
            return ObjectMissingError(f"object {what} is missing from {self.location}",
                                      message_es=f"falta el objeto {what} en el almacén")
        return ObjectStoreError(f"the object store {self.location} failed on {what}: {code or type(exc).__name__}",
                                message_es="el almacén de objetos no respondió; vuelva a intentarlo")

    def exists(self, key: str) -> bool:
        return self._size(key) is not None

    def _size(self, key: str) -> int | None:
        full = self._key(key)
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=full)
        except Exception as exc:  # botocore's ClientError, connection errors
            if _error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise self._error(exc, key) from exc
        return int(head.get("ContentLength", 0))

    def put_bytes(self, key: str, data: bytes) -> bool:
        """One PUT (atomic on S3: readers see the old state or the whole object). Content-addressed keys
        already present with the same size are not sent again."""
        full = self._key(key)
        if self._size(key) == len(data):
            return False
        try:
            self.client.put_object(Bucket=self.bucket, Key=full, Body=data)
        except Exception as exc:
            raise self._error(exc, key) from exc
        return True

    def put_folder(self, prefix: str, folder: Path) -> None:
        """Every file, then the local folder is removed. A run's record names its outputs only after this
        returns, so a reader never looks for a file that is not there yet."""
        files = [(path, self._key(f"{prefix}/{path.name}")) for path in sorted(folder.iterdir()) if path.is_file()]

        def send(item: tuple[Path, str]) -> None:
            path, full = item
            with path.open("rb") as handle:
                self.client.put_object(Bucket=self.bucket, Key=full, Body=handle)

        try:  # a run's few files at once: the round trips overlap
            with ThreadPoolExecutor(max_workers=min(4, len(files) or 1), thread_name_prefix="s3-put") as pool:
                list(pool.map(send, files))
        except Exception as exc:
            raise self._error(exc, prefix) from exc
        shutil.rmtree(folder, ignore_errors=True)

    def get_bytes(self, key: str) -> bytes:
        full = self._key(key)
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=full)
            return answer["Body"].read()
        except Exception as exc:
            raise self._error(exc, key) from exc

    def check(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as exc:
            raise self._error(exc, "(bucket)") from exc


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str((response.get("Error") or {}).get("Code") or "")
    return ""


# --- the product's two areas ----------------------------------------------------------------------------------------


def parse_storage_url(url: str) -> tuple[str, str]:
    """``s3://bucket[/prefix]`` (checked by the settings) -> (bucket, prefix)."""
    parts = urlsplit(url)
    return parts.netloc, parts.path.strip("/")


def raw_objects(settings: Settings) -> ObjectStore:
    """Where RAW uploads live (content-addressed)."""
    return _area(settings, "raw", settings.raw_dir)


def output_objects(settings: Settings) -> ObjectStore:
    """Where runs' outputs live (one folder per run)."""
    return _area(settings, "runs", settings.outputs_dir)


def release_objects(settings: Settings) -> ObjectStore:
    """Where releases' snapshots (Parquet, CSV) and diffs live (one folder per content hash)."""
    return _area(settings, "releases", settings.data_dir / "releases")


def _area(settings: Settings, name: str, local: Path) -> ObjectStore:
    if not settings.storage_url:
        return LocalObjectStore(local)
    bucket, prefix = parse_storage_url(settings.storage_url)
    return S3ObjectStore(bucket, f"{prefix}/{name}" if prefix else name, endpoint_url=settings.storage_endpoint_url,
                         region=settings.storage_region)


__all__ = ["LocalObjectStore", "ObjectMissingError", "ObjectStore", "ObjectStoreError", "S3ObjectStore",
           "StorageFullError", "check_key", "output_objects", "parse_storage_url", "raw_objects", "release_objects"]
