"""What automation does around a run: a file whose layout drifted so the spec no longer reads it does not run
(the alert carries the drift report and the spec patch); a green automated run is proposed for publication
(``automation.publish: propose``) and a publisher approves it (four eyes: the proposer is the automation)."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

from tests.data.workbench import drift_variants as v
from tests.integration.test_automation import (SLUG, Clock, all_triggers, env, events_of, inbox_spec,  # noqa: F401
                                               make_scheduler, variant, webhook, work)
from tests.openlineage_check import check_event
from workbench.engine.app import access, publication, releases_read
from workbench.engine.core import openlineage as ol
from workbench.engine.app.scheduler import AUTOMATION_PROPOSER
from workbench.engine.core.settings import get_settings


def settle(env, scheduler, clock, seconds: int = 7) -> None:
    for _ in range(seconds):
        scheduler.tick()
        clock.advance(seconds=1)


def test_a_file_whose_layout_broke_does_not_run_and_the_alert_carries_the_patch(webhook, env):  # noqa: F811
    folder = inbox_spec(env)
    get_settings.cache_clear()
    env = get_settings()
    clock = Clock(datetime(2026, 5, 4, 10, tzinfo=timezone.utc))
    s = make_scheduler(env, clock)
    (folder / "ejecucion_2017_marzo.csv").write_bytes(v.base_execution())  # last month's layout: it runs
    settle(env, s, clock)
    work(env)
    s.tick()
    renamed = v.relabel(v.execution_rows(), "Presupuesto Vigente", "Presupuesto Vigente (M$)")
    (folder / "ejecucion_2017_abril.csv").write_bytes(v.to_csv(renamed))
    settle(env, s, clock)
    work(env)
    s.tick()
    first, trigger = all_triggers(env)
    assert first.status == "succeeded"
    assert trigger.status == "failed" and trigger.run_id is None  # nothing ran
    assert trigger.error["code"] == "layout-drift" and trigger.message.startswith("layout drift: ")
    assert any("Presupuesto Vigente (M$)" in str(change) for change in trigger.error["drift"]["changes"])
    assert "Presupuesto Vigente (M$)" in trigger.error["drift"]["patch"]  # the rename that fixes it
    (alert,) = [e for e in events_of(env) if e.type == "automation.failed"]
    assert alert.data["code"] == "layout-drift" and alert.data["drift"]["patch"] == trigger.error["drift"]["patch"]
    assert alert.data["file"] == "ejecucion_2017_abril.csv"


def test_an_unchanged_layout_runs_and_a_green_run_is_proposed_for_a_publisher(env):  # noqa: F811
    folder = inbox_spec(env, extra="  publish: propose\n")
    get_settings.cache_clear()
    env = get_settings()
    clock = Clock(datetime(2026, 5, 4, 10, tzinfo=timezone.utc))
    s = make_scheduler(env, clock)
    (folder / "ejecucion_2017_abril.csv").write_bytes(variant(0))
    settle(env, s, clock)
    work(env)
    s.tick()
    (trigger,) = all_triggers(env)
    assert trigger.status == "succeeded" and "proposed as release" in trigger.message
    page = releases_read.list_releases(env)
    (release,) = page.items
    assert (release.run_id, release.proposer, release.status) == (trigger.run_id, AUTOMATION_PROPOSER, "proposed")
    assert any(e.type == "release.proposed" for e in events_of(env, "release."))
    with access.acting_as(access.Principal("pablo", "publisher")):
        done = publication.approve_release(release.id, release.content_hash, settings=env)
    assert done.status == "published" and done.approver == "pablo"
    # OpenLineage: the automated run names its inbox as its parent (one parent run per file)
    lines = (env.lineage_dir / "events.ndjson").read_text(encoding="utf-8").splitlines()
    runs = [e for e in map(json.loads, lines) if e["job"]["name"] == "workbench.dipres_ejecucion"]
    assert [e["eventType"] for e in runs] == ["START", "COMPLETE"]
    for event in runs:
        check_event(event)
        parent = event["run"]["facets"]["parent"]
        assert parent["job"] == {"namespace": "workbench", "name": "workbench.dipres_ejecucion.inbox"}
        assert parent["run"]["runId"] == ol.run_uuid("trigger", trigger.key)


def test_a_fire_that_takes_all_runs_every_new_file_once_oldest_first(env):  # noqa: F811
    from tests.integration.test_automation import write_spec

    write_spec(env.specs_dir, '  schedule:\n    cron: "0 7 * * *"\n    timezone: America/Santiago\n'
                              '    files: "incoming/drop/*.csv"\n    take: all\n    params: {anio: 2017}\n'
                              '  max_active_runs: 1\n')
    get_settings.cache_clear()
    env = get_settings()
    drop = env.data_dir / "incoming" / "drop"
    drop.mkdir(parents=True)
    for n, name in enumerate(["enero.csv", "febrero.csv", "marzo.csv"]):
        path = drop / name
        path.write_bytes(variant(n))
        os.utime(path, ns=(1_700_000_000_000_000_000 + n * 10**9,) * 2)  # enero is the oldest
    clock = Clock(datetime(2026, 5, 4, 10, 59, tzinfo=timezone.utc))  # 06:59 in Santiago (UTC-4 in May)
    s = make_scheduler(env, clock)
    s.tick()
    clock.advance(minutes=1, seconds=1)  # 07:00:01 Santiago
    for _ in range(8):
        s.tick()
        work(env)
        clock.advance(seconds=1)
    found = all_triggers(env)
    assert [t.status for t in found] == ["succeeded"] * 3
    assert [t.file_name for t in found] == ["enero.csv", "febrero.csv", "marzo.csv"]
    fire = found[0].key
    assert fire == "schedule:dipres_ejecucion:2026-05-04T11:00:00Z"
    assert all(t.key.startswith(fire + ":") for t in found[1:])
    assert len({t.run_id for t in found}) == 3
    s.tick()
    clock.advance(days=1)  # the next day's fire: nothing new to run
    for _ in range(3):
        s.tick()
        work(env)
    assert [t.status for t in all_triggers(env)][3:] == ["skipped"]
