"""ncctd rollup: the district's figures for a window of months, or a breakdown."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import click

from .common import (
    EXIT_USAGE,
    check_output,
    make_console,
    ncctd_command,
    open_output,
    open_store_for_read,
    output_options,
    resolve_window,
    store_errors,
    tr,
    units_option,
    window_options,
)


@ncctd_command(
    "rollup",
    "Tổng hợp số liệu toàn huyện cho một khoảng tháng (cộng dồn chỉ tiêu luỹ kế; chỉ tiêu tồn lấy "
    "số mới nhất của mỗi xã), hoặc chia theo xã, tháng, quý, 6 tháng, năm.",
    "Roll up the district's figures for a window of months (flows summed; stocks: each "
    "commune's latest value), or broken down by commune, month, quarter, half-year or year.",
)
@window_options
@click.option(
    "--by",
    metavar="[district|commune|month|quarter|half|year|LEVEL]",
    default="district",
    show_default=True,
    help=tr(
        "Chia theo: toàn huyện (district), xã, tháng, quý, 6 tháng, năm, hoặc một cấp của "
        "areas.csv trong danh mục (ví dụ province; area:district cho các huyện cũ).",
        "Break down by: the whole district (district), commune, month, quarter, half-year, "
        "year, or a level of the catalog's areas.csv (e.g. province; area:district for the "
        "former districts).",
    ),
)
@units_option
@click.option(
    "--indicators",
    metavar="CODES",
    help=tr("Chỉ các chỉ tiêu này (mã, cách nhau bởi dấu phẩy).", "Only these indicators (comma-separated codes)."),
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json", "xlsx"]),
    default="table",
    show_default=True,
    help=tr("Dạng kết quả.", "Output format."),
)
@click.option(
    "--excel-csv",
    "excel_csv",
    type=click.Choice(["vi", "en"]),
    is_flag=False,
    flag_value="vi",
    default=None,
    metavar="[vi|en]",
    help=tr(
        "CSV mở thẳng bằng Excel/LibreOffice: vi (mặc định) cho máy cài đặt tiếng Việt (dấu ; "
        "giữa các cột, dấu phẩy thập phân), en cho máy cài đặt tiếng Anh (dấu , và dấu chấm); "
        "có BOM, mã xã và tháng giữ dạng chữ (04456, 2024-01).",
        "CSV that opens right in Excel/LibreOffice: vi (the default) for a computer set to "
        "Vietnamese (; between columns, a decimal comma), en for one set to English (, and a "
        "decimal point); with a BOM, commune codes and months kept as text (04456, 2024-01).",
    ),
)
@output_options
@store_errors
def rollup_command(
    first: object,
    last: object,
    year: int | None,
    by: str,
    units: str,
    indicators: str | None,
    fmt: str,
    excel_csv: str | None,
    output: Path | None,
    force: bool,
) -> None:
    from ..render import rollup_tables, write_csv, write_json
    from ..rollup import GROUPINGS, grouping_of, rollup

    check_output(output, force)
    if excel_csv:  # --excel-csv [vi|en] alone means CSV; with another format it is a mistake
        if fmt == "table":
            fmt = "csv"
        elif fmt != "csv":
            raise click.UsageError(
                tr(f"--excel-csv chỉ dùng với --format csv, không với {fmt}.",
                   f"--excel-csv goes with --format csv, not {fmt}.")
            )
    if fmt == "xlsx" and output is None:
        raise click.UsageError(tr("--format xlsx cần -o TỆP.xlsx.", "--format xlsx needs -o FILE.xlsx."))
    by = by.strip()
    if not by:
        raise click.BadParameter(tr("hãy ghi cách chia.", "give a breakdown."), param_hint="--by")
    codes = [c.strip() for c in indicators.split(",") if c.strip()] if indicators else None
    with open_store_for_read() as store:
        try:
            grouping_of(by, store.catalog)
        except ValueError:
            levels = [
                f"area:{level}" if level in GROUPINGS else level for level in store.catalog.timeline.levels()
            ]
            known = ", ".join([*GROUPINGS, *levels])
            raise click.BadParameter(
                tr(f"«{by}» không phải cách chia; hãy chọn: {known}.", f"{by!r} is not a breakdown; choose: {known}."),
                param_hint="--by",
            ) from None
        window = resolve_window(store, first, last, year)  # type: ignore[arg-type]
        try:
            result = rollup(store, *window, by=by, indicators=codes, units=units)
        except KeyError as exc:
            click.echo(tr(f"ncctd: không có chỉ tiêu {exc}.", f"ncctd: no indicator {exc}."), err=True)
            raise SystemExit(EXIT_USAGE) from exc
        store_name = store.path.name if store.path and store.persistent else None
    if fmt == "xlsx":
        from ..workbook import write_rollup_xlsx

        assert output is not None
        write_rollup_xlsx(result, output, store_name=store_name)
        return
    stream = open_output(output)
    try:
        if fmt == "json":
            write_json(result.to_json(), stream)
        elif fmt == "csv":
            write_csv(*result.table(), stream, excel=excel_csv)
        else:
            print_tables(stream, lambda width: rollup_tables(result, width))
    finally:
        if output is not None:
            stream.close()


def table_width(console: Any) -> int:
    """The width to lay tables out for: ``COLUMNS`` when set (also when the output is not a
    terminal: ``COLUMNS=80 ncctd rollup … > file``), else the terminal's, else 100."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    return columns if columns >= 40 else int(console.width)


def print_tables(stream: IO[str], make: Callable[[int], list[Any]]) -> None:
    """Print the tables ``make(width)`` lays out. Not on a terminal, lines are not padded to
    the width with trailing spaces (what a file or a pipe gets is the text, nothing more)."""
    console = make_console(stream)
    width = table_width(console)
    console.width = width
    tables = make(width)
    if console.is_terminal:
        for table in tables:
            console.print(table)
        return
    with console.capture() as captured:
        for table in tables:
            console.print(table)
    stream.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))
