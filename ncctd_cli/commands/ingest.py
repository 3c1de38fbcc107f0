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
    metavar=tr("NGÀY|không-rõ|mtime", "DATE|unknown|mtime"),
    help=tr(
        "Ngày các báo cáo này đến tay (2024-02-03 hoặc 03/02/2024), khi nhập muộn hơn ngày nhận; "
        "«không-rõ» khi nhập từ lưu trữ (không tính đúng hạn hay muộn); «mtime»: ngày sửa của "
        "từng file. Mặc định là lúc nhập. Dùng cho đúng hạn/muộn trong «ncctd status».",
        "The day these returns arrived (2024-02-03 or 03/02/2024), when entering them later; "
        "'unknown' when loading an archive (neither on time nor late); 'mtime': each file's "
        "modification time. Default now. Used for on time/late in 'ncctd status'.",
    ),
)
@click.option(
    "--arrivals",
    "arrivals_file",
    type=click.Path(path_type=Path, dir_okay=False),
    metavar=tr("FILE", "FILE"),
    help=tr(
        "Bảng ngày nhận từng file (CSV hai cột: tên file, ngày hoặc «không rõ»); file không có "
        "trong bảng theo --received-at.",
        "Each file's arrival day (CSV, two columns: file name, day or 'unknown'); files not "
        "in it follow --received-at.",
    ),
)
@read_options
@store_errors
def ingest_command(
    paths: tuple[Path, ...],
    replace: bool,
    dry_run: bool,
    atomic: bool,
    received_on: str | None,
    arrivals_file: Path | None,
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
    arrival, received_at, arrivals = arrival_options(received_on, arrivals_file)
    options = IngestOptions(
        received_at=received_at,
        arrival=arrival,
        arrivals=arrivals,
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


def arrival_options(
    received_on: str | None, arrivals_file: Path | None
) -> tuple[str, str | None, dict[str, str | None]]:
    """``--received-at`` and ``--arrivals`` → (how, ISO time, manifest); a usage error otherwise."""
    from ..arrivals import ArrivalError, parse_received_at, read_manifest

    try:
        arrival, received_at = parse_received_at(received_on) if received_on else ("given", None)
    except ArrivalError as exc:
        raise click.BadParameter(str(exc), param_hint="--received-at") from None
    try:
        manifest = read_manifest(arrivals_file) if arrivals_file else {}
    except ArrivalError as exc:
        raise click.BadParameter(str(exc), param_hint="--arrivals") from None
    return arrival, received_at, manifest
