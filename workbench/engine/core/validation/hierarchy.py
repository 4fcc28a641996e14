"""``expect_hierarchy_consistency``: children add up to their parent, per measure, exactly.

DIPRES budget rows mix levels in one table: a subtítulo row, then its items, then each item's asignaciones.
A parent at level k must equal the sum of its children at level k+1 (same group columns, same codes up to
level k). Sums are pyarrow decimal sums (exact); a parent without children is not checked. Works on the wide
bronze shape (``measures: [presupuesto_inicial, ...]``) and on the long silver shape (``measure_column: medida``,
``value_column: monto``: the measure becomes part of the key). Pure pyarrow: the GX adapter calls it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Callable, ClassVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, ConfigDict, Field, model_validator

from workbench.engine.core.validation.frames import EXACT, arrow_column, exact, require

POSITION = "__position"
MISSING = "\x00"  # stands for a missing key value
KEY = "__key"
KEY_LIMIT = 2**62
#: Amounts are summed as decimal256 of this precision: any sum and difference of decimal128 values fits exactly
#: (decimal128 sums could overflow; arrow widens a difference by one digit).
WIDE_PRECISION = 70


class HierarchyKwargs(BaseModel):
    """Arguments of expect_hierarchy_consistency."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    supports_mostly: ClassVar[bool] = True

    levels: list[str] = Field(min_length=2, description="Code columns from the top level down, e.g. "
                              "[subtitulo, item, asignacion]; each is also a value of `level_column`.")
    level_column: str = Field(default="nivel", description="The column naming each row's level.")
    parents: list[str] | None = Field(default=None, description="Levels checked as parents (default: all but the "
                                      "last); e.g. [item] checks only asignaciones against their item.")
    group_by: list[str] = Field(default_factory=list, description="Columns a parent and its children share "
                                "besides the codes, e.g. [partida, capitulo, programa, moneda].")
    measures: list[str] | None = Field(default=None, min_length=1, description="Wide shape: the amount columns.")
    measure_column: str | None = Field(default=None, description="Long shape: the column naming the measure.")
    value_column: str | None = Field(default=None, description="Long shape: the amount column.")
    tolerance: Decimal = Field(default=Decimal(0), ge=0, description="Allowed absolute difference (exact decimal).")

    @model_validator(mode="after")
    def _shape(self) -> HierarchyKwargs:
        long = self.measure_column is not None or self.value_column is not None
        if long == (self.measures is not None):
            raise ValueError("give either `measures` (wide) or `measure_column` + `value_column` (long)")
        if long and (self.measure_column is None or self.value_column is None):
            raise ValueError("the long shape needs both `measure_column` and `value_column`")
        unknown = [p for p in self.parents or [] if p not in self.levels[:-1]]
        if unknown:
            raise ValueError(f"`parents` must be levels that have children: {self.levels[:-1]} (got {unknown})")
        return self

    @property
    def parent_levels(self) -> list[str]:
        return self.parents or self.levels[:-1]

    def columns(self) -> list[str]:
        extra = self.measures or [self.measure_column, self.value_column]
        return [self.level_column, *self.levels, *self.group_by, *extra]  # type: ignore[list-item]


@dataclass
class Mismatch:
    """One parent row (0-based position) whose children do not add up for one measure."""

    position: int
    measure: str
    parent_value: Decimal
    children_sum: Decimal
    difference: Decimal
    children: int

    def to_dict(self) -> dict[str, object]:
        return {"position": self.position, "measure": self.measure, "parent_value": str(self.parent_value),
                "children_sum": str(self.children_sum), "difference": str(self.difference), "children": self.children}


@dataclass
class HierarchyOutcome:
    parents_checked: int  # (parent row, measure) pairs that have children
    mismatches: list[Mismatch]


