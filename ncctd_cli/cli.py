"""The ``ncctd`` command: a thin layer over the library, one module per command.

Commands are imported only when run (``--help`` imports neither pandas, openpyxl nor rich).
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from . import __version__, click_vi, i18n
from .commands.common import EXIT_STORE, global_options, help_option, tr
from .commands.localized import WordedGroup

COMMANDS = {
    "init": "init",
    "indicators": "catalog_list",
    "communes": "catalog_list",
    "validate": "validate",
    "ingest": "ingest",
    "rollup": "rollup",
    "status": "status",
    "history": "history",
    "report": "report",
    "narrative": "narrative",
    "document": "document",
    "template": "template",
}


# What `ncctd --help` lists for each command: the first sentence of its help (the rest of the
# list is cut there anyway), here so that the list imports no command module and start-up
# stays within 1.5× of `import click` (tests/test_benchmark_quick.py checks it matches).
SUMMARIES: dict[str, tuple[str, str]] = {
    "init": (
        "Tạo kho dữ liệu, chép danh mục (chỉ tiêu, xã, quy tắc; các đơn vị theo thời gian, changes.csv, areas.csv nếu có) từ thư mục DIR hoặc danh mục mặc định.",
        "Create the store, copying the catalog (indicators, communes, rules; units over time, changes.csv, areas.csv when present) from DIR or the default.",
    ),
    "indicators": (
        "Liệt kê các chỉ tiêu trong danh mục.",
        "List the catalog's indicators.",
    ),
    "communes": (
        "Liệt kê các xã, thị trấn trong danh mục.",
        "List the catalog's communes.",
    ),
    "validate": (
        "Kiểm tra báo cáo mà không lưu.",
        "Check returns without storing them.",
    ),
    "ingest": (
        "Nhận báo cáo: đọc tệp/thư mục (xlsx, xlsm, xls, ods, csv; «-» là CSV từ stdin), kiểm tra, lưu báo cáo hợp lệ.",
        "Read files/folders of returns (xlsx, xlsm, xls, ods, csv; '-' for CSV on stdin), check them, store the valid ones.",
    ),
    "rollup": (
        "Tổng hợp số liệu toàn huyện cho một khoảng tháng (cộng dồn chỉ tiêu luỹ kế; chỉ tiêu tồn lấy số mới nhất của mỗi xã), hoặc chia theo xã, tháng, quý, 6 tháng, năm.",
        "Roll up the district's figures for a window of months (flows summed; stocks: each commune's latest value), or broken down by commune, month, quarter, half-year or year.",
    ),
    "status": (
        "Tình hình nhận báo cáo: xã nào đã gửi, đúng hạn hay muộn, gửi lúc nào, tệp nào; xã nào chưa gửi.",
        "Who has sent their return: on time or late, when, from which file; who has not.",
    ),
    "history": (
        "Lịch sử một báo cáo: mọi bản đã nhận của một xã cho một tháng (cũ trước), lúc nhận, tệp, và các chỉ tiêu thay đổi giữa các bản.",
        "Every version of one commune's return for one month (oldest first): when received, from which file, and the values that changed between versions.",
    ),
    "report": (
        "Lập sổ Excel báo cáo tổng kết cho một năm (--year) hoặc một khoảng tháng (--from/--to): trang tổng hợp (kỳ này, kỳ trước cùng độ dài, tăng/giảm %, luỹ kế từ tháng đầu tiên có số liệu), theo xã, theo tháng, theo quý, biểu đồ, tình hình nộp báo cáo (đúng hạn / muộn / thiếu) và các cảnh báo còn tồn đọng.",
        "Write the year-end report workbook for a year (--year) or a window (--from/--to): summary (this period, the previous period of equal length, change in %, cumulative since the first stored month), by commune, by month, by quarter, charts, completeness (on time / late / missing) and the warnings still open.",
    ),
    "narrative": (
        "Viết đoạn văn báo cáo kết quả («Trong 3 năm qua, huyện đã tổ chức hơn 4.600 lượt …») từ số liệu đã lưu, theo thứ tự và lời văn của bài tổng kết của huyện.",
        "Write the report paragraph («Trong 3 năm qua, huyện đã tổ chức hơn 4.600 lượt …») from the stored returns, in the order and wording of the district's article.",
    ),
    "document": (
        "Lập báo cáo chính thức (tệp Word .docx) cho một năm (--year) hoặc một khoảng tháng (--from/--to), trình bày theo Nghị định 30/2020/NĐ-CP: tên cơ quan, số ký hiệu, Quốc hiệu, Tiêu ngữ, địa danh và ngày tháng; kết quả theo từng nhóm chỉ tiêu (lời văn của bài tổng kết), bảng số liệu các chỉ tiêu (kỳ này, kỳ trước cùng độ dài, tăng/giảm), tình hình nộp báo cáo, Nơi nhận và chữ ký; phụ lục số liệu theo xã và biểu đồ.",
        "Write the official report (a Word .docx file) for a year (--year) or a window (--from/--to), laid out as Decree 30/2020/ND-CP asks: issuing body, number, national title and motto, place and date; the results by indicator group (in the district article's words), a table of every indicator (this period, the previous period of equal length, change), completeness of reporting, recipients and signature; appendices with the figures by commune and charts.",
    ),
    "template": (
        "Tạo biểu mẫu báo cáo (xlsx) để gửi xã: đã ghi sẵn xã, kỳ báo cáo, mã, tên và đơn vị tính của mọi chỉ tiêu; chỉ ô «Số lượng» và «Ghi chú» được sửa; in vừa khổ A4.",
        "Write blank return forms (xlsx) to send to the communes: commune, period, and every indicator's code, label and unit filled in; only the value and note cells can be edited; prints on A4.",
    ),
}


class LazyGroup(WordedGroup):
    """Finds each command in ``ncctd_cli.commands.<module>`` when it is asked for."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if any(name not in SUMMARIES for name in COMMANDS):
            super().format_commands(ctx, formatter)  # a command not summarised: the slow way
            return
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [
            (name, click.Command(name, help=i18n.tr(*SUMMARIES[name])).get_short_help_str(limit))
            for name in COMMANDS
        ]
        with formatter.section(click_vi.gettext("Commands")):
            formatter.write_dl(rows)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if self._find(name) is not None]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._find(cmd_name)

    @staticmethod
    def _find(name: str) -> click.Command | None:
        module_name = COMMANDS.get(name)
        if module_name is None:
            return None
        try:
            module = importlib.import_module(f"ncctd_cli.commands.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"ncctd_cli.commands.{module_name}":
                return None  # not built yet
            raise
        command = getattr(module, f"{name}_command", None) or getattr(module, "command", None)
        return command if isinstance(command, click.Command) else None


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``: ours rather than click's, whose line is worded once, at import."""
    if value and not ctx.resilient_parsing:
        click.echo(i18n.tr(f"ncctd, phiên bản {__version__}", f"ncctd, version {__version__}"), color=ctx.color)
        ctx.exit()


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    help=tr(
        "Tổng hợp số liệu mô hình «Ngày cuối tuần cùng dân» từ báo cáo hằng tháng của các xã.\n\n"
        "Ví dụ:\n\n"
        "  ncctd ingest bao-cao/\n\n"
        "  ncctd rollup --from 2021-01 --to 2023-12",
        "Aggregate the monthly commune returns of the “Weekend with the people” programme.\n\n"
        "Example:\n\n  ncctd ingest returns/\n\n  ncctd rollup --from 2021-01 --to 2023-12",
    ),
)
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_show_version,
    help=tr("Hiện phiên bản rồi thoát.", "Show the version and exit."),
)
@help_option
@global_options
def cli(**_: object) -> None:
    pass


# numpy's BLAS (OpenBLAS, MKL, OpenMP builds) starts a thread a core when numpy is imported,
# which spins while it waits for work: 3 % of a batch's CPU, taken from the processes reading
# the files. ncctd multiplies no matrices: one thread (unless the environment says otherwise).
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def main() -> None:
    """Console entry point: runs the command; store failures are exit code 3, never a traceback."""
    for name in BLAS_THREADS:
        os.environ.setdefault(name, "1")
    try:
        cli.main(prog_name="ncctd", standalone_mode=True)
    except Exception as exc:
        # A StoreError can only come from an imported store module: `ncctd --help` does
        # not import it (nor what it imports) just to name the exception.
        store = sys.modules.get("ncctd_cli.store")
        if store is None or not isinstance(exc, store.StoreError):
            raise
        click.echo(f"ncctd: {exc}", err=True)  # raised outside a command's own handling
        sys.exit(EXIT_STORE)
    except KeyboardInterrupt:
        click.echo(tr("ncctd: đã dừng.", "ncctd: interrupted."), err=True)
        sys.exit(130)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
