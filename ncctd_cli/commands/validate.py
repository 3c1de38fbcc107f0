"""ncctd validate: check returns without storing anything."""

from __future__ import annotations

import sys
from pathlib import Path

from .batch import PATHS, check_encoding, check_outputs, read_options, run_batch
from .common import ncctd_command, open_store_copy, store_errors


@ncctd_command(
    "validate",
    "Kiểm tra báo cáo mà không lưu. Mã thoát 1 nếu có báo cáo sẽ bị từ chối.",
    "Check returns without storing them. Exit 1 if any would be refused.",
)
@PATHS
@read_options
@store_errors
def validate_command(
    paths: tuple[Path, ...],
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
        strict=strict,
        validate_only=True,
        read=ReadOptions(encoding=encoding, decimal_point=decimal_point),
    )
    with open_store_copy() as store:
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