def check_hierarchy(df: pd.DataFrame, kw: HierarchyKwargs, scales: dict[str, int] | None = None,
                    encoder: KeyEncoder | None = None) -> HierarchyOutcome:
    """Every (parent, measure) whose children's exact sum differs from it by more than the tolerance.
    ``df`` is positional (0..n-1); ``scales`` names float64 columns holding decimals (see frames.gx_frame);
    ``encoder`` (over the same rows) may be shared by several checks of one table: each key column is then
    encoded once."""
    require(df, kw.columns(), "expect_hierarchy_consistency")
    scales = scales or {}
    long = kw.measures is None
    values = [kw.value_column] if long else list(kw.measures)  # type: ignore[list-item]
    amounts = {v: arrow_column(df[v], scales.get(v)) for v in values}
    scale = max([_scale(a.type) for a in amounts.values()] + [-int(kw.tolerance.as_tuple().exponent), 0])
    wide: pa.DataType = pa.decimal256(WIDE_PRECISION, scale)
    units = _units(amounts, scale)
    if units is not None:  # every amount, sum and difference fits int64 exactly: no decimal256 arithmetic
        amounts, wide = units, pa.int64()
    shown = [kw.measure_column] if long else []
    table = pa.table({**{c: _key(df[c]) for c in [kw.level_column, *shown]}, **amounts, POSITION: np.arange(len(df))})
    tolerance = pa.scalar(kw.tolerance, wide) if units is None else \
        pa.scalar(int(kw.tolerance.scaleb(scale, EXACT)), wide)
    levels, encoder = table[kw.level_column], encoder or KeyEncoder(df.__getitem__)
    checked, found = 0, []
    for depth, parent_level in enumerate(kw.levels[:-1]):
        if parent_level not in kw.parent_levels:
            continue
        keys = [*kw.group_by, *kw.levels[: depth + 1], *shown]
        keyed, on = encoder.keyed(table, keys)
        # only the two levels' rows are widened to exact decimal256 (a cast over the whole table costs more)
        parents = keyed.filter(pc.equal(levels, parent_level))
        parents = _widen(parents.select(list(dict.fromkeys([POSITION, *on, *shown, *values]))), values, wide)
        children = _widen(keyed.filter(pc.equal(levels, kw.levels[depth + 1])).select([*on, *values]), values, wide)
        sums = children.group_by(on, use_threads=False).aggregate([(v, "sum") for v in values] + [([], "count_all")])
        sums = sums.rename_columns({**{f"{v}_sum": f"{v}__sum" for v in values}, "count_all": "__children"})
        sums = sums.cast(pa.schema([f.with_type(wide) if f.name.endswith("__sum") else f for f in sums.schema]))
        joined = _inner_join(parents, sums, on)
        for value in values:
            n, bad = _compare(joined, value, tolerance)
            checked += n
            if len(bad):
                found += _mismatches(joined.take(bad), value, kw.measure_column if long else None, scale)
    found.sort(key=lambda m: (m.position, m.measure))
    return HierarchyOutcome(checked, found)


class KeyEncoder:
    """Key columns as one int64 per row (each column dictionary-encoded once, codes combined in mixed radix):
    grouping and joining on one integer is several times faster than on seven text columns. Falls back to
    the text columns when the combined code would not fit in 63 bits. ``column`` gives a key column by name."""

    def __init__(self, column: Callable[[str], pd.Series],
                 shared: Callable[[str], tuple[np.ndarray, int] | None] | None = None) -> None:
        self.column = column
        self.shared = shared  # codes another check of the table already computed the same way (or None)
        self.codes: dict[str, tuple[np.ndarray, int]] = {}

    def _code(self, column: str) -> tuple[np.ndarray, int]:
        """(code per row, number of codes): the column as text, dictionary-encoded, missing values one code of
        their own (``null_encoding="encode"``)."""
        if column not in self.codes:
            found = self.shared(column) if self.shared is not None else None
            if found is None:
                values = arrow_column(self.column(column))
                if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
                    values = pc.cast(values, pa.string())
                if isinstance(values, pa.ChunkedArray):
                    values = values.combine_chunks()
                encoded = pc.dictionary_encode(values, null_encoding="encode")
                found = (encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64),
                         max(len(encoded.dictionary), 1))
            self.codes[column] = found
        return self.codes[column]

    def keyed(self, table: pa.Table, keys: list[str]) -> tuple[pa.Table, list[str]]:
        """``table`` with the join key column(s) added, and their names."""
        combined, radix = np.zeros(table.num_rows, dtype=np.int64), 1
        for column in keys:
            codes, size = self._code(column)
            if radix > KEY_LIMIT // size:
                return self._text_keys(table, keys), keys
            combined, radix = combined * size + codes, radix * size
        return table.append_column(KEY, pa.array(combined)), [KEY]

    def _text_keys(self, table: pa.Table, keys: list[str]) -> pa.Table:
        for column in keys:
            if column not in table.column_names:
                table = table.append_column(column, _key(self.column(column)))
        return table


