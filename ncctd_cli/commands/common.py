"""What every command shares: options defined once, exit codes, output, language.

Only click is imported here: ``ncctd --help`` must stay fast.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

import click

from ..i18n import set_language
from .localized import LANG_PARAM, WordedCommand, tr

if TYPE_CHECKING:
    from ..catalog import Catalog, Commune
    from ..store import Store
    from ..vietnamese import Period

EXIT_OK = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_STORE = 3

F = TypeVar("F", bound=Callable[..., Any])


# ------------------------------------------------------------------ language
#
# The language is ncctd_cli.i18n's (a ContextVar), set by the global --lang option's callback
# below. `tr` here is the CLI's: it also remembers each pair, so that help texts worded at
# import follow a --lang given later on the command line (see .localized). Commands import
# `tr` from here; library modules use ncctd_cli.i18n.


# ------------------------------------------------------------------ settings shared by commands


@dataclass
class Settings:
    db: Path | None = None
    quiet: bool = False
    color: bool = True
    timeout: float | None = None  # --timeout; else NCCTD_TIMEOUT; else the store's default

    @property
    def db_path(self) -> Path:
        return self.db or Path(os.environ.get("NCCTD_DB") or "ncctd.sqlite")

    @property
    def store_timeout(self) -> float:
        """Seconds to wait for a store another program holds locked (then exit code 3)."""
        if self.timeout is not None:
            return self.timeout
        text = os.environ.get("NCCTD_TIMEOUT", "").strip()
        if not text:
            from ..store import DEFAULT_TIMEOUT

            return DEFAULT_TIMEOUT
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0 <= value < 1e6:
            raise click.UsageError(
                tr(
                    f"NCCTD_TIMEOUT={text!r} không phải số giây hợp lệ.",
                    f"NCCTD_TIMEOUT={text!r} is not a number of seconds.",
                )
            )
        return value


def settings() -> Settings:
    ctx = click.get_current_context()
    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = Settings()
    return root.obj


def _set_db(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
    if value is not None:
        settings().db = value


def _set_quiet(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        settings().quiet = True


def _set_no_color(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value:
        settings().color = False


def _set_timeout(ctx: click.Context, _param: click.Parameter, value: float | None) -> None:
    if value is not None:
        settings().timeout = value


def _set_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """``--lang``: the run's language, made current (:mod:`ncctd_cli.i18n`) for everything
    worded from now on. Eager, and read before the
    rest of its command line (``WordedCommand.parse_args``), so ``--help --lang en`` and
    ``--bogus --lang en`` are in English."""
    if value is not None:
        set_language(value)


def global_options(func: F) -> F:
    """``--db``, ``--timeout``, ``-q``, ``--no-color``, ``--lang``: before or after the command."""
    options = [
        click.option(
            "--db",
            type=click.Path(dir_okay=False, path_type=Path),
            expose_value=False,
            callback=_set_db,
            is_eager=True,
            help=tr(
                "Kho dữ liệu SQLite (mặc định ncctd.sqlite, hoặc biến môi trường NCCTD_DB).",
                "The SQLite store (default ncctd.sqlite, or the NCCTD_DB environment variable).",
            ),
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(0, 1e6),
            metavar="SECONDS",
            expose_value=False,
            callback=_set_timeout,
            help=tr(
                "Chờ kho dữ liệu đang bị khoá tối đa bấy nhiêu giây (mặc định 30, hoặc NCCTD_TIMEOUT).",
                "Wait this many seconds for a locked store (default 30, or NCCTD_TIMEOUT).",
            ),
        ),
        click.option(
            "-q",
            "--quiet",
            is_flag=True,
            expose_value=False,
            callback=_set_quiet,
            help=tr("Chỉ in lỗi.", "Print errors only."),
        ),
        click.option(
            "--no-color",
            is_flag=True,
            expose_value=False,
            callback=_set_no_color,
            help=tr("Không dùng màu (như NO_COLOR).", "No colour (like NO_COLOR)."),
        ),
        click.option(
            "--lang",
            LANG_PARAM,
            type=click.Choice(["vi", "en"]),
            expose_value=False,
            callback=_set_lang,
            is_eager=True,
            help=tr("Ngôn ngữ: vi (mặc định) hoặc en.", "Language: vi (default) or en."),
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def ncctd_command(name: str, help_vi: str, help_en: str, **kwargs: Any) -> Callable[[F], click.Command]:
    """A ``click.command`` with the shared options and bilingual help (a :class:`WordedCommand`:
    its help is shown in the language asked for, wherever ``--lang`` is)."""

    def decorate(func: F) -> click.Command:
        kwargs.setdefault("cls", WordedCommand)
        return click.command(
            name,
            help=tr(help_vi, help_en),
            context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
            **kwargs,
        )(help_option(global_options(func)))

    return decorate


def help_option(func: F) -> F:
    """``-h/--help`` with its line in the user's language."""
    return click.help_option(
        "-h", "--help", help=tr("Hiện hướng dẫn này rồi thoát.", "Show this message and exit.")
    )(func)


