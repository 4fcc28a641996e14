"""Multipart uploads bounded while streaming: the body is read in chunks and refused (413) as soon as it
passes the configured limit, so a huge upload is never buffered. Form fields become plain strings."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, AsyncIterator

from fastapi import Request
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from workbench.engine.api import ParameterError, UploadTooLargeError, WorkbenchError, sanitize_filename

#: Room for the multipart envelope (boundaries, part headers, the other fields) beyond the file itself.
FORM_OVERHEAD_BYTES = 64 * 1024
#: Form fields accepted besides the file.
MAX_FIELDS = 200


class UploadFormError(WorkbenchError):
    code = "upload-invalid"
    title = "Invalid upload"
    template = "{message}"
    template_es = "{message_es}"


class UnsupportedMediaTypeError(WorkbenchError):
    code = "unsupported-media-type"
    kind = "unsupported-media"
    title = "Unsupported media type"
    template = "send the file as multipart/form-data (got {got!r})"
    template_es = "envíe el archivo como multipart/form-data (se recibió {got!r})"


@dataclass
class Upload:
    filename: str
    data: bytes
    fields: dict[str, list[str]] = field(default_factory=dict)

    def one(self, name: str) -> str | None:
        values = self.fields.get(name)
        return values[-1] if values else None


async def _bounded(stream: AsyncIterator[bytes], limit: int, file_limit: int) -> AsyncIterator[bytes]:
    total = 0
    async for chunk in stream:
        total += len(chunk)
        if total > limit:
            raise UploadTooLargeError(limit=file_limit)
        yield chunk


async def read_upload(request: Request, *, max_bytes: int, file_field: str = "file") -> Upload:
    """The uploaded file (at most ``max_bytes``) and the other form fields. 413 before reading anything when
    the declared length is already too large; 413 as soon as the streamed body passes the limit."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        raise UnsupportedMediaTypeError(got=content_type.split(";")[0])
    limit = max_bytes + FORM_OVERHEAD_BYTES
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise UploadTooLargeError(limit=max_bytes)
    parser = MultiPartParser(request.headers, _bounded(request.stream(), limit, max_bytes), max_files=1,
                             max_fields=MAX_FIELDS)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise UploadFormError(f"malformed multipart body: {exc.message}",
                              message_es=f"cuerpo multipart inválido: {exc.message}") from None
    fields: dict[str, list[str]] = {}
    upload: UploadFile | None = None
    try:
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                upload = value if name == file_field else upload
            else:
                fields.setdefault(name, []).append(value)
        if upload is None:
            raise UploadFormError(f"the form has no {file_field!r} file part",
                                  message_es=f"el formulario no trae el archivo {file_field!r}", field=file_field)
        data = await upload.read()
    finally:
        await form.close()
    if len(data) > max_bytes:
        raise UploadTooLargeError(limit=max_bytes)
    # only a clean base name: some browsers send a full client path, and the name feeds parameters, records,
    # messages and headers (no ../, NUL, control characters or 10,000-character names)
    return Upload(filename=sanitize_filename(upload.filename), data=data, fields=fields)


TRUE, FALSE = ("1", "true", "yes", "on"), ("", "0", "false", "no", "off")
#: A dataset slug (a spec's file stem), as the form field must give it.
SLUG = r"^[a-z][a-z0-9_]{0,62}$"


def flag(value: str | None, name: str = "force") -> bool:
    """A form checkbox: true/1/yes/on, false/0/no/off or empty; anything else is refused (not read as false)."""
    text = (value or "").strip().lower()
    if text not in TRUE + FALSE:
        raise UploadFormError(f"{name!r} must be true or false", message_es=f"{name!r} debe ser true o false",
                              field=name)
    return text in TRUE


def sheet_of(value: str | None) -> int | str | None:
    """A workbook sheet from a form: digits are a 0-based index, other text a name, empty or missing none."""
    return int(value) if value is not None and value.isdigit() else (value or None)


def dataset_of(upload: Upload, *, required: bool) -> str | None:
    """The form's dataset slug: missing is an error only when ``required``; an empty field is always one (it
    is neither a slug nor "no dataset"). Any other text goes to the spec lookup, which answers spec-not-found."""
    slug = upload.one("dataset")
    if slug is None and not required:
        return None
    if not slug:
        raise UploadFormError("the form's 'dataset' field is missing or empty",
                              message_es="falta el campo 'dataset' o está vacío", field="dataset")
    return slug


def params_of(upload: Upload, name: str = "params") -> dict[str, Any]:
    """Run parameters from the form: one JSON object (``params={"anio": 2017}``) or repeated ``NAME=VALUE``
    fields (``params=anio=2017``)."""
    values = [v for v in upload.fields.get(name, []) if v.strip()]  # an empty field: no parameters
    if len(values) == 1 and values[0].lstrip().startswith("{"):
        try:
            parsed = json.loads(values[0])
        except json.JSONDecodeError as exc:
            raise ParameterError(f"not a JSON object: {exc.msg} at character {exc.pos}",
                                 message_es=f"no es un objeto JSON: {exc.msg} en el carácter {exc.pos}",
                                 name=name) from None
        except (ValueError, RecursionError):  # an integer of 5,000 digits, arrays nested 100,000 deep
            raise ParameterError("not a usable JSON object (a number too long or nesting too deep)",
                                 message_es="no es un objeto JSON utilizable (un número demasiado largo o "
                                 "anidamiento demasiado profundo)", name=name) from None
        if not isinstance(parsed, dict) or not all(isinstance(v, (str, int)) for v in parsed.values()):
            raise ParameterError("give a JSON object of text or whole-number values",
                                 message_es="indique un objeto JSON con valores de texto o números enteros", name=name)
        return parsed
    out: dict[str, Any] = {}
    for pair in values:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ParameterError(f"expected NAME=VALUE or a JSON object, got {pair!r}",
                                 message_es=f"se esperaba NOMBRE=VALOR o un objeto JSON, se recibió {pair!r}", name=name)
        out[key.strip()] = value.strip()
    return out


#: OpenAPI request bodies of the upload routes (parsed by ``read_upload``, not by FastAPI).
def multipart_body(*extra: tuple[str, dict[str, Any]], dataset_required: bool = True) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "file": {"type": "string", "format": "binary", "description": "The RAW file (CSV or Excel)."},
        "dataset": {"type": "string", "pattern": SLUG, "description": "Dataset slug."},
        "params": {"type": "string", "description": 'Run parameters: a JSON object ({"anio": 2017}) or '
                                                    "repeated NAME=VALUE fields."},
    }
    properties.update(dict(extra))
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file", "dataset"] if dataset_required else ["file"],
        "properties": properties}}}}}
