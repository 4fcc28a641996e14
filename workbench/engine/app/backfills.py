"""Backfills: run one dataset over many files in the background (a year of monthly files, 300+ programs).

A backfill is a record in the store; each input becomes one queued run (linked by ``backfill_id``) on the
``backfills`` queue. Idempotent: an input already run with the same spec content and parameters is skipped
(its earlier run is listed) unless forced. Progress is counted from the runs; cancel stops what has not
started; resume re-queues only the inputs whose runs failed. Reads for the backfill pages (backfills newest
first, a backfill's runs) and where a backfill started from the web or the API may read are here too.
"""

from __future__ import annotations

import glob
import re
from pathlib import Path
from re import _constants as re_constants, _parser as re_parser  # type: ignore[attr-defined]
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlmodel import select

from workbench.engine.app import openlineage, run_queue
from workbench.engine.app.access import current, requires
from workbench.engine.app.datasets import DatasetNotFoundError
from workbench.engine.app.run_execution import backfill_ended
from workbench.engine.app.runs import current_user, register_run
from workbench.engine.core.backfill_paths import EXAMPLES_DIR, BackfillPathError, check_text, inside, list_files, refuse
from workbench.engine.core.errors import ParameterError, SpecNotFoundError, WorkbenchError
from workbench.engine.core.inputs import read_input
from workbench.engine.core.settings import Settings, get_settings
from workbench.engine.core.spec.loader import find_spec, parse_spec
from workbench.engine.infra.events import EventStream
from workbench.engine.infra.redis_conn import ensure_reachable, get_redis
from workbench.engine.store import backfills as backfill_store
from workbench.engine.store import datasets as dataset_store
from workbench.engine.store import runs as run_store
from workbench.engine.store.db import read_scope, session_scope
from workbench.engine.store.files import RawFileStore
from workbench.engine.store.models import Backfill, BackfillPublic, Dataset, Run, RunPublic, SpecVersion
from workbench.engine.store.prepare import prepare_store

#: Runs listed on a backfill's page.
MAX_BACKFILL_RUNS = 1000


class BackfillPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[BackfillPublic]


class BackfillNotFoundError(WorkbenchError):
    code = "backfill-not-found"
    kind = "not-found"
    title = "Backfill not found"
    template = "there is no backfill {backfill_id}"
    template_es = "no existe la carga masiva {backfill_id}"


def allowed_roots(settings: Settings) -> list[Path]:
    """Where backfills of signed-in users may read: the incoming folder and the bundled examples. Never the
    data directory itself, which holds the database, the admin secret and the RAW store."""
    return [Path(settings.incoming).resolve(), EXAMPLES_DIR.resolve()]


def _restricted(settings: Settings) -> list[Path] | None:
    """The allowed folders, or None when the local operator (the CLI on the server's shell, who can read any
    file anyway) is acting."""
    principal = current()
    return None if principal is not None and principal.via == "system" else allowed_roots(settings)


def ensure_allowed(paths: list[Path], settings: Settings) -> None:
    """Refuse files outside ``allowed_roots`` (symbolic links resolved, whether or not their targets exist)
    unless the local operator is acting."""
    roots = _restricted(settings)
    outside = [Path(p) for p in paths if roots is not None and not inside(Path(p), roots)]
    if outside:
        raise refuse(outside[0].name)


def ensure_pattern_allowed(pattern: str, settings: Settings) -> None:
    """Before anything is listed: a signed-in user's pattern must name a place inside ``allowed_roots`` (its
    fixed leading folders, symbolic links resolved) and may not climb out with ``..``. The walk itself
    (``expand_files``) then refuses any link out that a wildcard reaches."""
    check_text(pattern)
    roots = _restricted(settings)
    if roots is None:
        return
    parts = Path(pattern).parts
    fixed = Path(*_takewhile_static(parts)) if parts else Path(".")
    if ".." in parts or not inside(fixed, roots):
        raise refuse(pattern)


def _takewhile_static(parts: tuple[str, ...]) -> list[str]:
    out = []
    for part in parts:
        if glob.has_magic(part):
            break
        out.append(part)
    return out


