"""Typed, user-fixable errors. Bugs are not wrapped: only problems a user can fix are WorkbenchErrors.

Every error is data: a stable ``code``, an English message (CLI, API, logs), a Spanish message (UI) and
``details`` that locate the problem (file, sheet, row, column, layer, step, spec line). One boundary per
process turns them into a CLI message, an HTTP problem document or a failed run record (``to_dict``).
"""

from __future__ import annotations

from typing import Any


#: What kind of problem an error is, saying nothing about HTTP (``api/problems.py`` maps each kind to a status).
KINDS = ("invalid", "not-found", "unauthenticated", "forbidden", "conflict", "too-large", "unsupported-media",
         "too-many-requests", "unavailable", "storage-full", "internal")


class WorkbenchError(Exception):
    """Base class: a problem in the user's input (file, spec, parameters) that the user can fix."""

    code = "workbench-error"
    kind = "invalid"  # one of KINDS: the input is wrong and the user can fix it
    title = "Workbench error"
    template = "{message}"
    template_es = "{message}"

    def __init__(self, message: str | None = None, **details: Any) -> None:
        if message is not None:
            details["message"] = message
        self.details = details
        super().__init__(self.message)

    def _render(self, template: str, lang: str = "en") -> str:
        try:
            text = template.format(**self.details)
        except (KeyError, IndexError, ValueError):
            text = self.details.get("message", self.title)
        location = self._location(lang)
        return f"{location}: {text}" if location else text

    def _location(self, lang: str) -> str:
        """Human location prefix: ``file.csv sheet 'Hoja1' row 12 column C`` (Spanish: hoja, fila, columna)."""
        d = self.details
        words = {"sheet": "hoja", "row": "fila", "column": "columna"} if lang == "es" else {}
        parts = []
        if d.get("file"):
            parts.append(str(d["file"]))
        if d.get("sheet") not in (None, ""):
            parts.append(f"{words.get('sheet', 'sheet')} '{d['sheet']}'")
        for key in ("row", "column"):
            if d.get(key) is not None:
                parts.append(f"{words.get(key, key)} {d[key]}")
        return " ".join(parts)

    @property
    def location(self) -> str:
        return self._location("en")

    @property
    def message(self) -> str:
        return self._render(self.template)

    @property
    def message_es(self) -> str:
        return self._render(self.template_es, "es")

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON error shape (pinned by tests/unit/test_error_shape.py)."""
        details = {k: v for k, v in self.details.items() if k != "message"}
        return {
            "code": self.code,
            "title": self.title,
            "message": self.message,
            "message_es": self.message_es,
            "details": _jsonable(details),
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


# --- spec errors -------------------------------------------------------------------------------------


class SpecError(WorkbenchError):
    """A spec that cannot be loaded. ``problems`` holds every problem found, each located by
    ``line`` and field ``path`` (``specs/x.yaml:14 layers.silver[2].mapping: ...``)."""

    code = "spec-invalid"
    title = "Invalid spec"
    template = "{message}"
    template_es = "{message_es}"

    def __init__(self, message: str, *, message_es: str | None = None, **details: Any):
        super().__init__(message, message_es=message_es or message, **details)


class SpecNotFoundError(WorkbenchError):
    code = "spec-not-found"
    kind = "not-found"
    title = "Spec not found"
    template = "no spec named '{name}' (looked in {where})"
    template_es = "no existe la especificación '{name}' (buscada en {where})"


# --- file / reader errors -------------------------------------------------------------------------


class FileFormatError(WorkbenchError):
    code = "file-format"
    title = "Unsupported or disguised file"
    template = "{message}"
    template_es = "{message_es}"


class EmptyFileError(WorkbenchError):
    code = "file-empty"
    title = "Empty file"
    template = "the file is empty (0 bytes)"
    template_es = "el archivo está vacío (0 bytes)"


class EncodingError(WorkbenchError):
    code = "file-encoding"
    title = "Text encoding problem"
    template = "cannot decode the file as {encoding}: {reason}"
    template_es = "no se puede decodificar el archivo como {encoding}: {reason}"


class SheetNotFoundError(WorkbenchError):
    code = "sheet-not-found"
    title = "Sheet not found"
    template = "the workbook has no sheet {wanted!r}; its sheets are: {available}"
    template_es = "el libro no tiene la hoja {wanted!r}; sus hojas son: {available}"


class HeaderNotFoundError(WorkbenchError):
    code = "header-not-found"
    title = "Header row not found"
    template = "no row among the first {searched} contains all of {labels}"
    template_es = "ninguna de las primeras {searched} filas contiene todas las etiquetas {labels}"


class WorkbookError(WorkbenchError):
    code = "workbook-unreadable"
    title = "Workbook cannot be read"
    template = "the workbook cannot be read ({reason})"
    template_es = "no se puede leer el libro ({reason})"


# --- pipeline errors -----------------------------------------------------------------------------


class ParameterError(WorkbenchError):
    code = "parameter-invalid"
    title = "Invalid run parameter"
    template = "parameter '{name}': {message}"
    template_es = "parámetro '{name}': {message_es}"


class ColumnNotFoundError(WorkbenchError):
    code = "column-not-found"
    title = "Column not found"
    template = "step {step} ({layer}): column {missing} not found; available columns: {available}"
    template_es = "paso {step} ({layer}): no existe la columna {missing}; columnas disponibles: {available}"


class StepError(WorkbenchError):
    """A step met data it cannot handle under the spec's policy (bad number, unmapped category, ...)."""

    code = "step-failed"
    title = "Transformation step failed"
    template = "step {step} ({layer}): {message}"
    template_es = "paso {step} ({layer}): {message_es}"

    def __init__(self, message: str, *, message_es: str | None = None, **details: Any):
        details.setdefault("step", "?")
        details.setdefault("layer", "?")
        super().__init__(message, message_es=message_es or message, **details)


