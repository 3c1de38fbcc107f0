"""ncctd report: the year-end report workbook (xlsx)."""

from __future__ import annotations

from pathlib import Path

from .common import (
    check_output,
    file_output_option,
    force_option,
    info,
    ncctd_command,
    open_store_for_read,
    resolve_window,
    store_errors,
    tr,
    units_option,
    window_options,
)


@ncctd_command(
    "report",
    "Lập sổ Excel báo cáo tổng kết cho một năm (--year) hoặc một khoảng tháng (--from/--to): "
    "trang tổng hợp (kỳ này, kỳ trước cùng độ dài, tăng/giảm %, luỹ kế từ tháng đầu tiên có số "
    "liệu), theo xã, theo tháng, theo quý, biểu đồ, tình hình nộp báo cáo (đúng hạn / muộn / "
    "thiếu) và các cảnh báo còn tồn đọng.\n\nVí dụ:\n\n"
    "  ncctd report --year 2023 -o bao-cao-2023.xlsx",
    "Write the year-end report workbook for a year (--year) or a window (--from/--to): summary "
    "(this period, the previous period of equal length, change in %, cumulative since the first "
    "stored month), by commune, by month, by quarter, charts, completeness (on time / late / "
    "missing) and the warnings still open.\n\nExample:\n\n"
    "  ncctd report --year 2023 -o bao-cao-2023.xlsx",
)
@window_options
@file_output_option(".xlsx")
@force_option
@units_option
@store_errors
def report_command(
    first: object, last: object, year: int | None, output: Path, force: bool, units: str
) -> None:
    from ..workbook import collect_report, write_report_xlsx

    check_output(output, force, ".xlsx")
    with open_store_for_read() as store:
        window = resolve_window(store, first, last, year)  # type: ignore[arg-type]
        data = collect_report(store, *window, units=units)
    write_report_xlsx(data, output)
    info(
        tr(
            f"Đã ghi {output}: {data.label}, {data.window.received}/{data.window.expected} báo cáo "
            f"tháng, {len(data.problems)} cảnh báo còn tồn đọng.",
            f"Wrote {output}: {data.label}, {data.window.received}/{data.window.expected} monthly "
            f"returns, {len(data.problems)} open warnings.",
        )
    )