@requires("backfill")
def expand_files(pattern: str, settings: Settings | None = None) -> list[Path]:
    """A directory (its files, sorted) or a glob pattern (sorted matches); hidden files are left out. At most
    MAX_FILES files (a backfill is one run per file). A signed-in user's pattern never reaches outside
    ``allowed_roots``, through links included; every walk is bounded in entries and time (``backfill_paths``)."""
    return list_files(pattern, _restricted(settings or get_settings()))


#: Bounds on a file-name pattern, which analysts supply and every file name of a backfill is searched with:
#: Python's ``re`` cannot be interrupted, so patterns that can backtrack for minutes are refused up front.
MAX_REGEX_CHARS = 200
MAX_UNBOUNDED_REPEATS = 3


def _check_backtracking(regex: str) -> None:
    """Refuse catastrophic patterns: a repetition inside a repetition (``(a+)+``), an alternation repeated
    (``(a|ab)*``), or more than MAX_UNBOUNDED_REPEATS unbounded repetitions (``.*.*.*.*x`` is polynomial in
    the name's length). Raises ``re.error`` (reported as an invalid expression)."""
    repeats = (re_constants.MAX_REPEAT, re_constants.MIN_REPEAT, getattr(re_constants, "POSSESSIVE_REPEAT", None))
    unbounded = 0

    def walk(items, inside_repeat: bool) -> None:
        nonlocal unbounded
        for op, arg in items:
            if op in repeats and op is not None:
                low, high, body = arg
                many = high is re_constants.MAXREPEAT or high > 1
                if many and inside_repeat:
                    raise re.error("nested repetition (catastrophic backtracking)")
                if high is re_constants.MAXREPEAT:
                    unbounded += 1
                walk(body, inside_repeat or many)
            elif op is re_constants.BRANCH:
                if inside_repeat:
                    raise re.error("repeated alternation (catastrophic backtracking)")
                for branch in arg[1]:
                    walk(branch, inside_repeat)
            elif op is re_constants.SUBPATTERN:
                walk(arg[-1], inside_repeat)
            elif op in (re_constants.ASSERT, re_constants.ASSERT_NOT):
                walk(arg[1], inside_repeat)

    walk(re_parser.parse(regex), False)
    if unbounded > MAX_UNBOUNDED_REPEATS:
        raise re.error(f"more than {MAX_UNBOUNDED_REPEATS} unbounded repetitions")


def params_from_filename(regex: str | None, filename: str) -> dict[str, str]:
    """Named groups of ``regex`` searched in ``filename`` (``--param-from-filename '(?P<mes>\\d{2})'``)."""
    if not regex:
        return {}
    if len(regex) > MAX_REGEX_CHARS:
        raise ParameterError(f"--param-from-filename is longer than {MAX_REGEX_CHARS} characters",
                             message_es=f"la expresión tiene más de {MAX_REGEX_CHARS} caracteres",
                             name="param_from_filename")
    try:
        compiled = re.compile(regex)
        _check_backtracking(regex)
    except re.error as exc:
        raise ParameterError(f"invalid --param-from-filename regex: {exc}", message_es=f"expresión inválida: {exc}",
                             name="param_from_filename") from exc
    if not compiled.groupindex:
        raise ParameterError("--param-from-filename needs named groups, e.g. (?P<anio>\\d{4})",
                             message_es="use grupos con nombre, p. ej. (?P<anio>\\d{4})", name="param_from_filename")
    match = compiled.search(filename)
    return {k: v for k, v in (match.groupdict() if match else {}).items() if v is not None}