__all__ = [
    "ColumnNotFoundError",
    "EmptyFileError",
    "EncodingError",
    "FileFormatError",
    "HeaderNotFoundError",
    "ParameterError",
    "SheetNotFoundError",
    "SpecError",
    "SpecNotFoundError",
    "StepError",
    "WorkbenchError",
    "WorkbookError",
]


# --- appended by the readers (subclasses: `except WorkbookError` / `except HeaderNotFoundError` still catch them) ---


class EncryptedWorkbookError(WorkbookError):
    code = "workbook-encrypted"
    title = "Workbook is password-protected"
    template = "the workbook is encrypted or password-protected ({kind}); save a copy without a password and try again"
    template_es = "el libro está cifrado o protegido con contraseña ({kind}); guarde una copia sin contraseña e intente de nuevo"


class CorruptWorkbookError(WorkbookError):
    code = "workbook-corrupt"
    title = "Workbook is damaged or truncated"
    template = "the {format} workbook is damaged or truncated ({reason})"
    template_es = "el libro {format} está dañado o incompleto ({reason})"


class HeaderRowError(HeaderNotFoundError):
    code = "header-row-missing"
    title = "Header row not in the file"
    template = "the header row {wanted} is not in the file ({extent})"
    template_es = "la fila de encabezado {wanted} no está en el archivo ({extent_es})"


__all__ += ["CorruptWorkbookError", "EncryptedWorkbookError", "HeaderRowError"]


class RedisUnavailableError(WorkbenchError):
    code = "redis-unavailable"
    kind = "unavailable"
    title = "Redis unavailable"
    template = "Redis is not reachable at {where}: {reason}"
    template_es = "Redis no responde en {where}: {reason}"


# --- what a stored record may say (run records are readable by every viewer) ----------------------------


#: Failures on the server's side (a dependency down, the server's own files, settings or schema). Their messages
#: may name hosts, sockets, paths or a driver's text, so a record a client can read keeps only a generic text per
#: code; the log keeps the rest. An error class whose messages are safe as they are sets ``public = True``.
SERVER_SIDE: dict[str, tuple[str, str]] = {
    "internal-error": ("internal error; it was logged for the team", "error interno; quedó registrado para el equipo"),
    "database-unavailable": ("the database was not reachable", "la base de datos no respondía"),
    "database-not-migrated": ("the database schema was not current", "la base de datos no tenía el esquema al día"),
    "database-migration": ("a database migration failed", "falló una migración de la base de datos"),
    "redis-unavailable": ("the queue service (Redis) was not reachable", "el servicio de colas (Redis) no respondía"),
    "file-store": ("the server's file store failed", "falló el almacén de archivos del servidor"),
    "storage-unavailable": ("the object storage was not reachable", "el almacenamiento de objetos no respondía"),
    "settings-invalid": ("the server's settings are invalid", "la configuración del servidor no es válida"),
}


def record_of(exc: BaseException, *, reference: str | None = None) -> dict[str, Any]:
    """The error to store on a run record: a user error as it is (``to_dict``); a server-side failure or a bug as
    its code with a generic English and Spanish text (``reference`` ties it to the log line with the detail)."""
    if isinstance(exc, WorkbenchError) and (exc.code not in SERVER_SIDE or getattr(exc, "public", False)):
        return exc.to_dict()
    code = exc.code if isinstance(exc, WorkbenchError) else "internal-error"
    title = exc.title if isinstance(exc, WorkbenchError) else "Internal error"
    return _generic({"code": code, "title": title}, reference)


def public_record(error: dict[str, Any] | None) -> dict[str, Any] | None:
    """A stored error as clients may read it: records written before ``record_of`` kept a bug's text
    (``ConnectionError: Error 2 connecting to /…/redis.sock``) or a server's address (details ``where``)."""
    if not error or error.get("code") not in SERVER_SIDE:
        return error
    details = error.get("details") or {}
    if error["code"] != "internal-error" and not {"where", "reason", "path"} & set(details):
        return error  # written by record_of, or by an error whose messages are ``public``
    return _generic(error, details.get("reference"))


def _generic(error: dict[str, Any], reference: str | None) -> dict[str, Any]:
    message, message_es = SERVER_SIDE[error["code"]]
    if reference:
        message, message_es = f"{message} (reference {reference})", f"{message_es} (referencia {reference})"
    return {**error, "message": message, "message_es": message_es,
            "details": {"reference": reference} if reference else {}}


__all__ += ["SERVER_SIDE", "public_record", "record_of"]


class UploadTooLargeError(WorkbenchError):
    """A file larger than the configured upload limit, from the REST API or the web form."""

    code = "upload-too-large"
    kind = "too-large"
    title = "Upload too large"
    template = "the upload is larger than the limit of {limit:,} bytes"
    template_es = "el archivo supera el máximo de {limit_es} bytes; suba un archivo más pequeño"

    def __init__(self, *, limit: int) -> None:
        super().__init__(limit=limit, limit_es=f"{limit:,}".replace(",", "."))

