"""ncctd ingest: read returns, check them, store the good ones."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .batch import PATHS, check_encoding, read_options, run_batch
from .common import ncctd_command, settings, store_errors, tr


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
@read_options
@store_errors
def ingest_command(
    paths: tuple[Path, ...],
    replace: bool,
    dry_run: bool,
    atomic: bool,
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
    from ..store import Store

    check_encoding(encoding)
    options = IngestOptions(
        replace=replace,
        dry_run=dry_run,
        atomic=atomic,
        strict=strict,
        read=ReadOptions(encoding=encoding, decimal_point=decimal_point),
    )
    path = settings().db_path
    store = Store.scratch(path) if dry_run else Store.open(path)
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
