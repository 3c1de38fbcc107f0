"""What ``ingest`` and ``validate`` share: reading options, the run, and its report."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from .common import (
    EXIT_OK,
    EXIT_REFUSED,
    check_output,
    info,
    make_console,
    open_output,
    settings,
    tr,
    use_color,
)

F = TypeVar("F", bound=Callable[..., Any])

FEW_FILES = 3  # the progress bar shows for more files than this

PATHS = click.argument(
    "paths",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, allow_dash=True, path_type=Path),
)


def read_options(func: F) -> F:
    """Options that change how files are read and judged."""
    for option in reversed(
        [
            click.option(
                "--decimal-point",
                is_flag=True,
                help=tr(
                    "Số dạng văn bản dùng «.» làm dấu thập phân (CSV xuất bằng tiếng Anh).",
                    "Text numbers use '.' as the decimal mark (English CSV exports).",
                ),
            ),
            click.option(
                "--encoding",
                metavar="ENC",
                help=tr("Bảng mã CSV (mặc định: tự nhận).", "Force a CSV encoding (default: detect)."),
            ),
            click.option(
                "--strict",
                is_flag=True,
                help=tr("Coi cảnh báo là lỗi.", "Treat warnings as errors."),
            ),
            click.option(
                "--problems",
                "problems_file",
                type=click.Path(dir_okay=False, path_type=Path),
                help=tr(
                    "Ghi mọi vấn đề ra tệp (.csv hoặc .json).",
                    "Write every problem to FILE (.csv or .json).",
                ),
            ),
            click.option(
                "--format",
                "fmt",
                type=click.Choice(["table", "json", "csv"]),
                default="table",
                show_default=True,
                help=tr("Dạng kết quả.", "Output format."),
            ),
            click.option(
                "-o",
                "--output",
                type=click.Path(dir_okay=False, path_type=Path),
                help=tr("Ghi kết quả ra tệp.", "Write the report to a file."),
            ),
            click.option("--force", is_flag=True, help=tr("Cho phép ghi đè tệp đã có.", "Allow overwriting files.")),
            click.option(
                "--max-expanded-mb",
                type=click.IntRange(1, 1_000_000),
                metavar="MB",
                envvar="NCCTD_MAX_EXPANDED_MB",
                expose_value=False,
                callback=_set_limit,
                help=tr(
                    "Giới hạn dung lượng một tệp xlsx/ods được giải nén ra (mặc định 300 MB; "
                    "chống «bom giải nén»).",
                    "How much one xlsx/ods may unpack to (default 300 MB; against zip bombs).",
                ),
            ),
            click.option(
                "--max-cells",
                type=click.IntRange(1, 10**9),
                metavar="N",
                envvar="NCCTD_MAX_CELLS",
                expose_value=False,
                callback=_set_limit,
                help=tr(
                    "Giới hạn số ô của các trang tính trong một tệp, tính từ ô A1 (mặc định 2.000.000).",
                    "How many cells the sheets of one workbook may span from A1 (default 2,000,000).",
                ),
            ),
            click.option(
                "--max-memory-mb",
                type=click.IntRange(64, 1_000_000),
                metavar="MB",
                envvar="NCCTD_MAX_MEMORY_MB",
                expose_value=False,
                callback=_set_limit,
                help=tr(
                    "Bộ nhớ tối đa để đọc một tệp bảng tính (mặc định 1.024 MB; tệp cần nhiều hơn "
                    "bị từ chối).",
                    "Memory one workbook may take to read (default 1,024 MB; a file that needs more "
                    "is refused).",
                ),
            ),
            click.option(
                "--max-seconds",
                type=click.IntRange(1, 86_400),
                metavar="S",
                envvar="NCCTD_MAX_SECONDS",
                expose_value=False,
                callback=_set_limit,
                help=tr(
                    "Thời gian máy (CPU) tối đa để đọc một tệp bảng tính (mặc định 60 giây; chờ "
                    "tối đa gấp đôi).",
                    "CPU time one workbook may take to read (default 60 s; waited for at most "
                    "twice that).",
                ),
            ),
        ]
    ):
        func = option(func)
    return func


_LIMITS_KEY = "ncctd.limits"


def _set_limit(ctx: click.Context, param: click.Parameter, value: int | None) -> None:
    if value is not None:
        ctx.meta.setdefault(_LIMITS_KEY, {})[param.name] = value


def apply_limits(options: Any) -> None:
    """``--max-expanded-mb``, ``--max-cells``, ``--max-memory-mb``, ``--max-seconds`` into
    ``options.read.limits`` (see docs/SECURITY.md)."""
    import dataclasses

    chosen = click.get_current_context().meta.get(_LIMITS_KEY, {})
    limits = options.read.limits
    if "max_expanded_mb" in chosen:
        # whoever raises the limit trusts the file: the ratio rule goes too
        limits = dataclasses.replace(
            limits, max_expanded_bytes=chosen["max_expanded_mb"] * 1024 * 1024, max_ratio=0
        )
    if "max_cells" in chosen:
        limits = dataclasses.replace(limits, max_cells=chosen["max_cells"])
    if "max_memory_mb" in chosen:
        limits = dataclasses.replace(limits, max_memory_bytes=chosen["max_memory_mb"] * 1024 * 1024)
    if "max_seconds" in chosen:
        seconds = chosen["max_seconds"]
        # the wall clock waits longer: a busy machine shares its cores
        limits = dataclasses.replace(limits, max_cpu_seconds=seconds, max_wall_seconds=max(2.0 * seconds, seconds + 10.0))
    options.read.limits = limits


def check_encoding(encoding: str | None) -> None:
    if encoding is None:
        return
    import codecs

    try:
        codecs.lookup(encoding)
    except LookupError as exc:
        raise click.BadParameter(
            tr(f"không biết bảng mã «{encoding}».", f"unknown encoding {encoding!r}."),
            param_hint="--encoding",
        ) from exc


def check_outputs(output: Path | None, force: bool, problems_file: Path | None) -> None:
    """``-o`` and ``--problems``: usage errors, found before the store is even opened."""
    check_output(output, force)
    check_output(problems_file, force)
    if problems_file is not None and problems_file.suffix.lower() not in (".csv", ".json"):
        raise click.BadParameter(
            tr(
                f"tệp «{problems_file}» phải có đuôi .csv hoặc .json.",
                f"{problems_file} must end in .csv or .json.",
            ),
            param_hint="--problems",
        )


def run_batch(
    paths: tuple[Path, ...],
    *,
    store: Any,
    options: Any,
    fmt: str,
    output: Path | None,
    force: bool,
    problems_file: Path | None,
) -> int:
    """Run the batch, print its report, write the problems file; returns the exit code."""
    from ..ingest import Ingestor
    from ..render import ingest_renderables, write_csv, write_json, write_problems

    check_outputs(output, force, problems_file)
    apply_limits(options)
    quiet = settings().quiet
    ingestor = Ingestor(store, options)
    progress = _progress(len(paths), quiet)
    if progress is not None:
        task = progress.add_task(tr("Đang đọc", "Reading"), total=None)

        def start(total: int) -> None:  # shown only for more than a few files
            progress.update(task, total=total)
            if total > FEW_FILES:
                progress.start()

        ingestor.on_start = start
        ingestor.on_file = lambda name: progress.update(task, advance=1, description=Path(name).name[:30])
        try:
            report = ingestor.run(paths)
        finally:
            progress.stop()
    else:
        if fmt not in ("json", "csv"):
            def load_renderer(_file: str) -> None:  # while the workers read, not after the last file
                ingestor.on_file = None
                import rich.console  # noqa: F401

            ingestor.on_file = load_renderer
        report = ingestor.run(paths)
    store.checkpoint_in_background()  # while the report is written
    for skipped in report.skipped_files:
        info(tr(f"Bỏ qua (không phải tệp báo cáo): {skipped}", f"Skipped (not a return file): {skipped}"))
    if problems_file is not None:
        write_problems(report.problems, problems_file)
    stream = open_output(output)
    try:
        if fmt == "json":
            write_json(report.to_json(), stream)
        elif fmt == "csv":
            header = ["file", "sheet", "commune", "period", "status", "errors", "warnings"]
            write_csv(
                header,
                (
                    [
                        r.file,
                        r.sheet,
                        r.commune_label,
                        r.period_label,
                        r.status,
                        sum(1 for p in r.problems if p.severity == "error"),
                        sum(1 for p in r.problems if p.severity == "warning"),
                    ]
                    for r in report.returns
                ),
                stream,
            )
        else:
            console = make_console(stream)
            for renderable in ingest_renderables(report, store.catalog, quiet=quiet, problems_file=problems_file):
                console.print(renderable)
    finally:
        if output is not None:
            stream.close()
    return EXIT_REFUSED if report.refused else EXIT_OK


def _progress(n_paths: int, quiet: bool) -> Any:
    """A progress bar on stderr: only when stdout and stderr are both a terminal, not with
    -q, and not with NO_COLOR / --no-color (no animation, no ANSI codes)."""
    if quiet or not sys.stdout.isatty() or not use_color(sys.stderr):
        return None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=make_console(sys.stderr, stderr=True),
        transient=True,
    )