def _inner_join(parents: pa.Table, sums: pa.Table, on: list[str]) -> pa.Table:
    """The parents that have children, in row order, with their children's sums. On the one integer key
    (``sums`` has each key once) this is a hash lookup of each parent's key among the sums' (``index_in``), a
    filter and a take: several times cheaper than Arrow's join engine, which costs ~8 ms a call whatever the
    size. On text keys (the integer key would overflow) it is that join, sorted back into row order."""
    if on != [KEY]:
        return parents.join(sums, keys=on, join_type="inner", use_threads=False).sort_by(POSITION)
    index = pc.index_in(parents[KEY], value_set=sums[KEY])
    matched = pc.is_valid(index)
    joined = parents.filter(matched)  # a filter keeps the order: parents are in POSITION order
    taken = sums.take(pc.filter(index, matched))
    for name in taken.column_names:
        if name not in on:
            joined = joined.append_column(name, taken[name])
    return joined


def _units(amounts: dict[str, pa.Array], scale: int) -> dict[str, pa.Array] | None:
    """The amounts as int64 counts of 10^-scale (nulls 0, as ``exact`` makes them) when every value, and any sum
    or difference of up to all of them, fits int64; None otherwise (the decimal256 path then adds them)."""
    out: dict[str, pa.Array] = {}
    for name, values in amounts.items():
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if not pa.types.is_decimal128(values.type) or values.type.scale > scale:
            return None
        words = np.frombuffer(values.buffers()[1], dtype=np.int64)[2 * values.offset: 2 * (values.offset + len(values))]
        low, high = words[0::2], words[1::2]
        if len(values) and not np.array_equal(high, low >> 63):  # a value beyond int64
            return None
        if values.null_count:
            low = np.where(values.is_valid().to_numpy(zero_copy_only=False), low, 0)
        factor = 10 ** (scale - values.type.scale)
        largest = max(int(low.max()), -int(low.min())) if len(low) else 0
        if largest * factor * 2 * (len(low) + 1) >= 2**63:
            return None
        out[name] = pa.array(low * factor if factor != 1 else low, type=pa.int64())
    return out


def _mismatches(rows: pa.Table, value: str, measure_column: str | None, scale: int) -> list[Mismatch]:
    positions, parents = rows[POSITION].to_pylist(), rows[value].to_pylist()
    sums, counts = rows[f"{value}__sum"].to_pylist(), rows["__children"].to_pylist()
    measures = rows[measure_column].to_pylist() if measure_column else [value] * rows.num_rows
    out = []
    for position, measure, parent, total, count in zip(positions, measures, parents, sums, counts):
        parent, total = _dec(parent, scale), _dec(total, scale)
        out.append(Mismatch(int(position), measure, parent, total, EXACT.subtract(parent, total), int(count)))
    return out


def _compare(joined: pa.Table, value: str, tolerance: pa.Scalar) -> tuple[int, np.ndarray]:
    """(pairs compared, indexes of the joined rows whose |parent - Σ children| > tolerance)."""
    if joined.num_rows == 0:
        return 0, np.array([], dtype=int)
    diff = pc.abs(pc.subtract(joined[value], joined[f"{value}__sum"]))
    bad = pc.greater(diff, tolerance).to_numpy(zero_copy_only=False)
    return joined.num_rows, np.flatnonzero(bad)


def _widen(table: pa.Table, values: list[str], wide: pa.DataType) -> pa.Table:
    if pa.types.is_integer(wide):
        return table  # _units already made them int64 units
    for value in values:
        table = table.set_column(table.schema.get_field_index(value), value, exact(table[value], wide))
    return table


def _key(series: pd.Series) -> pa.Array:
    """A key column as text with missing values as a marker: a join never matches nulls, and a parent whose
    group value is missing must still meet its children."""
    values = arrow_column(series)
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = pc.cast(values, pa.string())
    return pc.fill_null(values, MISSING) if values.null_count else values


def _scale(typ: pa.DataType) -> int:
    return typ.scale if pa.types.is_decimal(typ) else 0


def _dec(value: object, scale: int) -> Decimal:
    """A parent or sum as the decimal256 path gives it: int64 units are scaled back (``123000`` -> 123.000)."""
    if isinstance(value, int):
        return Decimal(value).scaleb(-scale, EXACT)
    return Decimal(0) if value is None else Decimal(value)  # type: ignore[arg-type]


__all__ = ["HierarchyKwargs", "HierarchyOutcome", "KeyEncoder", "Mismatch", "check_hierarchy"]
