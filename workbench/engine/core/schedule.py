"""Cron fire times in a time zone, and what to do with the fires a scheduler missed (pure: no clock, no store).

croniter is given the *local wall time* without a zone and each result is then placed in the zone: a daily
07:00 stays 07:00 local across daylight-saving changes (never 06:00 or 08:00, never twice, never skipped). A
local time that does not exist (the spring-forward gap) fires at the first instant after the gap; a local time
that happens twice (fall back) fires once, at its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from croniter import croniter

#: Fires listed by ``workbench schedules list`` and the Automatización page.
NEXT_FIRES = 5
#: Most fires one catch-up considers (a schedule every minute down for a month is 43,200 fires; the oldest are
#: recorded as one summary instead).
MAX_CATCHUP_FIRES = 1000


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def fires_after(cron: str, tz: str, after: datetime) -> Iterator[datetime]:
    """The fire times (aware, UTC) strictly after ``after`` (aware), in order, without end."""
    if after.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one")
    zone = ZoneInfo(tz)
    # start one hour early in local time: around a fall-back change the wall clock repeats an hour
    it = croniter(cron, _local(after, zone) - timedelta(hours=1))
    last: datetime | None = None
    while True:
        wall = it.get_next(datetime)
        fire = wall.replace(tzinfo=zone, fold=0).astimezone(timezone.utc)
        if _local(fire, zone) != wall:  # in the spring-forward gap: the first instant after it
            fire = wall.replace(tzinfo=zone, fold=1).astimezone(timezone.utc)
            fire = max(fire, wall.replace(tzinfo=zone, fold=0).astimezone(timezone.utc))
        if fire <= after or (last is not None and fire <= last):
            continue
        last = fire
        yield fire


def next_fires(cron: str, tz: str, after: datetime, n: int = NEXT_FIRES) -> list[datetime]:
    it = fires_after(cron, tz, after)
    return [next(it) for _ in range(n)]


def due_fires(cron: str, tz: str, since: datetime, now: datetime, *, limit: int = MAX_CATCHUP_FIRES) -> list[datetime]:
    """Fires in ``(since, now]``, oldest first, at most the last ``limit`` of them."""
    out: list[datetime] = []
    for fire in fires_after(cron, tz, since):
        if fire > now:
            break
        out.append(fire)
        if len(out) > limit:
            out.pop(0)
    return out


@dataclass(frozen=True)
class FirePlan:
    """Which due fires run and which are recorded as missed."""

    run: list[datetime]
    missed: list[datetime]


def plan_fires(due: list[datetime], now: datetime, *, catchup: str, grace_s: float) -> FirePlan:
    """A fire due at most ``grace_s`` ago is on time and runs; older ones were missed (the scheduler was down)
    and ``catchup`` decides: ``latest`` runs the newest due fire only, ``all`` runs them all, ``skip`` none."""
    late = [f for f in due if (now - f).total_seconds() > grace_s]
    on_time = [f for f in due if f not in late]
    if not late:
        return FirePlan(run=due, missed=[])
    if catchup == "all":
        return FirePlan(run=due, missed=[])
    if catchup == "skip":
        return FirePlan(run=on_time, missed=late)
    newest = due[-1]  # latest: the most recent fire runs (on time or not), every older one is missed
    return FirePlan(run=[newest], missed=[f for f in due if f != newest])


def fire_key(slug: str, fire: datetime) -> str:
    """The deterministic id of one fire: ``schedule:<slug>:<fire time, UTC, ISO 8601>``."""
    return f"schedule:{slug}:{fire.astimezone(timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')}"


def job_id_of(key: str) -> str:
    """The RQ job id of a trigger key (RQ allows only letters, digits, ``_`` and ``-`` in ids)."""
    return "".join(c if c.isalnum() or c in "_-" else "-" for c in key)[:200]


__all__ = ["FirePlan", "MAX_CATCHUP_FIRES", "NEXT_FIRES", "due_fires", "fire_key", "fires_after", "job_id_of",
           "next_fires", "plan_fires"]
