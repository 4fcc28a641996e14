"""Run parameters: validate what the user gave against the spec, fill defaults, read values from file names."""

from __future__ import annotations

import re
from typing import Any

from workbench.engine.core.errors import ParameterError
from workbench.engine.core.spec.models import Parameter, Spec


def parse_assignments(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``["anio=2017", "mes=04"]`` -> ``{"anio": "2017", "mes": "04"}`` (from ``--param k=v``)."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"expected NAME=VALUE, got {pair!r}", message_es=f"se esperaba NOMBRE=VALOR, se recibió {pair!r}", name=pair)
        out[name.strip()] = value.strip()
    return out


def _from_filename(param: Parameter, filename: str | None) -> str | None:
    if not param.from_filename or not filename:
        return None
    match = re.search(param.from_filename, filename)
    if not match:
        return None
    named = [v for v in match.groupdict().values() if v is not None]
    if named:
        return named[0]
    return match.group(1) if match.groups() else match.group(0)


def _typed(name: str, param: Parameter, value: Any) -> Any:
    if param.type == "int":
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ParameterError(f"{value!r} is not a whole number", message_es=f"{value!r} no es un número entero", name=name) from None
        if param.minimum is not None and number < param.minimum:
            raise ParameterError(f"{number} is below the minimum {param.minimum}", message_es=f"{number} es menor que el mínimo {param.minimum}", name=name)
        if param.maximum is not None and number > param.maximum:
            raise ParameterError(f"{number} is above the maximum {param.maximum}", message_es=f"{number} es mayor que el máximo {param.maximum}", name=name)
        value = number
    else:
        value = str(value)
    if param.choices is not None and str(value) not in param.choices:
        raise ParameterError(f"{value!r} is not one of {param.choices}", message_es=f"{value!r} no es una de las opciones {param.choices}", name=name)
    return value


def resolve_params(spec: Spec, given: dict[str, Any], filename: str | None = None) -> dict[str, Any]:
    """The typed run parameters: given value, else from the file name, else the default; required ones must exist."""
    unknown = sorted(set(given) - set(spec.parameters))
    if unknown:
        declared = ", ".join(spec.parameters) or "(none)"
        raise ParameterError(
            f"unknown parameter; this spec declares: {declared}",
            message_es=f"parámetro desconocido; esta especificación declara: {declared}",
            name=", ".join(unknown),
        )
    resolved: dict[str, Any] = {}
    for name, param in spec.parameters.items():
        value = given.get(name)
        if value in (None, ""):
            value = _from_filename(param, filename)
        if value in (None, ""):
            value = param.default
        if value in (None, ""):
            if param.required:
                hint = f" (or a file name matching {param.from_filename!r})" if param.from_filename else ""
                hint_es = " o use un nombre de archivo que lo contenga" if param.from_filename else ""
                raise ParameterError(  # --param is the command line's word: the Spanish text is the web's
                    f"required; give it with --param {name}=...{hint}",
                    message_es=f"es obligatorio; escriba su valor en el campo «{name}» del formulario{hint_es}",
                    name=name,
                )
            continue
        resolved[name] = _typed(name, param, value)
    return resolved
