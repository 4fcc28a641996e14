"""View-ready rows of releases for the Publicaciones pages (pure: release records and diffs in, display text
out, numbers in es-CL ``1.234.567,89``)."""

from __future__ import annotations

from typing import Any

from workbench.engine.api import DASH, as_decimal, fmt_int, fmt_number
from workbench.state.numbers import fmt_datetime

#: release status -> (Spanish label, Radix colour)
RELEASE_BADGES: dict[str, tuple[str, str]] = {
    "proposed": ("Propuesta", "blue"), "approved": ("Aprobada", "teal"), "rejected": ("Rechazada", "red"),
    "expired": ("Vencida", "gray"), "published": ("Publicada", "green"), "rolled_back": ("Revertida", "amber"),
}
QA_LABELS = {"passed": "Aprobada", "warning": "Con advertencias (reconocidas)", "failed": "Fallida",
             "not_run": "Sin ejecutar"}
ACTIONS = {"proposed": "propuso", "amended": "actualizó el contenido", "approval_voided": "anuló la aprobación",
           "approved": "aprobó", "rejected": "rechazó", "expired": "venció", "published": "publicó",
           "rolled_back": "revirtió"}
#: Rows listed per kind on a release's page (the API and CLI page through the rest).
DIFF_ROWS = 50


def num(value: Any) -> str:
    """A stored value as the page shows it: numbers in es-CL, text as is, missing as an em dash."""
    if value is None or value == "":
        return DASH
    number = as_decimal(value) if not isinstance(value, str) or value.lstrip("-").replace(".", "", 1).isdigit() \
        else None
    return fmt_number(number) if number is not None else str(value)


def partition_text(partitions: list[dict[str, Any]]) -> str:
    return "; ".join(" · ".join(f"{k} {v if v is not None else DASH}" for k, v in p.items()) for p in partitions)


def release_row(r: Any) -> dict[str, str]:
    label, colour = RELEASE_BADGES.get(r.status, (r.status, "gray"))
    c = r.diff_summary.get("counts", {})
    return {"id": str(r.id), "status": label, "colour": colour, "run": f"#{r.run_id}", "run_href": f"/ejecuciones/{r.run_id}",
            "qa": QA_LABELS.get(r.qa_status, r.qa_status) if not (r.qa_status == "warning" and not r.qa_acknowledged)
            else "Con advertencias", "rows": fmt_int(r.row_counts.get("rows", 0)),
            "diff": f"+{fmt_int(c.get('added', 0))} −{fmt_int(c.get('removed', 0))} "
                    f"~{fmt_int(c.get('changed', 0))} ={fmt_int(c.get('unchanged', 0))}",
            "partitions": partition_text(r.partitions), "proposer": r.proposer, "approver": r.approver or DASH,
            "proposed": fmt_datetime(r.proposed_at), "published": fmt_datetime(r.published_at),
            "href": f"/publicaciones/{r.dataset_slug}/{r.id}"}


def diff_view(diff: dict[str, Any]) -> dict[str, Any]:
    key = diff["key"]
    c = diff["counts"]
    changes = [{"key": " · ".join(DASH if ch["key"].get(k) is None else str(ch["key"][k]) for k in key),
                "column": ch["column"], "old": num(ch["old"]), "new": num(ch["new"]), "delta": num(ch["delta"])}
               for ch in diff["changes"][:DIFF_ROWS]]
    rows = {kind: [{"key": " · ".join(DASH if r.get(k) is None else str(r[k]) for k in key),
                    "values": " · ".join(num(v) for k, v in r.items() if k not in key)}
                   for r in diff[kind][:DIFF_ROWS]] for kind in ("added", "removed")}
    totals = [{"group": " · ".join(str(v) for v in t["by"].values()), "before": num(t["before"]),
               "after": num(t["after"]), "delta": num(t["delta"])} for t in diff["totals"]]
    controls = [{"name": name, "value": num((v or {}).get("value")),
                 "where": f"fila {(v or {}).get('row', DASH)}, columna {(v or {}).get('column', DASH)}"}
                for name, v in (diff.get("control_totals") or {}).items()]
    return {"counts": {k: fmt_int(v) for k, v in c.items()}, "changes": changes, "added": rows["added"],
            "removed": rows["removed"], "totals": totals, "controls": controls, "key": " · ".join(key),
            "truncated": any(diff.get("truncated", {}).values()) or any(
                len(diff[k]) > DIFF_ROWS for k in ("added", "removed", "changes"))}


def event_row(e: Any) -> dict[str, str]:
    return {"at": fmt_datetime(e.at), "actor": e.actor, "action": ACTIONS.get(e.action, e.action),
            "reason": e.reason or ""}


__all__ = ["DIFF_ROWS", "RELEASE_BADGES", "diff_view", "event_row", "num", "partition_text", "release_row"]
