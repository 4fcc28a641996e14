"""A release's rows as kept: the Parquet and CSV snapshots (row count and sha256 each) and the stored diff, in
the object store under the release's content hash; the content hash itself (what an approval is bound to); the
partitions' current releases and the rows published there now (from their verified snapshots)."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import pandas as pd

from workbench.engine.core.errors import WorkbenchError
from workbench.engine.core.settings import Settings
from workbench.engine.core.spec.publication import RELEASE_COLUMN, Publication
from workbench.engine.store import releases as release_store
from workbench.engine.store.db import session_scope
from workbench.engine.store.objects import release_objects
from workbench.engine.store.prepare import prepare_store


class SnapshotModifiedError(WorkbenchError):
    code = "snapshot-modified"
    kind = "conflict"
    title = "Release snapshot modified"
    template = "the snapshot of release {release_id} was modified (hash mismatch)"
    template_es = "la copia guardada de la publicación {release_id} fue modificada"


def partition_key(values: dict[str, Any], partition_by: list[str]) -> str:
    """``periodo=2017-04|partida=50|...``: how a partition is named in releases."""
    return "|".join(f"{k}={'' if values.get(k) is None else values[k]}" for k in partition_by)


def current_releases(dataset_id: int, keys: list[str], *, session: Any) -> dict[str, int]:
    """Per partition key, the release published there now (the newest published one that covers it)."""
    out: dict[str, int] = {}
    published = sorted(release_store.of_dataset(dataset_id, session=session, statuses=("published",)),
                       key=lambda r: (r.published_at, r.id))
    for row in published:
        for key in row.partition_keys:
            if key in keys:
                out[key] = row.id  # type: ignore[assignment]
    return out


def base_rows(base_ids: list[int], pub: Publication, partitions: list[dict[str, Any]],
               settings: Settings) -> pd.DataFrame:
    """The rows published now in ``partitions`` (from the releases there: their verified snapshots)."""
    frames = []
    wanted = {partition_key(p, pub.partition_by) for p in partitions}
    url = prepare_store(settings)
    for base_id in base_ids:
        with session_scope(url) as session:
            base = release_store.get(base_id, session=session)
            snapshot = dict(base.snapshot)  # type: ignore[union-attr]
        frame = read_snapshot(snapshot, settings, base_id)
        inside = frame[pub.partition_by].astype(object).apply(
            lambda row: partition_key(row.to_dict(), pub.partition_by), axis=1).isin(wanted) if len(frame) else []
        part = frame[inside] if len(frame) else frame
        part = part[[c for c in pub.columns if c in part.columns]].copy()
        part[RELEASE_COLUMN] = base_id
        frames.append(part)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in pub.columns})
    return pd.concat(frames, ignore_index=True)


def store_snapshot(slug: str, frame: pd.DataFrame, pub: Publication, diff: dict[str, Any], spec_hash: str,
                    keys: list[str], bases: dict[str, int], objects: Any) -> dict[str, Any]:
    parquet = io.BytesIO()
    frame.to_parquet(parquet, index=False)
    parquet_bytes = parquet.getvalue()
    csv_bytes = frame.to_csv(index=False).encode("utf-8")
    parquet_sha = hashlib.sha256(parquet_bytes).hexdigest()
    content = content_hash(spec_hash, parquet_sha, keys, bases)
    folder = f"releases/{slug}/{content}"
    diff_bytes = json.dumps(diff, ensure_ascii=False, default=str).encode("utf-8")
    for name, data in (("release.parquet", parquet_bytes), ("release.csv", csv_bytes), ("diff.json", diff_bytes)):
        objects.put_bytes(f"{folder}/{name}", data)
    return {"content_hash": content, "publication": pub.model_dump(mode="json"), "replaces": bases,
            "parquet": {"path": f"{folder}/release.parquet", "rows": len(frame), "bytes": len(parquet_bytes),
                        "sha256": parquet_sha},
            "csv": {"path": f"{folder}/release.csv", "rows": len(frame), "bytes": len(csv_bytes),
                    "sha256": hashlib.sha256(csv_bytes).hexdigest()},
            "diff": {"path": f"{folder}/diff.json", "sha256": hashlib.sha256(diff_bytes).hexdigest()}}


def content_hash(spec_hash: str, parquet_sha256: str, keys: list[str], bases: dict[str, int]) -> str:
    """What an approval is bound to: the spec, the rows, the partitions and the releases they replace."""
    canonical = json.dumps({"spec": spec_hash, "rows": parquet_sha256, "partitions": sorted(keys),
                            "replaces": {k: bases[k] for k in sorted(bases)}}, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def read_snapshot(snapshot: dict[str, Any], settings: Settings, release_id: int) -> pd.DataFrame:
    data = release_objects(settings).get_bytes(snapshot["parquet"]["path"])
    if hashlib.sha256(data).hexdigest() != snapshot["parquet"]["sha256"]:
        raise SnapshotModifiedError(release_id=release_id)
    return pd.read_parquet(io.BytesIO(data))


__all__ = ["SnapshotModifiedError", "base_rows", "content_hash", "current_releases", "partition_key", "read_snapshot",
           "store_snapshot"]
