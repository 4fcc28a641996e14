"""The API's one error boundary: every error leaves as an RFC 9457 problem document
(``application/problem+json``) that carries the engine's error code, Spanish message and location."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from workbench.engine.api import WorkbenchError

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
#: Problem ``type`` URIs are ``/workbench/problems/<code>`` (relative references, resolved against the API).
TYPE_PREFIX = "/workbench/problems/"
#: Detail keys that locate a problem; copied to the top level of the document.
LOCATION_KEYS = ("file", "sheet", "row", "column", "line", "path", "layer", "step")

#: HTTP status of each kind of engine error (``WorkbenchError.kind``; a user error the user can fix is 422).
STATUS_BY_KIND: dict[str, int] = {
    "invalid": 422, "not-found": 404, "unauthenticated": 401, "forbidden": 403, "conflict": 409,
    "too-large": 413, "unsupported-media": 415, "too-many-requests": 429, "unavailable": 503,
    "storage-full": 507, "internal": 500,
}
#: ``Retry-After`` of a 503 (a dependency is down), seconds: about what a database or Redis restart takes.
RETRY_AFTER_UNAVAILABLE_S = 15


class Problem(BaseModel):
    """An RFC 9457 problem; ``code``, ``message_es`` and ``details`` are the engine's error (``to_dict``)."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"example": {
        "type": "/workbench/problems/parameter-invalid", "title": "Invalid run parameter", "status": 422,
        "detail": "parameter 'anio': 'dos mil' is not a whole number", "instance": "/workbench/runs",
        "code": "parameter-invalid", "message_es": "parámetro 'anio': 'dos mil' no es un número entero",
        "details": {"name": "anio"}}})

    type: str
    title: str
    status: int
    detail: str
    instance: str
    code: str
    message_es: str
    details: dict[str, Any] = {}


def status_for(exc: WorkbenchError) -> int:
    return STATUS_BY_KIND[exc.kind]


def problem(status: int, *, code: str, title: str, detail: str, instance: str, message_es: str | None = None,
            details: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
            **extra: Any) -> JSONResponse:
    details = details or {}
    body: dict[str, Any] = {"type": TYPE_PREFIX + code, "title": title, "status": status, "detail": detail,
                            "instance": instance, "code": code, "message_es": message_es or detail,
                            "details": details}
    body.update({k: details[k] for k in LOCATION_KEYS if details.get(k) is not None})
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def from_error(error: dict[str, Any], status: int, instance: str, *, headers: dict[str, str] | None = None,
               **extra: Any) -> JSONResponse:
    """A problem from the canonical error JSON (``WorkbenchError.to_dict()``, or a failed run's ``error``)."""
    return problem(status, code=error["code"], title=error["title"], detail=error["message"], instance=instance,
                   message_es=error.get("message_es"), details=error.get("details") or {}, headers=headers, **extra)


#: What clients (anonymous ones included) are told of a server-side failure: never where the database or Redis
#: is, nor the driver's text (that goes to the log). Errors whose messages are safe as they are set ``public``.
PUBLIC_5XX: dict[str, tuple[str, str]] = {
    "database-unavailable": ("the database is not reachable; try again in a moment",
                             "la base de datos no responde; intente de nuevo en unos momentos"),
    "database-not-migrated": ("the database schema is not current; an administrator must run `workbench db upgrade`",
                              "la base de datos no tiene el esquema al día; avise al administrador"),
    "redis-unavailable": ("the queue service (Redis) is not reachable; try again in a moment",
                          "el servicio de colas (Redis) no responde; intente de nuevo en unos momentos"),
    "storage-unavailable": ("the file storage is not reachable; try again in a moment",
                            "el almacenamiento de archivos no responde; intente de nuevo en unos momentos"),
}
GENERIC_5XX = ("a server-side service failed; it was logged for the team",
               "falló un servicio del servidor; quedó registrado para el equipo")


def public_error(exc: WorkbenchError, status: int) -> dict[str, Any]:
    """The error as clients see it: 5xx messages and details that could locate the server's services are
    replaced by a generic text per code (storage-full and other ``public`` errors are already generic)."""
    error = exc.to_dict()
    if status < 500 or getattr(exc, "public", False):
        return error
    message, message_es = PUBLIC_5XX.get(exc.code, GENERIC_5XX)
    return {**error, "message": message, "message_es": message_es, "details": {}}


async def _workbench_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, WorkbenchError)
    status = status_for(exc)
    if status >= 500:
        log.warning("%s %s: %s (%s)", request.method, request.url.path, exc.message, exc.code)
    headers = None
    if status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="workbench"'}
    elif exc.code == "too-many-attempts":
        headers = {"Retry-After": str(exc.details.get("retry_after", 60))}
    elif status == 503:  # a dependency is down: the same request may work in a moment
        headers = {"Retry-After": str(RETRY_AFTER_UNAVAILABLE_S)}
    return from_error(public_error(exc, status), status, request.url.path, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"location": [str(p) for p in e.get("loc", ())], "message": e.get("msg", ""), "type": e.get("type", "")}
              for e in exc.errors()]
    first = errors[0] if errors else {"location": [], "message": "invalid request"}
    where_ = ".".join(first["location"][1:] or first["location"])
    return problem(422, code="request-invalid", title="Invalid request", instance=request.url.path,
                   detail=f"{where_}: {first['message']}" if where_ else first["message"],
                   message_es=f"solicitud inválida en {where_ or 'la solicitud'}: {first['message']}",
                   details={"errors": errors})


#: Code, English and Spanish text of the statuses the frameworks answer by themselves.
HTTP_TEXTS: dict[int, tuple[str, str, str]] = {
    400: ("bad-request", "the request is malformed (for instance, a body that is not valid JSON)",
          "la solicitud está mal formada (por ejemplo, un cuerpo que no es JSON válido)"),
    401: ("unauthorized", "sign-in required, or the credentials were not accepted",
          "hace falta iniciar sesión, o no se aceptaron las credenciales"),
    403: ("forbidden", "this resource is not available to you", "este recurso no está disponible para usted"),
    404: ("not-found", "no such resource", "no existe ese recurso"),
    405: ("method-not-allowed", "this resource does not accept that method; see the Allow header",
          "este recurso no acepta ese método; vea la cabecera Allow"),
    413: ("upload-too-large", "the request is too large", "la solicitud es demasiado grande"),
    500: ("internal-error", "an unexpected error occurred; it was logged for the team",
          "ocurrió un error inesperado; quedó registrado para el equipo"),
    503: ("service-unavailable", "the service is not available right now; try again in a moment",
          "el servicio no está disponible en este momento; intente de nuevo en unos momentos"),
}


def http_problem(status: int, *, instance: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """A framework's own error (no route raised it, or Starlette did) in English and Spanish."""
    code, detail, detail_es = HTTP_TEXTS.get(status, (f"http-{status}", f"HTTP error {status}",
                                                      f"error HTTP {status}"))
    return problem(status, code=code, title=detail.split(";")[0].split(" (")[0].capitalize(), detail=detail,
                   message_es=detail_es, instance=instance, headers=headers)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return http_problem(exc.status_code, instance=request.url.path, headers=getattr(exc, "headers", None))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(500, code="internal-error", title="Internal error", instance=request.url.path,
                   detail="an unexpected error occurred; it was logged for the team",
                   message_es="ocurrió un error inesperado; quedó registrado para el equipo")


def install(app: FastAPI) -> None:
    app.add_exception_handler(WorkbenchError, _workbench_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


#: ``responses=`` for routes: the problem documents they may return, for the OpenAPI description.
def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": "Problem (RFC 9457)"} for s in statuses}
