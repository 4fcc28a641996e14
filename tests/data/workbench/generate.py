"""Generate the project's own DIPRES-like fixtures (invented numbers, real layouts).

The layouts reproduce ../shared/data/dipres/SOURCES.md: latin-1 `;` CSVs, padded `Denominación`, a
`RESULTADO` footer, implicit code hierarchy, `0,001` and negative amounts, whitespace-only separator lines,
the 2020s layout with zero codes and a UTF-8 BOM, and an Excel program report with title rows, a
`NNNNNN : NOMBRE` line, a currency line, merged title cells and the `Subt.`/`Ítem`/`Asig.` header.
Every hierarchy is consistent: asignaciones sum to their item, items to their subtítulo.

Run ``python tests/data/workbench/generate.py`` to rewrite the fixtures; bench/ uses the same functions
to make large files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).parent

# (subtítulo, label) -> items: (item, label) -> asignaciones [(asig, label)]; ingresos < 20 <= gastos
CATALOG = {
    ("05", "TRANSFERENCIAS CORRIENTES"): {("02", "Del Gobierno Central"): [("001", "Subsecretaría de Hacienda"), ("002", "Tesoro Público")]},
    ("08", "OTROS INGRESOS CORRIENTES"): {("01", "Recuperaciones y Reembolsos por Licencias Médicas"): [], ("99", "Otros"): []},
    ("09", "APORTE FISCAL"): {("01", "Libre"): []},
    ("21", "GASTOS EN PERSONAL"): {},
    ("22", "BIENES Y SERVICIOS DE CONSUMO"): {},
    ("24", "TRANSFERENCIAS CORRIENTES"): {("01", "Al Sector Privado"): [("005", 'Programa "4 a 7"'), ("373", "Becas  de   Especialización")],
                                           ("03", "A Otras Entidades Públicas"): [("126", "Universidad Arturo Prat de Iquique : \"Tarapacá LABS\"   (30434575-0)")]},
    ("29", "ADQUISICIÓN DE ACTIVOS NO FINANCIEROS"): {("06", "Equipos Informáticos"): [], ("07", "Programas Informáticos"): []},
    ("32", "PRÉSTAMOS"): {("07", "Por Anticipos por Cambio de Residencia"): []},
    ("34", "SERVICIO DE LA DEUDA"): {("07", "Deuda Flotante"): []},
}
MONTHS = ["ENERO", "FEBRERO", "MARZO", "ABRIL", "MAYO", "JUNIO", "JULIO", "AGOSTO", "SEPTIEMBRE", "OCTUBRE",
          "NOVIEMBRE", "DICIEMBRE"]


@dataclass
class Line:
    subtitulo: str
    item: str
    asignacion: str
    label: str
    amounts: list[int]


def program_lines(rng: random.Random, measures: int = 3) -> list[Line]:
    """One program's budget lines, hierarchy-consistent, in DIPRES order (subtítulo, its items, ...)."""
    out: list[Line] = []
    for (sub, sub_label), items in CATALOG.items():
        sub_line = Line(sub, "", "", sub_label, [0] * measures)
        out.append(sub_line)
        if not items:
            sub_line.amounts = [rng.randint(1_000, 90_000_000) for _ in range(measures)]
        for (item, item_label), asigs in items.items():
            item_line = Line(sub, item, "", item_label, [0] * measures)
            out.append(item_line)
            if asigs:
                for asig, asig_label in asigs:
                    amounts = [rng.randint(-50_000, 5_000_000) for _ in range(measures)]
                    if asig == "126":  # a recovery line: negative, like `Recuperación de Anticipos;-800000`
                        amounts = [-abs(a) for a in amounts]
                    out.append(Line(sub, item, asig, asig_label, amounts))
                    item_line.amounts = [a + b for a, b in zip(item_line.amounts, amounts)]
            else:
                item_line.amounts = [rng.randint(0, 9_000_000) for _ in range(measures)]
            sub_line.amounts = [a + b for a, b in zip(sub_line.amounts, item_line.amounts)]
    return out


def resultado(lines: list[Line], measure: int = -1) -> int:
    """Σ ingresos (subtítulos < 20) − Σ gastos (subtítulos >= 20), over subtítulo rows."""
    subs = [line for line in lines if not line.item]
    return sum(s.amounts[measure] for s in subs if int(s.subtitulo) < 20) - sum(
        s.amounts[measure] for s in subs if int(s.subtitulo) >= 20)


def execution_csv(programs: list[tuple[str, str, str]], *, month: int = 4, currency: str = "P", seed: int = 7) -> bytes:
    """The 'Informe Ejecución Programa' CSV: latin-1, LF, `;`, padded labels, RESULTADO footer."""
    rng = random.Random(seed)
    header = ("Partida;Capítulo;Programa;Subtítulo;Item;Asignación;Moneda;Denominación;Presupuesto Inicial;"
              f"Presupuesto Vigente;Ejecución Acumulada al {MONTHS[month - 1]}")
    rows = [header]
    total = 0
    for partida, capitulo, programa in programs:
        lines = program_lines(rng)
        total += resultado(lines)
        for line in lines:
            width = 250 if line.asignacion else 80
            rows.append(";".join([partida, capitulo, programa, line.subtitulo, line.item, line.asignacion, currency,
                                  line.label.ljust(width), *map(str, line.amounts)]))
    rows.append(f";;;;;;;RESULTADO;;;{total}")
    return ("\n".join(rows) + "\n").encode("latin-1")


