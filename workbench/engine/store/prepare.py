"""The store made ready for use, once per process: its schema current and the data directory private."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.store.migrate import ensure_current, is_current, upgrade

log = logging.getLogger(__name__)

_prepared: set[str] = set()
#: Alembic's command context is process-global: two threads migrating at once failed (KeyError 'config').
_lock = threading.Lock()


def prepare_store(settings: Settings | None = None) -> str:
    """The database URL, with its schema current (checked once per process). The embedded SQLite default
    is migrated automatically; a configured server must be migrated by its operator (``workbench db upgrade``)."""
    settings = settings or get_settings()
    url = settings.db_url
    if url not in _prepared:
        private_dir(settings.data_dir)
        if settings.database_url is None:
            with _lock:  # the first requests of a fresh web worker arrive together
                if url not in _prepared and not is_current(url):  # one query; Alembic only to migrate
                    upgrade(url)
        else:  # only reads the revision: no lock, so requests to an unreachable server each time out alone
            ensure_current(url)
        _prepared.add(url)
    return url


def private_dir(path: Path) -> None:
    """The data directory holds unpublished data, the database and secrets: readable by the product's user only
    (0700): created so, and tightened if the product's user owns it; otherwise a warning names it."""
    path = Path(path)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if info.st_mode & 0o077:
        if info.st_uid == os.getuid():
            path.chmod(0o700)
        else:
            log.warning("the data directory %s can be read by other users of this machine (chmod 700 it)", path)


__all__ = ["prepare_store", "private_dir"]
