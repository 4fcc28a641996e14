"""Backfill patterns never walk outside the allowed folders (issue 13.4): links out of ``incoming/`` refuse the
pattern the same way whether or not the file behind them exists, ``**`` does not follow links, every walk is
bounded, a NUL byte is a typed error, and messages name no server path the user did not type."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from workbench.engine.app import access

from workbench.engine.core import backfill_paths
from workbench.engine.app.backfills import expand_files
from workbench.engine.core.backfill_paths import (BackfillPathError, BackfillPatternError, NoFilesError,
                                             WalkTooLargeError)
from workbench.engine.app.backfills import backfill_files
from workbench.engine.core.settings import Settings

ANALYST = access.Principal("ana", "analyst")


@pytest.fixture
def incoming(tmp_path: Path) -> Path:
    folder = tmp_path / "data" / "incoming"
    folder.mkdir(parents=True)
    (folder / "enero_2017.csv").write_text("x")
    return folder


@pytest.fixture
def settings(tmp_path: Path, incoming: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the allowed ones, with a secret and a tree of csv files (like /usr)."""
    folder = tmp_path / "fuera"
    (folder / "a" / "b").mkdir(parents=True)
    (folder / "shadow").write_text("root:x")
    (folder / "a" / "b" / "c.csv").write_text("x")
    return folder


def refused(pattern: str, settings: Settings) -> dict:
    with access.acting_as(ANALYST), pytest.raises((BackfillPathError, NoFilesError)) as caught:
        backfill_files(pattern, settings)
    return caught.value.to_dict()


def test_a_wildcard_never_follows_a_link_out_of_the_incoming_folder(incoming, settings, outside):
    (incoming / "usrlink").symlink_to(outside, target_is_directory=True)
    started = time.monotonic()
    error = refused(str(incoming / "[u]srlink" / "**" / "*.csv"), settings)
    assert error["code"] == "backfill-path" and time.monotonic() - started < 1
    assert refused(str(incoming / "*" / "a" / "b" / "c.csv"), settings)["code"] == "backfill-path"
    # ** does not descend into the link (nor anywhere outside): only the real file inside is listed
    with access.acting_as(ANALYST):
        assert [p.name for p in backfill_files(str(incoming / "**" / "*.csv"), settings)] == ["enero_2017.csv"]


def test_the_answer_is_the_same_whether_or_not_the_file_behind_a_link_exists(incoming, settings, outside):
    """The old code answered 403 for an existing file (glob found it, then the check refused it) and 422 for a
    missing one: a file-existence oracle on the whole server."""
    (incoming / "etclink").symlink_to(outside, target_is_directory=True)
    (incoming / "existe.csv").symlink_to(outside / "shadow")
    (incoming / "colgante.csv").symlink_to(outside / "no-existe")
    pairs = [("[e]tclink/shado[w]", "[e]tclink/nosuchfil[e]"), ("existe.cs[v]", "colgante.cs[v]"),
             ("etclink/shadow", "etclink/no-existe")]
    for there, absent in pairs:
        existing, missing = refused(str(incoming / there), settings), refused(str(incoming / absent), settings)
        assert existing["code"] == "backfill-path", there
        assert existing == {**missing, "message": missing["message"].replace(absent, there)}, there


def test_messages_name_no_server_path_the_user_did_not_type(incoming, settings, tmp_path):
    repo = str(backfill_paths.EXAMPLES_DIR.parent)
    with access.acting_as(ANALYST):
        with pytest.raises(NoFilesError) as none:
            backfill_files("examples/nada_*.csv", settings)
        with pytest.raises(BackfillPathError) as out:
            backfill_files(str(tmp_path / "*.csv"), settings)
    assert none.value.message == "no files match 'examples/nada_*.csv'" and repo not in none.value.message_es
    for text in (out.value.message_es, none.value.message_es):
        assert str(incoming) not in text and repo not in text
    assert out.value.message_es == "la ruta está fuera de las carpetas permitidas (la carpeta de entrada y examples/)"


def test_a_nul_byte_or_an_overlong_name_is_a_typed_error_not_a_crash(incoming, settings):
    for pattern in (str(incoming / "a\x00b.csv"), "examples/\x00*", str(incoming / ("n" * 300))):
        with access.acting_as(ANALYST), pytest.raises(BackfillPatternError) as caught:
            backfill_files(pattern, settings)
        assert caught.value.code == "backfill-pattern-invalid"
        with pytest.raises(BackfillPatternError):  # the operator's CLI too (it raised ValueError)
            expand_files(pattern, settings)


def test_every_walk_is_bounded_in_entries(incoming, settings, monkeypatch):
    for i in range(30):
        (incoming / f"sub{i}").mkdir()
        (incoming / f"sub{i}" / f"f{i}.csv").write_text("x")
    monkeypatch.setattr(backfill_paths, "MAX_WALK_ENTRIES", 20)
    with access.acting_as(ANALYST), pytest.raises(WalkTooLargeError) as caught:
        backfill_files(str(incoming / "**" / "*.csv"), settings)
    assert caught.value.code == "backfill-walk-too-large"
    with pytest.raises(WalkTooLargeError):  # the operator's walks are bounded as well
        expand_files(str(incoming / "*" / "*.csv"), settings)


def test_every_walk_is_bounded_in_time(incoming, settings, monkeypatch):
    monkeypatch.setattr(backfill_paths, "MAX_WALK_SECONDS", -1.0)  # already past its deadline
    with access.acting_as(ANALYST), pytest.raises(WalkTooLargeError):
        backfill_files(str(incoming / "*.csv"), settings)


def test_links_inside_the_allowed_folders_work_and_loops_end(incoming, settings):
    (incoming / "2017").mkdir()
    (incoming / "2017" / "febrero_2017.csv").write_text("x")
    (incoming / "atajo").symlink_to(incoming / "2017", target_is_directory=True)
    (incoming / "2017" / "bucle").symlink_to(incoming, target_is_directory=True)
    with access.acting_as(ANALYST):
        assert [p.name for p in backfill_files(str(incoming / "atajo" / "*.csv"), settings)] == ["febrero_2017.csv"]
        found = backfill_files(str(incoming / "**" / "*.csv"), settings)
    assert sorted(p.name for p in found) == ["enero_2017.csv", "febrero_2017.csv"]


def test_the_operator_may_read_any_folder(incoming, settings, outside):
    (incoming / "usrlink").symlink_to(outside, target_is_directory=True)
    assert [p.name for p in expand_files(str(incoming / "[u]srlink" / "**" / "*.csv"), settings)] == ["c.csv"]
    assert [p.name for p in expand_files(str(outside), settings)] == ["shadow"]
