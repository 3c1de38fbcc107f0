"""ncctd indicators / ncctd communes: list the stored catalog."""

from __future__ import annotations

from pathlib import Path

from .common import (
    check_output,
    format_option,
    make_console,
    ncctd_command,
    open_output,
    open_store_for_read,
    output_options,
    store_errors,
)


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


@ncctd_command("communes", "Liệt kê các xã, thị trấn trong danh mục.", "List the catalog's communes.")
@format_option("table", "csv", "json")
@output_options
@store_errors
def communes_command(fmt: str, output: Path | None, force: bool) -> None:
    check_output(output, force)
    with open_store_for_read() as store:
        catalog = store.catalog
    rows = [[c.code, c.name, "|".join(c.aliases)] for c in catalog.communes]
    _emit("Xã, thị trấn", ["code", "name", "aliases"], rows, fmt, output)
