"""Each expectation as one readable Spanish sentence: ``monto no vacío en el 100 % de las filas``.

The dataset page, the run page, the preview's QA panel and Data Docs show an expectation with this sentence
instead of its GX name and raw kwargs (never ``mostly: None``). Every type of the catalog (GX core and ours)
has an entry in ``SENTENCES``; a unit test builds each from the catalog and checks it. Numbers use the one
es-CL formatter. No GX import here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from workbench.engine.core.numfmt import as_decimal, fmt_number, fmt_percent
from workbench.engine.core.steps.conditions import Condition
from workbench.engine.core.validation.checks import CONTROL_TOTAL, HIERARCHY

Kw = dict[str, Any]

_IGNORE_ROW_IF = {"both_values_are_missing": "se omiten las filas con ambos valores vacíos",
                  "either_value_is_missing": "se omiten las filas con algún valor vacío",
                  "all_values_are_missing": "se omiten las filas con todos los valores vacíos",
                  "any_value_is_missing": "se omiten las filas con algún valor vacío"}


def value_text(value: Any) -> str:
    """One parameter value as a reader would write it: numbers es-CL, dates dd-mm-aaaa, sí/no, lists joined."""
    if isinstance(value, bool):
        return "sí" if value else "no"
    if isinstance(value, (int, float)):
        return fmt_number(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%d-%m-%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, (list, tuple, set)):
        return ", ".join(value_text(v) for v in value) or "(ninguno)"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {value_text(v)}" for k, v in value.items() if v is not None)
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).strftime("%d-%m-%Y") if len(value) == 10 else value
        except ValueError:
            return value
    return str(value)


def _range(kw: Kw, unit: str = "") -> str:
    """``entre 1 y 10``, ``al menos 1``, ``mayor que 0``, ``como máximo 5`` (``unit`` follows each number)."""
    low, high = kw.get("min_value"), kw.get("max_value")
    lo = _counted(low, unit) if low is not None else ""
    hi = _counted(high, unit) if high is not None else ""
    if lo and hi:
        strict = kw.get("strict_min") or kw.get("strict_max")
        return f"entre {lo} y {hi}" + (" (sin incluir los extremos estrictos)" if strict else "")
    if lo:
        return f"mayor que {lo}" if kw.get("strict_min") else f"al menos {lo}"
    if hi:
        return f"menor que {hi}" if kw.get("strict_max") else f"como máximo {hi}"
    return "con cualquier valor"


def _counted(value: Any, unit: str) -> str:
    """``1 fila``, ``2 filas`` (``unit`` is ``singular|plural``; empty: the number alone)."""
    if not unit:
        return value_text(value)
    singular, _, plural = unit.partition("|")
    return f"{value_text(value)} {singular if as_decimal(value) == 1 else plural or singular}"


def _share_range(kw: Kw) -> str:
    shares = {k: fmt_percent(kw[k]) if as_decimal(kw.get(k)) is not None else None
              for k in ("min_value", "max_value")}
    low, high = shares["min_value"], shares["max_value"]
    if low and high:
        return f"entre {low} y {high}"
    return f"al menos {low}" if low else f"como máximo {high}" if high else "cualquiera"


def _set(kw: Kw, key: str = "value_set") -> str:
    return value_text(kw.get(key) or [])


def _cols(kw: Kw, key: str = "column_list") -> str:
    return ", ".join(str(c) for c in kw.get(key) or []) or "(ninguna)"


def _col(kw: Kw, key: str = "column") -> str:
    return str(kw.get(key) or "?")


def _stat(name: str) -> Callable[[Kw], str]:
    return lambda kw: f"{name} de {_col(kw)} está {_range(kw)}"


def _pattern_list(kw: Kw, key: str) -> str:
    which = "todos" if kw.get("match_on") == "all" else "alguno"
    return f"{which} de los patrones {', '.join(f'«{p}»' for p in kw.get(key) or [])}"


def _quantiles(kw: Kw) -> str:
    ranges = kw.get("quantile_ranges") or {}
    parts = [f"cuantil {value_text(q)} {_range({'min_value': r[0], 'max_value': r[1]})}"
             for q, r in zip(ranges.get("quantiles") or [], ranges.get("value_ranges") or []) if len(r) == 2]
    return f"los cuantiles de {_col(kw)} están en sus rangos: " + ("; ".join(parts) or "(sin rangos)")


def _pair_greater(kw: Kw) -> str:
    op = "mayor o igual que" if kw.get("or_equal") else "mayor que"
    return f"{_col(kw, 'column_A')} es {op} {_col(kw, 'column_B')}"


def _pairs(kw: Kw) -> str:
    pairs = ", ".join(f"({value_text(a)}, {value_text(b)})" for a, b in
                      (p for p in kw.get("value_pairs_set") or [] if len(p) == 2))
    return f"el par ({_col(kw, 'column_A')}, {_col(kw, 'column_B')}) es uno de: {pairs or '(ninguno)'}"


def _columns_set(kw: Kw) -> str:
    if kw.get("exact_match") is False:
        return f"la tabla incluye las columnas {_cols(kw, 'column_set')}"
    return f"las columnas de la tabla son exactamente {_cols(kw, 'column_set')}"


def _exists(kw: Kw) -> str:
    at = kw.get("column_index")
    return f"existe la columna {_col(kw)}" + (f" en la posición {value_text(at + 1)}" if isinstance(at, int) else "")


def _hierarchy(kw: Kw) -> str:
    levels = [str(x) for x in kw.get("levels") or []]
    parents = [str(x) for x in kw.get("parents") or levels[:-1]]
    pairs = [f"cada {p} es la suma de sus {levels[levels.index(p) + 1]}" for p in parents
             if p in levels and levels.index(p) + 1 < len(levels)]
    measures = kw.get("measures") or ([kw["value_column"]] if kw.get("value_column") else [])
    text = " y ".join(pairs) or "cada total es la suma de sus hijos"
    text += f", en {', '.join(map(str, measures))}" if measures else ""
    if kw.get("group_by"):
        text += f" (dentro de cada {', '.join(map(str, kw['group_by']))})"
    tolerance = as_decimal(kw.get("tolerance"))
    return text + (f", con tolerancia {fmt_number(tolerance)}" if tolerance else "")


def _condition(where: Any) -> str:
    if not where:
        return ""
    try:
        return Condition.model_validate(where).describe()
    except ValueError:
        return value_text(where)


def _control_total(kw: Kw) -> str:
    terms = []
    for n, term in enumerate(kw.get("terms") or []):
        sign = "menos " if term.get("sign") == -1 else ("más " if n else "")
        where = _condition(term.get("where"))
        terms.append(f"{sign}la suma de {term.get('column', '?')}" + (f" donde {where}" if where else ""))
    tolerance = as_decimal(kw.get("tolerance"))
    return (" ".join(terms) + f" es igual al total de control «{kw.get('control', '?')}» del archivo"
            + (f", con tolerancia {fmt_number(tolerance)}" if tolerance else ""))


#: type -> (sentence from kwargs, whether it is about rows: then ``mostly`` becomes "en el N % de las filas").
SENTENCES: dict[str, tuple[Callable[[Kw], str], bool]] = {
    "expect_column_distinct_values_to_be_in_set":
        (lambda kw: f"los valores distintos de {_col(kw)} están todos en: {_set(kw)}", False),
    "expect_column_distinct_values_to_contain_set":
        (lambda kw: f"los valores distintos de {_col(kw)} incluyen: {_set(kw)}", False),
    "expect_column_distinct_values_to_equal_set":
        (lambda kw: f"los valores distintos de {_col(kw)} son exactamente: {_set(kw)}", False),
    "expect_column_kl_divergence_to_be_less_than":
        (lambda kw: f"la distribución de {_col(kw)} se parece a la de referencia (divergencia KL menor que "
                    f"{value_text(kw.get('threshold', 0))})", False),
    "expect_column_max_to_be_between": (_stat("el máximo"), False),
    "expect_column_mean_to_be_between": (_stat("el promedio"), False),
    "expect_column_median_to_be_between": (_stat("la mediana"), False),
    "expect_column_min_to_be_between": (_stat("el mínimo"), False),
    "expect_column_stdev_to_be_between": (_stat("la desviación estándar"), False),
    "expect_column_sum_to_be_between": (_stat("la suma"), False),
    "expect_column_most_common_value_to_be_in_set":
        (lambda kw: f"el valor más frecuente de {_col(kw)} es uno de: {_set(kw)}"
                    + (" (se aceptan empates)" if kw.get("ties_okay") else ""), False),
    "expect_column_pair_values_a_to_be_greater_than_b": (_pair_greater, True),
    "expect_column_pair_values_to_be_equal":
        (lambda kw: f"{_col(kw, 'column_A')} es igual a {_col(kw, 'column_B')}", True),
    "expect_column_pair_values_to_be_in_set": (_pairs, True),
    "expect_column_proportion_of_non_null_values_to_be_between":
        (lambda kw: f"la proporción de filas con {_col(kw)} no vacío está {_share_range(kw)}", False),
    "expect_column_proportion_of_unique_values_to_be_between":
        (lambda kw: f"la proporción de valores distintos de {_col(kw)} está {_share_range(kw)}", False),
    "expect_column_quantile_values_to_be_between": (_quantiles, False),
    "expect_column_to_exist": (_exists, False),
    "expect_column_type_to_be": (lambda kw: f"la columna {_col(kw)} es de tipo {kw.get('type_', '?')}", False),
    "expect_column_unique_value_count_to_be_between":
        (lambda kw: f"{_col(kw)} tiene {_range(kw)} valores distintos", False),
    "expect_column_value_lengths_to_be_between":
        (lambda kw: f"el largo de {_col(kw)} está {_range(kw, 'carácter|caracteres')}", True),
    "expect_column_value_lengths_to_equal":
        (lambda kw: f"{_col(kw)} tiene exactamente {_counted(kw.get('value'), 'carácter|caracteres')}", True),
    "expect_column_value_z_scores_to_be_less_than":
        (lambda kw: f"el puntaje z de {_col(kw)}{' en valor absoluto' if kw.get('double_sided') else ''} es menor "
                    f"que {value_text(kw.get('threshold'))}", True),
    "expect_column_values_to_be_between": (lambda kw: f"{_col(kw)} está {_range(kw)}", True),
    "expect_column_values_to_be_dateutil_parseable": (lambda kw: f"{_col(kw)} es una fecha reconocible", True),
    "expect_column_values_to_be_decreasing":
        (lambda kw: f"{_col(kw)} {'disminuye estrictamente' if kw.get('strictly') else 'no aumenta'} de una fila "
                    "a la siguiente", True),
    "expect_column_values_to_be_increasing":
        (lambda kw: f"{_col(kw)} {'aumenta estrictamente' if kw.get('strictly') else 'no disminuye'} de una fila "
                    "a la siguiente", True),
    "expect_column_values_to_be_in_set": (lambda kw: f"{_col(kw)} es uno de: {_set(kw)}", True),
    "expect_column_values_to_not_be_in_set": (lambda kw: f"{_col(kw)} no es ninguno de: {_set(kw)}", True),
    "expect_column_values_to_be_in_type_list":
        (lambda kw: f"{_col(kw)} es de alguno de los tipos: {_set(kw, 'type_list')}" if kw.get("type_list")
         else f"{_col(kw)} es de cualquier tipo", True),
    "expect_column_values_to_be_of_type": (lambda kw: f"{_col(kw)} es de tipo {kw.get('type_', '?')}", True),
    "expect_column_values_to_be_json_parseable": (lambda kw: f"{_col(kw)} es un texto JSON válido", True),
    "expect_column_values_to_match_json_schema":
        (lambda kw: f"{_col(kw)} es un JSON que cumple el esquema dado", True),
    "expect_column_values_to_be_null": (lambda kw: f"{_col(kw)} vacío", True),
    "expect_column_values_to_not_be_null": (lambda kw: f"{_col(kw)} no vacío", True),
    "expect_column_values_to_be_unique": (lambda kw: f"{_col(kw)} no se repite", True),
    "expect_column_values_to_match_like_pattern":
        (lambda kw: f"{_col(kw)} cumple el patrón LIKE «{kw.get('like_pattern', '')}»", True),
    "expect_column_values_to_not_match_like_pattern":
        (lambda kw: f"{_col(kw)} no cumple el patrón LIKE «{kw.get('like_pattern', '')}»", True),
    "expect_column_values_to_match_like_pattern_list":
        (lambda kw: f"{_col(kw)} cumple {_pattern_list(kw, 'like_pattern_list')}", True),
    "expect_column_values_to_not_match_like_pattern_list":
        (lambda kw: f"{_col(kw)} no cumple ninguno de los patrones "
                    f"{', '.join(f'«{p}»' for p in kw.get('like_pattern_list') or [])}", True),
    "expect_column_values_to_match_regex":
        (lambda kw: f"{_col(kw)} cumple la expresión regular «{kw.get('regex') or '.*'}»", True),
    "expect_column_values_to_not_match_regex":
        (lambda kw: f"{_col(kw)} no cumple la expresión regular «{kw.get('regex', '')}»", True),
    "expect_column_values_to_match_regex_list":
        (lambda kw: f"{_col(kw)} cumple {_pattern_list(kw, 'regex_list')}", True),
    "expect_column_values_to_not_match_regex_list":
        (lambda kw: f"{_col(kw)} no cumple ninguna de las expresiones regulares "
                    f"{', '.join(f'«{p}»' for p in kw.get('regex_list') or [])}", True),
    "expect_column_values_to_match_strftime_format":
        (lambda kw: f"{_col(kw)} es una fecha con el formato «{kw.get('strftime_format', '')}»", True),
    "expect_column_values_to_not_be_outliers":
        (lambda kw: f"{_col(kw)} no tiene valores atípicos (método {kw.get('method') or 'iqr'}"
                    + (f", multiplicador {value_text(kw['multiplier'])}" if kw.get("multiplier") is not None else "")
                    + ")", True),
    "expect_compound_columns_to_be_unique":
        (lambda kw: f"la combinación de {_cols(kw)} no se repite", True),
    "expect_select_column_values_to_be_unique_within_record":
        (lambda kw: f"{_cols(kw)} tienen valores distintos entre sí en cada fila", True),
    "expect_multicolumn_sum_to_equal":
        (lambda kw: f"{' + '.join(map(str, kw.get('column_list') or [])) or '?'} suma "
                    f"{value_text(kw.get('sum_total'))} en cada fila", True),
    "expect_multicolumn_values_to_be_equal":
        (lambda kw: f"{_cols(kw)} tienen el mismo valor en cada fila", True),
    "expect_query_results_to_match_comparison":
        (lambda kw: f"la consulta «{kw.get('base_query', '')}» da el mismo resultado que «"
                    f"{kw.get('comparison_query', '')}» en la fuente {kw.get('comparison_data_source_name', '?')}",
         True),
    "expect_table_column_count_to_be_between": (lambda kw: f"la tabla tiene {_range(kw, 'columna|columnas')}", False),
    "expect_table_column_count_to_equal":
        (lambda kw: f"la tabla tiene exactamente {_counted(kw.get('value'), 'columna|columnas')}", False),
    "expect_table_columns_to_match_ordered_list":
        (lambda kw: f"las columnas de la tabla son, en este orden: {_cols(kw)}", False),
    "expect_table_columns_to_match_set": (_columns_set, False),
    "expect_table_row_count_to_be_between": (lambda kw: f"la tabla tiene {_range(kw, 'fila|filas')}", False),
    "expect_table_row_count_to_equal":
        (lambda kw: f"la tabla tiene exactamente {_counted(kw.get('value'), 'fila|filas')}", False),
    "expect_table_row_count_to_equal_other_table":
        (lambda kw: f"la tabla tiene tantas filas como {kw.get('other_table_name', '?')}", False),
    "unexpected_rows_expectation":
        (lambda kw: f"ninguna fila resulta de la consulta «{kw.get('unexpected_rows_query', '')}»", False),
    HIERARCHY: (_hierarchy, True),
    CONTROL_TOTAL: (_control_total, False),
}


def sentence(type_: str, kwargs: Kw | None = None, mostly: float | None = None) -> str:
    """The expectation as a Spanish sentence. A row check says on what share of the rows it must hold
    (``mostly``; all of them without it); a row condition says which rows it looks at."""
    kw = {k: v for k, v in (kwargs or {}).items() if v is not None}
    entry = SENTENCES.get(type_)
    if entry is None:  # a type removed since an old run: still readable, never GX's snake_case name alone
        shown = "; ".join(f"{k}: {value_text(v)}" for k, v in kw.items())
        return f"control «{type_}»" + (f" ({shown})" if shown else "")
    build, rows = entry
    text = build(kw)
    if rows:
        text += f" en el {fmt_percent(1 if mostly is None else mostly)} de las filas"
        if type_ == HIERARCHY:
            text = text.replace("de las filas", "de los totales")
    if kw.get("ignore_row_if") in _IGNORE_ROW_IF:
        text += f" ({_IGNORE_ROW_IF[kw['ignore_row_if']]})"
    if kw.get("row_condition"):
        text = f"en las filas donde {kw['row_condition']}: {text}"
    return text


__all__ = ["SENTENCES", "sentence", "value_text"]
