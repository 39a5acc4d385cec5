"""Endpoint logic of the test server: filtering, field groups, cursors, upserts."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.langfuse_server.store import (
    CORE,
    GROUPS,
    PROJECT_ID,
    Store,
    decode_cursor,
    encode_cursor,
    iso,
    parse_time,
)

Check = Callable[[str, Any], None]
Answer = tuple[int, Any, "str | None"]

_COLUMNS = {"isRootObservation": "isRootObservation", "traceName": "traceName", "name": "name",
            "userId": "userId", "sessionId": "sessionId", "environment": "environment",
            "traceId": "traceId", "type": "type", "tags": "tags", "traceTags": "tags",
            "startTime": "startTime"}  # fmt: skip


def _cond(o: dict[str, Any], c: dict[str, Any]) -> bool:
    col = _COLUMNS.get(c["column"])
    if col is None:
        raise ValueError(f"unsupported filter column {c['column']!r}")
    v, op, want = o.get(col), c["operator"], c.get("value")
    kind = c["type"]
    if kind == "datetime":
        a, b = parse_time(v), parse_time(want)
        return {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op]
    if kind == "arrayOptions":
        have = set(v or [])
        return {"any of": bool(have & set(want)), "all of": set(want) <= have,
                "none of": not have & set(want)}[op]  # fmt: skip
    if kind in ("stringOptions", "categoryOptions"):
        return (v in want) if op == "any of" else (v not in want)
    if kind in ("string", "boolean"):
        return v == want if op == "=" else v != want
    raise ValueError(f"unsupported filter type {kind!r}")


def observations(s: Store, p: dict[str, str]) -> Answer:
    if p.get("parseIoAsJson") == "true":
        return 400, {"message": "parseIoAsJson is deprecated"}, None
    limit = int(p.get("limit", 50))
    if limit > 1000:
        return 400, {"message": "limit must be <= 1000"}, None
    groups = ("core", *(p.get("fields") or "core,basic").split(","))
    with s.lock:
        rows = list(s.observations)
    if "filter" in p:
        try:
            conds = json.loads(p["filter"])
            rows = [o for o in rows if all(_cond(o, c) for c in conds)]
        except (ValueError, KeyError) as exc:
            return 400, {"message": f"invalid filter: {exc}"}, None
    else:
        for param, col in (("traceId", "traceId"), ("name", "name"), ("userId", "userId"),
                           ("sessionId", "sessionId"), ("type", "type"), ("environment", "environment")):  # fmt: skip  # noqa: E501
            if param in p:
                rows = [o for o in rows if o.get(col) == p[param]]
        if "isRootObservation" in p:
            rows = [o for o in rows if o["isRootObservation"] == (p["isRootObservation"] == "true")]
        if "fromStartTime" in p:
            rows = [o for o in rows if parse_time(o["startTime"]) >= parse_time(p["fromStartTime"])]
        if "toStartTime" in p:
            rows = [o for o in rows if parse_time(o["startTime"]) < parse_time(p["toStartTime"])]
    rows.sort(key=lambda o: (o["startTime"], o["id"]), reverse=True)
    off = decode_cursor(p.get("cursor"))
    page = rows[off : off + limit]
    keys = set(CORE).union(*(GROUPS.get(g, ()) for g in groups))
    data = [{k: v for k, v in o.items() if k in keys} for o in page]
    cursor = encode_cursor(off + limit) if off + limit < len(rows) else None
    return 200, {"data": data, "meta": {"cursor": cursor}}, "ObservationsV2Response"


def scores(s: Store, p: dict[str, str]) -> Answer:
    limit = int(p.get("limit", 50))
    if limit > 100:
        return 400, {"message": "limit must be <= 100"}, None
    dtype = p.get("dataType")
    if ("valueMin" in p or "valueMax" in p) and dtype != "NUMERIC":
        return 400, {"message": "valueMin/valueMax require dataType=NUMERIC"}, None
    if "value" in p and (dtype is None or "," in dtype):
        return 400, {"message": "value requires a single dataType"}, None
    with s.lock:
        rows = list(s.scores)
    if "name" in p:
        rows = [r for r in rows if r["name"] in p["name"].split(",")]
    if dtype:
        rows = [r for r in rows if r["dataType"] in dtype.upper().split(",")]
    if "value" in p:
        want = p["value"].split(",")
        rows = [r for r in rows if _value_text(r["value"]) in want or _num_eq(r["value"], want)]
    if "valueMin" in p:
        rows = [r for r in rows if r["value"] >= float(p["valueMin"])]
    if "valueMax" in p:
        rows = [r for r in rows if r["value"] <= float(p["valueMax"])]
    if "fromTimestamp" in p:
        rows = [r for r in rows if parse_time(r["timestamp"]) >= parse_time(p["fromTimestamp"])]
    fields = set((p.get("fields") or "").split(","))
    rows.sort(key=lambda r: (r["timestamp"], r["id"]), reverse=True)
    off = decode_cursor(p.get("cursor"))
    page = rows[off : off + limit]
    drop = ({"subject"} if "subject" not in fields else set()) | (
        {"comment", "configId", "metadata"} if "details" not in fields else set()
    )
    data = [{k: v for k, v in r.items() if k not in drop} for r in page]
    meta: dict[str, Any] = {"limit": limit}
    if off + limit < len(rows):
        meta["cursor"] = encode_cursor(off + limit)
    return 200, {"data": data, "meta": meta}, "GetScoresV3Response"


def _value_text(v: Any) -> str:
    return str(v).lower() if isinstance(v, bool) else str(v)


def _num_eq(v: Any, want: list[str]) -> bool:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    try:
        return any(float(w) == v for w in want)
    except ValueError:
        return False


def _now() -> str:
    return iso(datetime.now(UTC))


def upsert_dataset(s: Store, body: Any, check: Check) -> dict[str, Any]:
    check("CreateDatasetRequest", body)
    with s.lock:
        ds = s.datasets.get(body["name"])
        if ds is None:
            ds = {"id": f"ds-{uuid.uuid4().hex[:12]}", "name": body["name"], "createdAt": _now(),
                  "projectId": PROJECT_ID, "inputSchema": None, "expectedOutputSchema": None}  # fmt: skip  # noqa: E501
            s.datasets[body["name"]] = ds
        ds.update(
            description=body.get("description"), metadata=body.get("metadata"), updatedAt=_now()
        )
        return dict(ds)


def upsert_item(s: Store, body: Any, check: Check) -> Answer:
    check("CreateDatasetItemRequest", body)
    with s.lock:
        ds = s.datasets.get(body["datasetName"])
        if ds is None:
            return 404, {"message": f"dataset {body['datasetName']!r} not found"}, None
        item_id = body.get("id") or str(uuid.uuid4())
        old = s.items.get(item_id)
        if old is not None and old["datasetId"] != ds["id"]:
            return 409, {"message": "item id is used in another dataset"}, None
        item = {"id": item_id, "status": body.get("status") or "ACTIVE", "input": body.get("input"),
                "expectedOutput": body.get("expectedOutput"), "metadata": body.get("metadata"),
                "sourceTraceId": body.get("sourceTraceId"),
                "sourceObservationId": body.get("sourceObservationId"), "datasetId": ds["id"],
                "datasetName": ds["name"], "createdAt": old["createdAt"] if old else _now(),
                "updatedAt": _now(), "mediaReferences": []}  # fmt: skip
        s.items[item_id] = item
        return 200, dict(item), "DatasetItem"


def create_run_item(s: Store, body: Any, check: Check) -> Answer:
    check("CreateDatasetRunItemRequest", body)
    with s.lock:
        if body["datasetItemId"] not in s.items:
            return 404, {"message": "dataset item not found"}, None
        ri = {"id": str(uuid.uuid4()), "datasetRunId": f"run-{body['runName']}",
              "datasetRunName": body["runName"], "datasetItemId": body["datasetItemId"],
              "traceId": body.get("traceId"), "observationId": body.get("observationId"),
              "createdAt": _now(), "updatedAt": _now()}  # fmt: skip
        s.run_items.append(ri)
        return 200, dict(ri), "DatasetRunItem"