@requires("backfill")
def start_backfill(slug: str, paths: list[Path], *, params: dict[str, Any] | None = None,
                   param_from_filename: str | None = None, force: bool = False, triggered_by: str | None = None,
                   settings: Settings | None = None) -> BackfillPublic:
    settings = settings or get_settings()
    paths = [Path(p) for p in paths]
    ensure_allowed(paths, settings)
    url = prepare_store(settings)
    params_from_filename(param_from_filename, "")  # validate the regex before storing anything
    user = triggered_by or current_user(settings)
    try:  # this dataset's spec only (syncing every spec, which may deactivate datasets, is for admins)
        spec_path = find_spec(slug, settings.specs_dir, slug_only=True)
    except SpecNotFoundError:
        raise DatasetNotFoundError(slug=slug) from None
    yaml_text = spec_path.read_text(encoding="utf-8")
    ensure_reachable(get_redis(settings))  # no queue: refuse before anything is recorded
    with session_scope(url) as session:
        dataset_store.sync_spec(parse_spec(yaml_text, str(spec_path)), yaml_text, session=session, path=str(spec_path))
        dataset = dataset_store.get_dataset(slug, session=session)
        if dataset is None:
            raise DatasetNotFoundError(slug=slug)
        backfill_id = backfill_store.create_backfill(session=session, dataset_id=dataset.id,
                                                     params=dict(params or {}), param_from_filename=param_from_filename,
                                                     force=force, total=len(paths), triggered_by=user)
    bus = EventStream(get_redis(settings), maxlen=settings.events_maxlen)
    bus.publish("backfill.created", backfill_id=backfill_id, dataset=slug, total=len(paths))
    created = backfill_status(backfill_id, settings)
    openlineage.backfill_event("START", backfill_id=backfill_id, slug=slug, created_at=created.created_at,
                               settings=settings)
    for path in paths:
        given = {**(params or {}), **params_from_filename(param_from_filename, path.name)}
        run = register_run(slug, read_input(path), filename=path.name, params=given, force=force,
                           triggered_by=user, backfill_id=backfill_id, settings=settings)
        if run.reused:
            with session_scope(url) as session:
                backfill_store.add_skipped(backfill_id, run.id, session=session)
        elif run.status == "queued":
            run_queue.enqueue_run(run.id, queue_name="backfills", settings=settings)
            bus.publish("run.queued", run_id=run.id, dataset=slug, backfill_id=backfill_id)
    with session_scope(url) as session:
        if backfill_store.finish_if_done(backfill_id, session=session):  # everything was skipped or failed at once
            counts = backfill_store.progress(backfill_id, session=session)
            bus.publish("backfill.finished", backfill_id=backfill_id, **counts)
            backfill_ended(created, counts, settings)
    return backfill_status(backfill_id, settings)


@requires("read")
def backfill_status(backfill_id: int, settings: Settings | None = None) -> BackfillPublic:
    url = prepare_store(settings)
    with read_scope(url) as session:
        found = backfill_store.get_backfill(backfill_id, session=session)
    if found is None:
        raise BackfillNotFoundError(backfill_id=backfill_id)
    return found


@requires("backfill")
def cancel_backfill(backfill_id: int, settings: Settings | None = None) -> BackfillPublic:
    settings = settings or get_settings()
    backfill_status(backfill_id, settings)
    with session_scope(settings.db_url) as session:
        cancelled = backfill_store.cancel(backfill_id, session=session)
    run_queue.cancel_runs(cancelled, settings=settings)
    EventStream(get_redis(settings), maxlen=settings.events_maxlen).publish(
        "backfill.cancelled", backfill_id=backfill_id, cancelled_runs=len(cancelled))
    return backfill_status(backfill_id, settings)


@requires("backfill")
def resume_backfill(backfill_id: int, settings: Settings | None = None) -> BackfillPublic:
    """Queue again, as new runs of the dataset's *current* spec (the user may have fixed it), only the inputs
    whose runs failed and never succeeded since."""
    settings = settings or get_settings()
    status = backfill_status(backfill_id, settings)
    with read_scope(settings.db_url) as session:
        failed = [(r.inputs[0], r.params) for r in backfill_store.failed_runs(backfill_id, session=session)]
    if failed:
        ensure_reachable(get_redis(settings))
        with session_scope(settings.db_url) as session:
            backfill_store.reopen(backfill_id, session=session)
    store = RawFileStore(settings)
    for item, params in failed:
        run = register_run(status.dataset_slug, store.get(item["sha256"]), filename=item["name"],
                           params={k: str(v) for k, v in params.items()}, force=True,
                           triggered_by=f"resume of backfill {backfill_id}", backfill_id=backfill_id,
                           settings=settings)
        if run.status == "queued":
            run_queue.enqueue_run(run.id, queue_name="backfills", settings=settings)
    with session_scope(settings.db_url) as session:
        backfill_store.finish_if_done(backfill_id, session=session)
    return backfill_status(backfill_id, settings)