# ------------------------------------------------------------------ periods


class PeriodType(click.ParamType):
    """A month: ``2024-01`` (also ``01/2024``, ``T01/2024``…). A bad one is a usage error."""

    name = "YYYY-MM"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Period:
        from ..vietnamese import Period, parse_period

        if isinstance(value, Period):
            return value
        found = parse_period(str(value))
        if found is None:
            self.fail(
                tr(
                    f"kỳ «{value}» không đọc được: hãy viết dạng 2024-01.",
                    f"period {value!r} is not a month: write it like 2024-01.",
                ),
                param,
                ctx,
            )
        return found


PERIOD = PeriodType()


def _check_window(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """A window that cannot be right is a usage error before anything is opened: the last
    of ``--from``/``--to``/``--year`` to be parsed sees the others."""
    params = {**ctx.params, str(param.name): value}
    first, last, year = params.get("first"), params.get("last"), params.get("year")
    if year is not None and (first is not None or last is not None):
        raise click.UsageError(
            tr("Dùng --year hoặc --from/--to, không dùng cả hai.", "Use --year or --from/--to, not both."), ctx
        )
    if first is not None and last is not None and first > last:
        raise click.UsageError(
            tr(f"--from {first} ở sau --to {last}.", f"--from {first} is after --to {last}."), ctx
        )
    return value


def window_options(func: F) -> F:
    """``--from``, ``--to``, ``--year``: a window of months."""
    for option in reversed(
        [
            click.option(
                "--from", "first", type=PERIOD, callback=_check_window,
                help=tr("Tháng đầu (YYYY-MM).", "First month (YYYY-MM)."),
            ),
            click.option(
                "--to", "last", type=PERIOD, callback=_check_window,
                help=tr("Tháng cuối (YYYY-MM).", "Last month (YYYY-MM)."),
            ),
            click.option(
                "--year", type=click.IntRange(1900, 2999), callback=_check_window,
                help=tr("Cả một năm.", "A whole year."),
            ),
        ]
    ):
        func = option(func)
    return func


def resolve_window(
    store: Store, first: Period | None, last: Period | None, year: int | None
) -> tuple[Period, Period]:
    """The window asked for; without one, every stored month. Mistakes are usage errors."""
    from ..vietnamese import Period

    if year is not None:
        if first or last:
            raise click.UsageError(tr("Dùng --year hoặc --from/--to, không dùng cả hai.", "Use --year or --from/--to, not both."))
        return Period(year, 1), Period(year, 12)
    if first is None or last is None:
        stored = store.stored_range()
        if stored is None and (first is None and last is None):
            raise click.UsageError(
                tr("Kho chưa có số liệu: hãy chỉ rõ --from và --to.", "The store holds no data: give --from and --to.")
            )
        if stored is not None:
            first = first or stored[0]
            last = last or stored[1]
        else:
            first = first or last
            last = last or first
    assert first is not None and last is not None
    if first > last:
        raise click.UsageError(
            tr(f"--from {first} ở sau --to {last}.", f"--from {first} is after --to {last}.")
        )
    return first, last


# ------------------------------------------------------------------ units over time


def units_option(func: F) -> F:
    """``--units current|reported``: figures in today's units (the units of the window's
    last month, which each month's figures are attributed to) or as the units reported them."""
    return click.option(
        "--units",
        "units",
        type=click.Choice(["current", "reported"]),
        default="current",
        show_default=True,
        help=tr(
            "Đơn vị hành chính: current = theo đơn vị hiện nay (đơn vị của tháng cuối kỳ; số liệu "
            "của các đơn vị cũ tính cho đơn vị đã nhận địa bàn của chúng), reported = như các "
            "đơn vị đã báo cáo (đơn vị cũ giữ các tháng trước khi sắp xếp).",
            "Administrative units: current = today's units (those of the window's last month; "
            "the figures of former units go to the units that took their area), reported = the "
            "units as they reported (former units keep the months before the change).",
        ),
    )(func)


def unit_of_month(catalog: Catalog, text: str, period: Period, *, param_hint: str = "--commune") -> Commune:
    """The unit a ``--commune`` names in a month (code, name, alias), or a usage error:
    no such commune (with "did you mean"), or a unit not valid that month (naming the unit
    that reports it: the problem ``unit-not-active``'s sentence)."""
    from ..catalog import Commune as Unit
    from ..checks.commune import not_active_params
    from ..problems import Problem

    found = catalog.resolve(text, period)
    if isinstance(found, Unit):
        return found
    if found is None:
        hints = catalog.suggest_communes(text)
        hint = tr(f" Có phải: {', '.join(hints)}?", f" Did you mean: {', '.join(hints)}?") if hints else ""
        raise click.BadParameter(
            tr(f"không có xã/thị trấn «{text}» trong danh mục.", f"no commune {text!r} in the catalog.") + hint,
            param_hint=param_hint,
        )
    raise click.BadParameter(Problem.of("unit-not-active", **not_active_params(found)).message, param_hint=param_hint)


# ------------------------------------------------------------------ output


def format_option(*choices: str, default: str = "table") -> Callable[[F], F]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help=tr("Dạng kết quả.", "Output format."),
    )