def law_csv(programs: list[tuple[str, str, str]], *, layout: str = "2017", seed: int = 11) -> bytes:
    """Budget-law CSV. layout 2017: latin-1 CRLF, blank codes; 2012: + whitespace-only lines, no accents;
    2027: UTF-8 BOM, LF, `Ítem`, zero codes (`00`, `000`) on aggregate rows."""
    rng = random.Random(seed)
    if layout == "2027":
        header = "Partida;Capitulo;Programa;Subtitulo;Ítem;Asignacion;Denominacion;Monto Pesos;Monto Dolar"
    else:
        header = "Partida;Capítulo;Programa;Subtítulo;Item;Asignación;Denominación;Monto Pesos;Monto Dólar"
    rows = [header]
    for partida, capitulo, programa in programs:
        if layout == "2012":
            rows.append(" ")
        for i, line in enumerate(program_lines(rng, measures=2)):
            pesos, dolar = line.amounts
            if i % 7 == 3:
                dolar = 0
            label = line.label
            if layout == "2012":
                label = label.translate(str.maketrans("ÁÉÍÓÚáéíóú", "AEIOUaeiou"))
            item, asig = line.item, line.asignacion
            if layout == "2027":
                item, asig = item or "00", asig or "000"
            pesos_text = str(pesos)
            if line.subtitulo == "32":
                pesos_text = "0,001"  # one peso, written in thousands with a decimal comma
            rows.append(";".join([partida, capitulo, programa, line.subtitulo, item, asig, label, pesos_text, str(dolar)]))
    if layout == "2027":
        return ("\ufeff" + "\n".join(rows) + "\n").encode("utf-8")
    return ("\r\n".join(rows) + "\r\n").encode("latin-1")


PROGRAM_REPORT_HEADER = ["Subt.", "Ítem", "Asig.", "Denominación", "Presupuesto Inicial", "Modificaciones",
                         "Presupuesto Vigente", "Compromiso", "Devengado", "Ejecución Acumulada\na {month}",
                         "Saldo por Ejecutar", "% Ejecución"]


def program_report_rows(rng: random.Random, repeat: int = 1, zero_codes: bool = False,
                        large: int = 0) -> list[list[object]]:
    """Data rows of the Excel program report: section rows, codes as numbers (Excel drops zeros), a
    RESULTADO row. ``repeat`` stacks the catalogue to make large files; ``zero_codes`` writes 0 instead of
    a blank Ítem/Asig. on aggregate rows (the 2020s layout)."""
    blank = 0 if zero_codes else None
    rows: list[list[object]] = []
    ingresos = gastos = 0
    for _ in range(repeat):
        lines = large_program_lines(rng, large) if large else program_lines(rng, measures=2)
        for section, keep in (("INGRESOS", lambda s: int(s) < 20), ("GASTOS", lambda s: int(s) >= 20)):
            rows.append([None, None, None, section] + [None] * 8)
            shown = [line for line in lines if keep(line.subtitulo)]
            draws = [(rng.randint(-1000, 1000) if line.asignacion or not line.item else 0, rng.randint(0, 100))
                     for line in shown]
            modifs = _consistent(shown, [m for m, _ in draws])
            for line, modif, (_, extra) in zip(shown, modifs, draws):
                inicial, ejecutado = line.amounts
                vigente = inicial + modif
                devengado = ejecutado + extra
                pct = ejecutado / vigente * 100 if vigente else None  # full double precision, as Excel keeps it
                rows.append([int(line.subtitulo), int(line.item) if line.item else blank,
                             int(line.asignacion) if line.asignacion else blank, line.label,
                             inicial, modif, vigente, devengado + 5, devengado, ejecutado, vigente - ejecutado, pct])
        ingresos += sum(ln.amounts[1] for ln in lines if not ln.item and int(ln.subtitulo) < 20)
        gastos += sum(ln.amounts[1] for ln in lines if not ln.item and int(ln.subtitulo) >= 20)
    rows.append([None, None, None, "RESULTADO"] + [None] * 5 + [ingresos - gastos, None, None])
    return rows


