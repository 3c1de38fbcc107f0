"""ncctd indicators / ncctd communes: list the stored catalog."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from .common import (
    PERIOD,
    check_output,
    format_option,
    make_console,
    ncctd_command,
    open_output,
    open_store_for_read,
    output_options,
    store_errors,
    tr,
)

if TYPE_CHECKING:
    from ..catalog import Commune
    from ..vietnamese import Period


def _emit(title: str, header: list[str], rows: list[list[str]], fmt: str, output: Path | None) -> None:
    from ..render import write_csv, write_json

    with_stream = open_output(output)
    try:
        if fmt == "json":
            write_json([dict(zip(header, row, strict=True)) for row in rows], with_stream)
        elif fmt == "csv":
            write_csv(header, rows, with_stream)
        else:
            from rich.table import Table

            table = Table(title=title, title_justify="left")
            for name in header:
                table.add_column(name, overflow="fold")
            for row in rows:
                table.add_row(*row)
            make_console(with_stream).print(table)
    finally:
        if output is not None:
            with_stream.close()


@ncctd_command("indicators", "Liệt kê các chỉ tiêu trong danh mục.", "List the catalog's indicators.")
@format_option("table", "csv", "json")
@output_options
@store_errors
def indicators_command(fmt: str, output: Path | None, force: bool) -> None:
    check_output(output, force)
    with open_store_for_read() as store:
        catalog = store.catalog
    rows = [[i.code, i.label, i.unit, i.type, i.over_time, "|".join(i.aliases)] for i in catalog.indicators]
    _emit("Chỉ tiêu", ["code", "label", "unit", "type", "over_time", "aliases"], rows, fmt, output)


@ncctd_command(
    "communes",
    "Liệt kê các xã, thị trấn trong danh mục. Danh mục có đơn vị thay đổi theo thời gian: kèm "
    "thời gian hiệu lực và đơn vị kế tiếp của mỗi đơn vị; mặc định là các đơn vị của tháng "
    "đầu tiên của danh mục (như trước), --period THÁNG cho các đơn vị của một tháng, --all "
    "cho mọi đơn vị.",
    "List the catalog's communes. A catalog whose units change over time also shows each "
    "unit's months of validity and its successors; by default the units of the catalog's "
    "first month (as before), --period MONTH for the units of a month, --all for every unit.",
)
@click.option("--period", type=PERIOD, help=tr("Các đơn vị của tháng này (YYYY-MM).", "The units of this month (YYYY-MM)."))
@click.option("--all", "every", is_flag=True, help=tr("Mọi đơn vị, mọi thời kỳ.", "Every unit, of every month."))
@format_option("table", "csv", "json")
@output_options
@store_errors
def communes_command(period: Period | None, every: bool, fmt: str, output: Path | None, force: bool) -> None:
    if period is not None and every:
        raise click.UsageError(tr("Dùng --period hoặc --all, không dùng cả hai.", "Use --period or --all, not both."))
    check_output(output, force)
    with open_store_for_read() as store:
        catalog = store.catalog
    units = catalog.units if every else catalog.units_on(period) if period is not None else catalog.communes
    if not catalog.has_validity:
        rows = [[c.code, c.name, "|".join(c.aliases)] for c in units]
        _emit("Xã, thị trấn", ["code", "name", "aliases"], rows, fmt, output)
        return
    header = ["code", "name", "aliases", "unit", "from", "to", "parent", "successors"]
    if fmt == "json":
        from ..render import write_json

        records = []
        for c in units:
            successors = [
                {"code": u.code, "unit": u.key, "name": u.name, "share": share}
                for u, share in catalog.current_units(c).items()
                if u != c
            ]
            records.append({
                "code": c.code, "name": c.name, "aliases": "|".join(c.aliases), "unit": c.key,
                "from": str(c.since) if c.since else None, "to": str(c.until) if c.until else None,
                "parent": c.parent, "successors": successors,
            })
        stream = open_output(output)
        try:
            write_json(records, stream)
        finally:
            if output is not None:
                stream.close()
        return
    rows = [
        [c.code, c.name, "|".join(c.aliases), c.key, str(c.since or ""), str(c.until or ""), c.parent,
         "; ".join(_successor(u, share) for u, share in catalog.current_units(c).items() if u != c)]
        for c in units
    ]
    _emit("Xã, thị trấn", header, rows, fmt, output)


def _successor(unit: Commune, share: float) -> str:
    text = f"{unit.name} ({unit.code}, {tr('từ', 'from')} {unit.since})" if unit.since else f"{unit.name} ({unit.code})"
    return text if abs(share - 1) < 1e-9 else f"{text} {share:.0%}"
