"""ncctd narrative: the report paragraph, written from the stored returns."""

from __future__ import annotations

from pathlib import Path

import click

# ncctd_cli.narrative imports neither pandas, openpyxl nor rich: --help stays light.
from ..narrative import RULE_EN as _RULE_EN
from ..narrative import RULE_VI as _RULE_VI
from .common import (
    EXIT_USAGE,
    check_output,
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
    "narrative",
    "Viết đoạn văn báo cáo kết quả («Trong 3 năm qua, huyện đã tổ chức hơn 4.600 lượt …») từ "
    "số liệu đã lưu, theo thứ tự và lời văn của bài tổng kết của huyện. Chỉ tiêu chưa có số "
    "liệu được bỏ qua (không ghi là 0).\n\n" + _RULE_VI + "\n\nVí dụ:\n\n"
    "  ncctd narrative --from 2021-01 --to 2023-12\n\n"
    "  ncctd narrative --year 2023 --format md -o doan-van.md",
    "Write the report paragraph («Trong 3 năm qua, huyện đã tổ chức hơn 4.600 lượt …») from the "
    "stored returns, in the order and wording of the district's article. Indicators with no "
    "data are left out (never written as zero).\n\n" + _RULE_EN + "\n\nExample:\n\n"
    "  ncctd narrative --from 2021-01 --to 2023-12",
)
@window_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "md"]),
    default="text",
    show_default=True,
    help=tr(
        "text: đoạn văn; md: Markdown, số liệu in đậm, có dòng nguồn số liệu.",
        "text: the paragraph; md: Markdown, figures in bold, with a source line.",
    ),
)
@click.option(
    "--indicators",
    metavar="CODES",
    help=tr(
        "Chỉ viết các chỉ tiêu này (mã, cách nhau bởi dấu phẩy), theo thứ tự của đoạn văn. "
        "Mặc định: mọi chỉ tiêu bài tổng kết có nêu (không có số ngày công).",
        "Only these indicators (comma-separated codes), in the paragraph's order. Default: every "
        "indicator the article gives (not the workdays).",
    ),
)
@click.option(
    "--allow-incomplete",
    is_flag=True,
    help=tr(
        "Vẫn viết khi kỳ chưa đủ báo cáo: câu đầu ghi rõ mới nhận bao nhiêu báo cáo. Không có "
        "cờ này, kỳ chưa đủ báo cáo bị từ chối (mã thoát 2).",
        "Write even when returns are missing: the first sentence says how many are in. Without "
        "it an incomplete window is refused (exit code 2).",
    ),
)
@units_option
@output_options
@store_errors
def narrative_command(
    first: object,
    last: object,
    year: int | None,
    fmt: str,
    indicators: str | None,
    allow_incomplete: bool,
    units: str,
    output: Path | None,
    force: bool,
) -> None:
    from ..i18n import language
    from ..narrative import narrative, source_note

    check_output(output, force)
    codes = [c.strip() for c in indicators.split(",") if c.strip()] if indicators else None
    with open_store_for_read() as store:
        window = resolve_window(store, first, last, year)  # type: ignore[arg-type]
        try:
            story = narrative(store, *window, indicators=codes, units=units, lang=language())
        except KeyError as exc:
            click.echo(
                tr(f"ncctd: không có chỉ tiêu «{exc.args[0]}».", f"ncctd: no indicator {exc.args[0]!r}."),
                err=True,
            )
            raise SystemExit(EXIT_USAGE) from exc
        n_communes = story.n_units
    note = story.note()
    if note and not allow_incomplete:
        click.echo(
            tr(
                f"ncctd: {note} Đoạn văn chỉ tính các báo cáo đã nhận; thêm --allow-incomplete "
                "để vẫn viết (câu đầu sẽ ghi rõ điều này), hoặc chọn kỳ đã đủ báo cáo "
                "(xem «ncctd status»).",
                f"ncctd: {note} The paragraph would count those only; add --allow-incomplete to "
                "write it anyway (its first sentence says so), or choose a complete window (see "
                "'ncctd status').",
            ),
            err=True,
        )
        raise SystemExit(EXIT_USAGE)
    text, markdown = (f"{note} {story.text}", f"*{note}* {story.markdown}") if note else (story.text, story.markdown)
    body = text if fmt == "text" else f"{markdown}\n\n{source_note(story, n_communes)}"
    stream = open_output(output)
    try:
        stream.write(body + "\n")
    finally:
        if output is not None and str(output) != "-":
            stream.close()