def force_option(func: F) -> F:
    """``--force``: ``-o`` may overwrite (see :func:`check_output`)."""
    return click.option(
        "--force",
        is_flag=True,
        help=tr("Cho phép ghi đè tệp -o đã có.", "Allow -o to overwrite an existing file."),
    )(func)


def file_output_option(suffix: str) -> Callable[[F], F]:
    """A required ``-o`` naming a file of one kind (``.xlsx``, ``.docx``; checked by
    :func:`check_output`)."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        required=True,
        help=tr(f"Tệp {suffix} để ghi.", f"The {suffix} file to write."),
    )


def output_options(func: F) -> F:
    func = force_option(func)
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help=tr("Ghi kết quả ra tệp thay vì màn hình.", "Write to a file instead of the screen."),
    )(func)


def check_output(path: Path | None, force: bool, suffix: str | None = None) -> None:
    """``-o`` never overwrites an existing file unless ``--force``; its folder must exist;
    ``suffix``: the kind of file it must be (a report's ``.xlsx``, ``.docx``)."""
    if path is None or str(path) == "-":
        return
    if suffix is not None and path.suffix.lower() != suffix:
        raise click.UsageError(
            tr(f"Tệp báo cáo phải có đuôi {suffix}: {path}", f"The report file must end in {suffix}: {path}")
        )
    if (path.exists() or path.is_symlink()) and not force:  # a dangling link too
        raise click.UsageError(
            tr(
                f"Tệp {path} đã có: dùng --force để ghi đè.",
                f"{path} exists: use --force to overwrite it.",
            )
        )
    if not path.parent.exists():
        raise click.UsageError(tr(f"Không có thư mục {path.parent}.", f"No folder {path.parent}."))
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise click.UsageError(
            tr(f"Không ghi được tệp {path} (không có quyền ghi).", f"Cannot write {path} (no permission).")
        )


def open_output(path: Path | None, *, binary: bool = False) -> IO[Any]:
    if path is None or str(path) == "-":
        return sys.stdout.buffer if binary else sys.stdout
    return path.open("wb" if binary else "w", encoding=None if binary else "utf-8", newline="" if not binary else None)


def use_color(stream: IO[Any] | None = None) -> bool:
    stream = stream or sys.stdout
    if not settings().color or os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def make_console(stream: IO[Any] | None = None, *, stderr: bool = False) -> Any:
    """A rich Console: colour only on a terminal, none with NO_COLOR / --no-color."""
    from rich.console import Console

    target = stream or (sys.stderr if stderr else sys.stdout)
    color = use_color(target)
    return Console(
        file=target,
        no_color=not color,
        color_system="auto" if color else None,
        highlight=False,
        force_terminal=None if color else False,
        width=None if getattr(target, "isatty", lambda: False)() else 100,
        emoji=False,
    )


def info(message: str) -> None:
    """Progress and notes: stderr, silenced by -q."""
    if not settings().quiet:
        click.echo(message, err=True)


def open_store_for_read() -> Store:
    from ..store import Store

    return say_migrated(Store.open_readonly(settings().db_path, timeout=settings().store_timeout))


def open_store_for_write() -> Store:
    from ..store import Store

    return say_migrated(Store.open(settings().db_path, timeout=settings().store_timeout))


def say_migrated(store: Store) -> Store:
    """One line on stderr when opening upgraded a store of an older schema (the library
    prints nothing): where its copy from before is, or that a read-only file was read
    through an upgraded copy in memory."""
    done = store.migrated
    if done is not None and done.backup is not None:
        info(
            tr(
                f"Đã nâng cấp kho dữ liệu {done.path} từ lược đồ phiên bản {done.from_version} lên "
                f"{done.to_version}; bản sao lưu trước khi nâng cấp: {done.backup}",
                f"Upgraded the store {done.path} from schema version {done.from_version} to "
                f"{done.to_version}; a copy from before: {done.backup}",
            )
        )
    elif done is not None:
        info(
            tr(
                f"Kho dữ liệu {done.path} theo lược đồ cũ (phiên bản {done.from_version}) và không "
                "ghi được: đọc qua một bản nâng cấp tạm trong bộ nhớ, tệp giữ nguyên.",
                f"The store {done.path} has an older schema (version {done.from_version}) and cannot "
                "be written: read through an upgraded copy in memory; the file is unchanged.",
            )
        )
    return store


def open_store_copy() -> Store:
    """An in-memory copy of the store (dry runs, validate): nothing written, no file created."""
    from ..store import Store

    return Store.scratch(settings().db_path, timeout=settings().store_timeout)


def store_errors(func: F) -> F:
    """A store that cannot be used is exit 3 with one clear line, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import sqlite3

        from ..store import StoreError, describe_sqlite_error

        try:
            return func(*args, **kwargs)
        except StoreError as exc:
            click.echo(f"ncctd: {exc}", err=True)
            sys.exit(EXIT_STORE)
        except sqlite3.Error as exc:
            click.echo(f"ncctd: {describe_sqlite_error(exc, settings().db_path)}", err=True)
            sys.exit(EXIT_STORE)
        except OSError as exc:  # an output file that cannot be written after all
            import errno

            if isinstance(exc, BrokenPipeError):
                raise
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                click.echo(tr("ncctd: ổ đĩa đầy.", "ncctd: the disk is full."), err=True)
                sys.exit(EXIT_STORE)
            if exc.filename is None:
                raise
            click.echo(
                tr(
                    f"ncctd: không ghi được tệp {exc.filename}: {exc.strerror}",
                    f"ncctd: cannot write {exc.filename}: {exc.strerror}",
                ),
                err=True,
            )
            sys.exit(EXIT_USAGE)

    return wrapper  # type: ignore[return-value]
