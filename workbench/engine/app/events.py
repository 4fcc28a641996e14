"""The event stream read by people: a run's events for the pages that follow it, and the whole stream for
``workbench events tail``. Publishing is done where things happen (runs, backfills, QA) through
``infra.events``."""

from __future__ import annotations

from typing import Any, Iterator

from workbench.engine.app.access import requires
from workbench.engine.core.settings import Settings
from workbench.engine.infra.events import EventStream

#: Newest events read when a run's progress is first asked for (its run.queued may be among them).
RECENT_EVENTS = 200


@requires("read")
def latest_event_id(settings: Settings | None = None) -> str:
    """The id of the newest event ("0" when there is none): where a page that follows a run starts reading, so
    nothing published after it is missed. Raises RedisUnavailableError when Redis is down."""
    return next((e.id for e in EventStream.from_settings(settings).tail(last=1)), "0")


@requires("read")
def run_events(run_id: int, after_id: str | None, *,
               settings: Settings | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """The events of run ``run_id`` published after event ``after_id`` (None: among the newest events), as
    ``{id, type, ts, data}``, and the id to pass next time. Raises RedisUnavailableError when Redis is down."""
    stream = EventStream.from_settings(settings)
    events = list(stream.tail(last=RECENT_EVENTS) if after_id is None else stream.tail(last_id=after_id))
    last = events[-1].id if events else after_id
    mine = [e.to_dict() for e in events if e.data.get("run_id") == run_id]
    return mine, last or "0-0"


@requires("read")
def tail_events(*, last: int, follow: bool = False, settings: Settings | None = None) -> Iterator[dict[str, Any]]:
    """The newest ``last`` events as ``{id, type, ts, data}``, then, with ``follow``, new ones as they come
    (forever: close the generator to stop). Raises RedisUnavailableError when Redis is down."""
    for event in EventStream.from_settings(settings).tail(last=last, follow=follow):
        yield event.to_dict()


__all__ = ["RECENT_EVENTS", "latest_event_id", "run_events", "tail_events"]
