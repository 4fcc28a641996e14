"""The dataset list's answers are cached under the store's change marker: hits skip the query, any committed
change (here or in another process) is seen at once, and the cache never mixes principals or keeps errors."""

from workbench.engine.app import datasets


def _counting(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = datasets.list_datasets

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(datasets, "list_datasets", counted)
    return calls


def test_a_hit_skips_the_query_until_the_store_changes(client, settings, monkeypatch):
    calls = _counting(monkeypatch)
    first = client.get("/workbench/datasets")
    assert client.get("/workbench/datasets").content == first.content and len(calls) == 1
    client.get("/workbench/datasets", params={"limit": 1})
    assert len(calls) == 2  # another query string is another entry
    (settings.specs_dir / "dipres_ley.yaml").unlink()
    datasets.sync_specs(settings)  # a committed change: dipres_ley becomes inactive
    after = client.get("/workbench/datasets").json()
    assert len(calls) == 3 and [d["slug"] for d in after["items"]] == ["dipres_ejecucion", "dipres_programa_xlsx"]


def test_principals_do_not_share_entries(client, settings, monkeypatch):
    from workbench.engine.app import accounts

    calls = _counting(monkeypatch)
    client.get("/workbench/datasets")
    accounts.add_user("otra.persona", "otra-clave-larga-2026", "viewer", settings)
    other = accounts.create_token("otra.persona", "x", settings=settings)
    assert client.get("/workbench/datasets", headers={"authorization": f"Bearer {other}"}).status_code == 200
    assert len(calls) == 2
    assert client.get("/workbench/datasets", headers={"authorization": "Bearer wbt_forged"}).status_code == 401
    assert len(calls) == 2  # nobody gets a cached answer without valid credentials


def test_errors_are_not_cached(client, monkeypatch):
    calls = _counting(monkeypatch)
    for _ in range(2):
        assert client.get("/workbench/datasets", params={"offset": -1}).status_code == 422
    assert client.get("/workbench/datasets").status_code == 200 and len(calls) == 1


def test_a_server_marker_read_is_shared_only_by_requests_that_arrived_before_it(monkeypatch):
    import asyncio
    import threading

    from workbench.api import cache
    from workbench.engine.core.settings import Settings

    reads: list[int] = []
    in_flight, finish = threading.Event(), threading.Event()

    def held_marker(settings):
        """A marker read that stays in flight until the test lets it finish (events order it, not sleeps)."""
        reads.append(1)
        in_flight.set()
        assert finish.wait(10), "the test never let the read finish"
        return f"v{len(reads)}"

    monkeypatch.setattr(cache, "store_version", held_marker)
    reader = cache.MarkerReader(Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:9/x"))

    async def scenario() -> tuple[list[str], str, str]:
        finish.set()
        batch = await asyncio.gather(*(reader.get() for _ in range(20)))
        in_flight.clear()
        finish.clear()
        early = asyncio.ensure_future(reader.get())
        assert await asyncio.to_thread(in_flight.wait, 10)  # that read is in flight now
        late = asyncio.ensure_future(reader.get())  # arrived after it started: must wait for the next read
        await asyncio.sleep(0)  # one turn of the loop: the late request is waiting now
        assert reads == [1, 1] and not late.done()
        finish.set()
        return batch, await early, await late

    batch, early, late = asyncio.run(scenario())
    assert batch == ["v1"] * 20 and (early, late) == ("v2", "v3") and len(reads) == 3
