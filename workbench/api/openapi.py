"""The OpenAPI description tells the truth about errors: every error answer is a problem document
(``application/problem+json``, schema ``Problem``), and every operation lists the statuses any route can
answer (401 without credentials, 403 for a role too low, 422 for invalid input, 500, 503 when the database or
Redis is down), the upload routes also 413, 415 and 429 (rate limits), sign-in 429 (too many attempts).

FastAPI describes its own 422 as ``application/json`` ``HTTPValidationError``, which our error boundary never
sends; schemathesis (tests/schema) checks every answer against this description."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from workbench.api.problems import MEDIA_TYPE

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
#: Statuses any operation may answer, with their description.
COMMON: dict[str, str] = {
    "401": "Not signed in, or the credentials are invalid (problem `not-authenticated`)",
    "403": "Signed in, but the role may not do this (problem `forbidden`)",
    "422": "Invalid request (problem `request-invalid`, or the engine's error for the input)",
    "500": "Unexpected server error, logged; the problem names no server detail",
    "503": "The database or Redis is unavailable (problem with `Retry-After`)",
}
#: Statuses of particular operations (method, path) beyond the common ones.
EXTRA: dict[tuple[str, str], dict[str, str]] = {
    ("post", "/workbench/preview"): {"413": "Upload too large", "415": "Not multipart/form-data",
                                     "429": "Too many uploads (problem `rate-limited`, `Retry-After`)"},
    ("post", "/workbench/runs"): {"413": "Upload too large", "415": "Not multipart/form-data",
                                  "429": "Too many uploads (problem `rate-limited`, `Retry-After`)"},
    ("post", "/workbench/auth/login"): {"429": "Too many failed attempts (problem `too-many-attempts`)"},
}
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")


def describe_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with every error response a problem document and the common statuses listed (in place)."""
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            extra = EXTRA.get((method, path), {})
            if "requestBody" in operation:
                extra = {"400": "Malformed body (not valid JSON or multipart)", **extra}
            for status, description in {**COMMON, **extra}.items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status[:1] in ("4", "5"):
                    if response.get("description") in ("Validation Error", "Problem (RFC 9457)"):
                        response["description"] = COMMON.get(status, response["description"])
                    response["content"] = {MEDIA_TYPE: {"schema": PROBLEM_REF}}
    schemas = schema.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return schema


def install(app: FastAPI) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        return describe_errors(build())  # FastAPI caches the dict: the edit is made once, then idempotent

    app.openapi = openapi  # type: ignore[method-assign]


__all__ = ["describe_errors", "install"]