# --- the backfill pages ------------------------------------------------------------------------------


@requires("read")
def list_backfills(settings: Settings | None = None, *, dataset: str | None = None, limit: int = 50,
                   offset: int = 0) -> BackfillPage:
    """Backfills newest first, each with its progress counted from its runs."""
    url = prepare_store(settings)
    query = select(Backfill.id).join(Dataset, Dataset.id == Backfill.dataset_id)  # type: ignore[arg-type]
    if dataset:
        query = query.where(Dataset.slug == dataset)
    with read_scope(url) as session:
        total = session.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
        ids = session.exec(query.order_by(Backfill.id.desc()).limit(limit).offset(offset)).all()  # type: ignore[union-attr]
        items = [b for b in (backfill_store.get_backfill(i, session=session) for i in ids) if b is not None]
    return BackfillPage(total=total, limit=limit, offset=offset, items=items)


@requires("read")
def backfill_runs(backfill_id: int, settings: Settings | None = None, *,
                  limit: int = MAX_BACKFILL_RUNS) -> list[RunPublic]:
    """The backfill's runs, newest first, plus the identical earlier runs it skipped (timelines left out)."""
    url = prepare_store(settings)
    with read_scope(url) as session:
        found = backfill_store.get_backfill(backfill_id, session=session)
        skipped = set(found.skipped or []) if found else set()
        rows = session.exec(
            select(Run, Dataset.slug, SpecVersion.version)
            .join(Dataset, Dataset.id == Run.dataset_id)  # type: ignore[arg-type]
            .join(SpecVersion, SpecVersion.id == Run.spec_version_id)  # type: ignore[arg-type]
            .where(sa.or_(Run.backfill_id == backfill_id, Run.id.in_(skipped or {0})))  # type: ignore[union-attr]
            .order_by(Run.id.desc()).limit(limit)).all()  # type: ignore[union-attr]
    return [run_store._public(run, slug, version, timeline=False) for run, slug, version in rows]


def backfill_roots(settings: Settings | None = None) -> list[Path]:
    """Where a backfill started from the web or the API may read files (``allowed_roots``)."""
    return allowed_roots(settings or get_settings())


@requires("backfill")
def backfill_files(pattern: str, settings: Settings | None = None) -> list[Path]:
    """The files a directory or glob names, refused unless every one lies under ``backfill_roots`` (a web
    form must not turn any file on the server into a downloadable RAW file). Relative patterns are taken from
    the product's folder (``examples/*.csv``)."""
    settings = settings or get_settings()
    pattern = pattern.strip()
    if not pattern:
        raise BackfillPathError("give a directory or a glob pattern", message_es="indique un directorio o un patrón")
    base = EXAMPLES_DIR.parent
    full = pattern if Path(pattern).is_absolute() else str(base / pattern)
    ensure_pattern_allowed(full, settings)  # before anything outside the allowed folders is even listed
    if not Path(full).exists() and not glob.has_magic(full):
        raise BackfillPathError(f"{pattern} does not exist", message_es=f"no existe la ruta {pattern}")
    files = expand_files(full, settings)
    ensure_allowed(files, settings)
    return files


__all__ = ["BackfillNotFoundError", "BackfillPage", "MAX_BACKFILL_RUNS", "allowed_roots", "backfill_files",
           "backfill_roots", "backfill_runs", "backfill_status", "cancel_backfill", "ensure_allowed",
           "ensure_pattern_allowed", "expand_files", "list_backfills", "params_from_filename", "resume_backfill",
           "start_backfill"]