def _consistent(lines: list[Line], modifs: list[int]) -> list[int]:
    """Modifications that add up like the amounts: a parent's is the sum of its children's (leaves keep theirs)."""
    has_items = {ln.subtitulo for ln in lines if ln.item and not ln.asignacion}
    has_asigs = {(ln.subtitulo, ln.item) for ln in lines if ln.asignacion}
    asig_sums: dict[tuple[str, str], int] = {}
    for ln, m in zip(lines, modifs):
        if ln.asignacion:
            asig_sums[(ln.subtitulo, ln.item)] = asig_sums.get((ln.subtitulo, ln.item), 0) + m
    items: dict[tuple[str, str], int] = {}
    for ln, m in zip(lines, modifs):
        if ln.item and not ln.asignacion:
            items[(ln.subtitulo, ln.item)] = asig_sums[(ln.subtitulo, ln.item)] if (ln.subtitulo, ln.item) in has_asigs else m
    sub_sums: dict[str, int] = {}
    for (sub, _), value in items.items():
        sub_sums[sub] = sub_sums.get(sub, 0) + value
    out = []
    for ln, m in zip(lines, modifs):
        if ln.asignacion:
            out.append(m)
        elif ln.item:
            out.append(items[(ln.subtitulo, ln.item)])
        else:
            out.append(sub_sums[ln.subtitulo] if ln.subtitulo in has_items else m)
    return out


def large_program_lines(rng: random.Random, rows: int, measures: int = 2) -> list[Line]:
    """One big program (for benchmarks): every catalogue subtítulo with many items and asignaciones, all codes
    unique and every total consistent, about ``rows`` lines."""
    subs = list(CATALOG)
    per_sub = max(1, rows // len(subs))
    n_items = min(99, max(1, int(per_sub ** 0.5 / 3)))
    n_asigs = min(999, max(1, per_sub // n_items - 1))
    out: list[Line] = []
    for sub, sub_label in subs:
        sub_line = Line(sub, "", "", sub_label, [0] * measures)
        out.append(sub_line)
        for i in range(1, n_items + 1):
            item_line = Line(sub, f"{i:02d}", "", f"Ítem {i:02d} de {sub_label.title()}", [0] * measures)
            out.append(item_line)
            for a in range(1, n_asigs + 1):
                amounts = [rng.randint(-50_000, 5_000_000) for _ in range(measures)]
                out.append(Line(sub, f"{i:02d}", f"{a:03d}", f"Asignación {a:03d}", amounts))
                item_line.amounts = [x + y for x, y in zip(item_line.amounts, amounts)]
            sub_line.amounts = [x + y for x, y in zip(sub_line.amounts, item_line.amounts)]
    return out


def program_report_xlsx(path: Path, *, program: str = "120101", name: str = "SECRETARÍA Y ADMINISTRACIÓN GENERAL",
                        month: int = 4, currency: str = "Moneda Nacional - Miles de Pesos", repeat: int = 1,
                        seed: int = 5, zero_codes: bool = False, large: int = 0) -> Path:
    """The DIPRES per-program execution report as xlsx (written with openpyxl; reading never uses it)."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    big = repeat > 50 or large > 0
    wb = Workbook(write_only=big)
    ws = wb.create_sheet("Reporte") if big else wb.active
    if not big:
        ws.title = "Reporte"
    titles = [["MINISTERIO DE OBRAS PÚBLICAS"], ["Informe de Ejecución Programa"], [f"{program} : {name}"],
              [currency], [f"Período: Enero - {MONTHS[month - 1].title()}"], []]
    header = [h.format(month=MONTHS[month - 1].title()) for h in PROGRAM_REPORT_HEADER]
    for row in titles + [header] + program_report_rows(rng, repeat, zero_codes, large):
        ws.append(row)
    if not big:
        for r in range(1, 6):
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=len(header))
    wb.save(path)
    return path


def main() -> None:
    programs = [("50", "01", "05"), ("50", "01", "06")]
    (HERE / "ejecucion_2017_abril_pesos.csv").write_bytes(execution_csv(programs, month=4, currency="P"))
    (HERE / "ejecucion_2017_junio_dolares.csv").write_bytes(execution_csv([("06", "01", "01")], month=6, currency="D", seed=3))
    (HERE / "ley_2017_programa.csv").write_bytes(law_csv([("06", "01", "01"), ("27", "02", "02")], layout="2017"))
    (HERE / "ley_2012_programa.csv").write_bytes(law_csv([("05", "61", "02"), ("05", "64", "02")], layout="2012"))
    (HERE / "ley_2027_programa.csv").write_bytes(law_csv([("01", "01", "01")], layout="2027"))
    program_report_xlsx(HERE / "programa_ejecucion_2017_abril.xlsx")
    (HERE / "html_disfrazado.csv").write_bytes(
        b"<!DOCTYPE html>\n<html><head><meta charset=WINDOWS-1252><title>Nivel Nacional - W3 DIPRES</title></head>"
        b"<body><table><tr><td>Partida</td></tr></table></body></html>\n")
    examples = HERE.parents[2] / "examples"
    examples.mkdir(exist_ok=True)
    (examples / "ejecucion_2017_abril_programa.csv").write_bytes(execution_csv([("50", "01", "05")], seed=21))
    program_report_xlsx(examples / "programa_ejecucion_2017_abril.xlsx", seed=8)


if __name__ == "__main__":
    main()
