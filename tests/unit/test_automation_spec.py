"""The spec's ``automation`` section (validated with the spec's line) and cron fire times in a time zone."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from workbench.engine.core.errors import SpecError
from workbench.engine.core.schedule import due_fires, fire_key, job_id_of, next_fires, plan_fires
from workbench.engine.core.spec.loader import parse_spec

ROOT = Path(__file__).resolve().parents[2]
BASE = (ROOT / "specs" / "dipres_ejecucion.yaml").read_text(encoding="utf-8").split("\nautomation:")[0]  # its own, removed
NAME = "specs/dipres_ejecucion.yaml"
SANTIAGO = ZoneInfo("America/Santiago")


def spec_with(section: str):
    return parse_spec(BASE + "\nautomation:\n" + section, NAME)


def test_the_issue_example_loads_and_leaves_the_content_hash_alone() -> None:
    spec = spec_with('  inbox:\n    params: {anio: 2017}\n    stable_seconds: 5\n  schedule:\n    cron: "0 7 * * 1-5"\n'
                     '    timezone: America/Santiago\n    files: "incoming/dipres_ejecucion/*.csv"\n'
                     '    catchup: latest\n  max_active_runs: 1\n  on_failure: alert\n')
    automation = spec.automation
    assert automation.inbox.params == {"anio": 2017} and automation.inbox.stable_seconds == 5
    assert automation.schedule.cron == "0 7 * * 1-5" and automation.schedule.catchup == "latest"
    assert spec.content_hash() == parse_spec(BASE, NAME).content_hash()


@pytest.mark.parametrize("section, where, words", [
    ('  schedule:\n    cron: "0 7 * *"\n    files: x/*.csv\n', "automation.schedule.cron", "invalid cron"),
    ('  schedule:\n    cron: "0 25 * * *"\n    files: x/*.csv\n', "automation.schedule.cron", "invalid cron"),
    ('  schedule:\n    cron: "0 7 * * *"\n    timezone: America/Santiag\n    files: x/*.csv\n',
     "automation.schedule.timezone", "unknown time zone"),
    ('  schedule:\n    cron: "0 7 * * *"\n    files: x/*.csv\n    catchup: sometimes\n', "automation.schedule.catchup",
     "latest"),
    ('  inbox:\n    folder: ../../etc\n', "automation.inbox.folder", "`..`"),
    ('  inbox:\n    stable_secs: 5\n', "automation.inbox.stable_secs", "unknown key"),
    ('  max_active_runs: 0\n  inbox: {}\n', "automation.max_active_runs", "greater than or equal to 1"),
    ('  max_active_runs: 2\n', "automation", "needs an `inbox`, a `schedule`, or both"),
])
def test_a_bad_automation_names_its_field_and_line(section: str, where: str, words: str) -> None:
    with pytest.raises(SpecError) as info:
        spec_with(section)
    first = BASE.count("\n") + 2  # the line of `automation:`
    problem = info.value.details["problems"][0]
    assert problem["path"] == where and words in problem["message"]
    assert problem["line"] >= first


def test_daily_0700_santiago_stays_at_seven_local_across_both_changes() -> None:
    for start in (datetime(2026, 4, 1, tzinfo=timezone.utc), datetime(2026, 9, 1, tzinfo=timezone.utc)):
        fires = next_fires("0 7 * * *", "America/Santiago", start, 10)
        local = [f.astimezone(SANTIAGO) for f in fires]
        assert [(f.hour, f.minute) for f in local] == [(7, 0)] * 10
        assert [f.day for f in local] == list(range(1, 11))
        assert len({f.utcoffset() for f in local}) == 2


def test_a_time_repeated_by_the_fall_back_fires_once_and_a_skipped_one_still_fires() -> None:
    # 2026-04-04 23:30 happens twice in Santiago (00:00 -> 23:00); 2026-09-06 00:30 does not exist (00:00 -> 01:00)
    back = due_fires("30 23 * * *", "America/Santiago", datetime(2026, 4, 4, 12, tzinfo=timezone.utc),
                     datetime(2026, 4, 5, 12, tzinfo=timezone.utc))
    assert back == [datetime(2026, 4, 5, 2, 30, tzinfo=timezone.utc)]
    forward = due_fires("30 0 * * *", "America/Santiago", datetime(2026, 9, 5, 12, tzinfo=timezone.utc),
                        datetime(2026, 9, 6, 12, tzinfo=timezone.utc))
    assert len(forward) == 1 and forward[0].astimezone(SANTIAGO).hour == 1


def test_catchup_plans() -> None:
    due = [datetime(2026, 5, 4, h, m, tzinfo=timezone.utc) for h, m in ((10, 30), (11, 0), (11, 30), (12, 0))]
    now = datetime(2026, 5, 4, 12, 10, tzinfo=timezone.utc)
    assert plan_fires(due, now, catchup="latest", grace_s=300).run == due[-1:]
    assert plan_fires(due, now, catchup="all", grace_s=300).run == due
    skip = plan_fires(due, now, catchup="skip", grace_s=300)
    assert skip.run == [] and skip.missed == due
    on_time = plan_fires(due[-1:], datetime(2026, 5, 4, 12, 0, 2, tzinfo=timezone.utc), catchup="skip", grace_s=300)
    assert on_time.run == due[-1:] and on_time.missed == []


def test_fire_keys_are_deterministic_and_rq_safe() -> None:
    key = fire_key("dipres_ejecucion", datetime(2026, 5, 4, 7, tzinfo=SANTIAGO))
    assert key == "schedule:dipres_ejecucion:2026-05-04T11:00:00Z"
    assert job_id_of(key) == "schedule-dipres_ejecucion-2026-05-04T11-00-00Z"
