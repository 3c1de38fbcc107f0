"""ncctd ingest: read returns, check them, store the good ones."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .batch import PATHS, check_encoding, check_outputs, read_options, run_batch
from .common import ncctd_command, open_store_copy, open_store_for_write, store_errors, tr


@ncctd_command(
    "ingest",
    "Nhận báo cáo: đọc tệp/thư mục (xlsx, xlsm, xls, ods, csv; «-» là CSV từ stdin), kiểm tra, "
    "lưu báo cáo hợp lệ. Báo cáo lỗi bị từ chối cả báo cáo; các báo cáo khác vẫn được lưu.",
    "Read files/folders of returns (xlsx, xlsm, xls, ods, csv; '-' for CSV on stdin), check "
    "them, store the valid ones. A refused return is refused whole; the others still go in.",
)
@PATHS
@click.option(
    "--replace",
    is_flag=True,
    help=tr(
        "Báo cáo mới thay báo cáo đã lưu của cùng xã, cùng tháng (bản cũ giữ trong lịch sử).",
        "A return replaces the stored one for the same commune and month (history kept).",
    ),
)
@click.option("--dry-run", is_flag=True, help=tr("Làm mọi bước trừ việc lưu.", "Everything but the storing."))
@click.option(
    "--atomic",
    is_flag=True,
    help=tr("Không lưu gì nếu có báo cáo bị từ chối.", "Store nothing unless every return is accepted."),
)
@click.option(
    "--received-at",
    "received_on",
    type=click.DateTime(["%Y-%m-%d", "%d/%m/%Y"]),
    metavar=tr("NGÀY", "DATE"),
    help=tr(
        "Ngày các báo cáo này đến tay (2024-02-03 hoặc 03/02/2024), khi nhập muộn hơn ngày nhận; "
        "mặc định là lúc nhập. Dùng để tính đúng hạn/muộn trong «ncctd status».",
        "The day these returns arrived (2024-02-03 or 03/02/2024), when entering them later; "
        "default now. Used for on time/late in 'ncctd status'.",
    ),
)
@read_options
@store_errors
def ingest_command(
    paths: tuple[Path, ...],
    replace: bool,
    dry_run: bool,
    atomic: bool,
    received_on: object,
    decimal_point: bool,
    encoding: str | None,
    strict: bool,
    problems_file: Path | None,
    fmt: str,
    output: Path | None,
    force: bool,
) -> None:
    from ..ingest import IngestOptions
    from ..sheets import ReadOptions

    check_encoding(encoding)
    check_outputs(output, force, problems_file)
    options = IngestOptions(
        received_at=received_at_option(received_on),
        replace=replace,
        dry_run=dry_run,
        atomic=atomic,
        strict=strict,
        read=ReadOptions(encoding=encoding, decimal_point=decimal_point),
    )
    store = open_store_copy() if dry_run else open_store_for_write()
    with store:
        code = run_batch(
            paths,
            store=store,
            options=options,
            fmt=fmt,
            output=output,
            force=force,
            problems_file=problems_file,
        )
    sys.exit(code)


def received_at_option(value: object) -> str | None:
    """``--received-at DAY`` → the ISO time stored (noon that day, local time); not in the future."""
    import datetime as dt

    if value is None:
        return None
    assert isinstance(value, dt.datetime)
    if value.date() > dt.date.today():
        raise click.BadParameter(
            tr(f"ngày {value:%d/%m/%Y} ở sau hôm nay.", f"{value:%Y-%m-%d} is after today."),
            param_hint="--received-at",
        )
    return value.replace(hour=12).astimezone().isoformat(timespec="seconds")
