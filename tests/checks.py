"""Budget arithmetic used by spec tests: hierarchy sums and the RESULTADO balance."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

PROGRAM = ["partida", "capitulo", "programa"]


def _amounts(series: pd.Series) -> pd.Series:
    return series.map(lambda v: Decimal(0) if v is None or v is pd.NA else Decimal(str(v))).astype(object)


def items_vs_subtitulos(bronze: pd.DataFrame, measure: str) -> list[tuple]:
    """(program, subtítulo, subtítulo amount, Σ items) for every subtítulo whose items don't add up."""
    df = bronze.assign(_m=_amounts(bronze[measure]))
    subs = df[df["nivel"] == "subtitulo"]
    items = df[df["nivel"] == "item"]
    sums = items.groupby(PROGRAM + ["subtitulo"])["_m"].sum()
    bad = []
    for _, row in subs.iterrows():
        key = tuple(row[c] for c in PROGRAM + ["subtitulo"])
        if key in sums.index and sums.loc[key] != row["_m"]:
            bad.append((key, row["_m"], sums.loc[key]))
    return bad


def asignaciones_vs_items(bronze: pd.DataFrame, measure: str) -> list[tuple]:
    df = bronze.assign(_m=_amounts(bronze[measure]))
    items = df[df["nivel"] == "item"]
    asigs = df[df["nivel"] == "asignacion"]
    sums = asigs.groupby(PROGRAM + ["subtitulo", "item"])["_m"].sum()
    bad = []
    for _, row in items.iterrows():
        key = tuple(row[c] for c in PROGRAM + ["subtitulo", "item"])
        if key in sums.index and sums.loc[key] != row["_m"]:
            bad.append((key, row["_m"], sums.loc[key]))
    return bad


def balance(bronze: pd.DataFrame, measure: str = "ejecucion_acumulada") -> Decimal:
    """Σ subtítulos < 20 (ingresos) − Σ subtítulos >= 20 (gastos)."""
    subs = bronze[bronze["nivel"] == "subtitulo"]
    amounts = _amounts(subs[measure])
    ingresos = amounts[subs["subtitulo"].astype(int) < 20].sum()
    gastos = amounts[subs["subtitulo"].astype(int) >= 20].sum()
    return Decimal(ingresos) - Decimal(gastos)
