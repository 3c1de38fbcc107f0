"""ncctd status: who has sent the return for a month (or each month of a year), on time or late."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .common import (
    PERIOD,
    check_output,
    format_option,
    make_console,
    ncctd_command,
    open_output,
    open_store_for_read,
    output_options,
    store_errors,
    tr,
)

if TYPE_CHECKING:
    from ..status import Completeness, Entry
    from ..vietnamese import Period

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SYMBOL = {"on_time": "✓", "late": "!", "unknown": "?", "missing": "✗", "not_due": "·"}
STYLE = {
    "on_time": "green",
    "late": "yellow",
    "unknown": "cyan",
    "missing": "bold white on red",
    "not_due": "dim",
}


def state_words(entry: Entry) -> str:
    if entry.state == "on_time":
        text = tr("đúng hạn", "on time")
    elif entry.state == "late":
        text = tr(f"muộn {entry.days_late} ngày", f"{entry.days_late} day(s) late")
    elif entry.state == "unknown":
        text = tr("đã nhận, không rõ ngày đến", "received, arrival day unknown")
    elif entry.state == "missing":
        text = tr("CHƯA GỬI", "MISSING")
    else:
        text = tr("chưa đến hạn", "not due yet")
    return text


def _date(iso: str | None) -> str:
    import datetime as dt

    if not iso:
        return "–"
    return dt.datetime.fromisoformat(iso).strftime("%d/%m/%Y")


def legend() -> str:
    return tr(
        "✓ đúng hạn   ! muộn   ? không rõ ngày đến   ✗ chưa gửi (quá hạn)   · chưa đến hạn",
        "✓ on time   ! late   ? arrival day unknown   ✗ missing (past the deadline)   · not due yet",
    )


def month_renderables(result: Completeness, period: Period) -> list[Any]:
    """The month: one row per commune with its state, when it came and from which file."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ..status import counts, deadline

    due = deadline(period, result.deadline_day)
    entries = result.month(period)
    table = Table(
        title=tr(
            f"Báo cáo tháng {period.month:02d}/{period.year} — hạn gửi {due:%d/%m/%Y}",
            f"Returns for {period} — due {due:%d/%m/%Y}",
        ),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    widest = max((len(e.name) for e in entries), default=10)
    table.add_column(tr("Xã, thị trấn", "Commune"), overflow="fold", min_width=min(widest, 24))
    table.add_column(tr("Tình trạng", "State"), no_wrap=True)
    table.add_column(tr("Nhận ngày", "Received"), no_wrap=True)
    table.add_column(tr("Bản", "Ver."), justify="right", no_wrap=True)
    table.add_column(tr("Tệp (bản đang dùng)", "File (in use)"), overflow="fold", ratio=1, min_width=12)
    for e in entries:
        r = e.receipt
        table.add_row(
            e.name,
            Text(state_words(e), style=STYLE[e.state]),
            _date(r.received_at if r else None),
            str(r.versions) if r else "",
            Path(r.file).name if r and r.file else "–",
            style="bold" if e.state == "missing" else None,
        )
    n = counts(entries)
    lines = [
        table,
        tr(
            f"Đã nhận {n['received']}/{n['expected']} báo cáo: {n['on_time']} đúng hạn, {n['late']} muộn"
            + (f", {n['unknown']} không rõ ngày đến." if n["unknown"] else "."),
            f"Received {n['received']}/{n['expected']} returns: {n['on_time']} on time, {n['late']} late"
            + (f", {n['unknown']} with the arrival day unknown." if n["unknown"] else "."),
        ),
    ]
    missing = [e.name for e in entries if e.state == "missing"]
    if missing:
        lines.append(
            Text(tr(f"Chưa gửi, đã quá hạn ({len(missing)}): ", f"Missing, past the deadline ({len(missing)}): ")
                 + ", ".join(missing) + ".", style="red")
        )
    waiting = [e.name for e in entries if e.state == "not_due"]
    if waiting:
        lines.append(
            tr(f"Chưa gửi, chưa đến hạn ({len(waiting)}): ", f"Not sent, not due yet ({len(waiting)}): ")
            + ", ".join(waiting) + "."
        )
    lines.append(
        Text(
            tr(
                "Ngày nhận: lần đầu báo cáo vào kho; «Bản»: số bản đã nhận (sửa bằng --replace).",
                "Received: when the return first went into the store; Ver.: versions received (--replace).",
            ),
            style="dim",
        )
    )
    return lines


def grid_renderables(result: Completeness) -> list[Any]:
    """Communes × months: one symbol per return, missing ones highlighted."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ..status import counts

    months = result.months
    if result.year is not None:
        title = tr(f"Báo cáo các tháng năm {result.year}", f"Returns, year {result.year}")
    else:
        title = tr(f"Báo cáo từ {result.first} đến {result.last}", f"Returns {result.first} to {result.last}")
    title += tr(f" (hạn gửi: ngày {result.deadline_day} tháng sau)", f" (due: day {result.deadline_day} of the next month)")
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), pad_edge=False, show_edge=False)
    table.add_column(tr("Xã, thị trấn", "Commune"), overflow="fold", min_width=10)
    same_year = len({p.year for p in months}) == 1
    for p in months:
        label = tr(f"T{p.month}", MONTHS_EN[p.month - 1]) if same_year else f"{p.month}/{p.year % 100:02d}"
        table.add_column(label, justify="center", no_wrap=True, min_width=2)
    table.add_column(tr("Đã gửi", "Sent"), justify="right", no_wrap=True)
    for commune in result.communes:
        entries = result.commune(commune.key)
        by_month = {e.period: e for e in entries}
        n = counts(entries)
        due_count = n["expected"] - n["not_due"]
        table.add_row(
            commune.name,
            # a month the unit is not valid in (before it was created, after it merged): blank
            *(Text(SYMBOL[e.state], style=STYLE[e.state]) if (e := by_month.get(p)) else "" for p in months),
            f"{n['received']}/{due_count}" if due_count else str(n["received"]),
        )
    table.add_section()
    table.add_row(
        tr("Đã nhận", "Received"),
        *(str(counts(result.month(p))["received"]) for p in months),
        str(result.totals["received"]),
        style="bold",
    )
    t = result.totals
    summary = tr(
        f"Tổng: {t['received']} báo cáo đã nhận ({t['on_time']} đúng hạn, {t['late']} muộn"
        + (f", {t['unknown']} không rõ ngày đến" if t["unknown"] else "")
        + f"), {t['missing']} chưa gửi đã quá hạn, {t['not_due']} chưa đến hạn.",
        f"Total: {t['received']} received ({t['on_time']} on time, {t['late']} late"
        + (f", {t['unknown']} arrival day unknown" if t["unknown"] else "")
        + f"), {t['missing']} missing past the deadline, {t['not_due']} not due yet.",
    )
    return [table, legend(), summary]


@ncctd_command(
    "status",
    "Tình hình nhận báo cáo: xã nào đã gửi, đúng hạn hay muộn, gửi lúc nào, tệp nào; xã nào "
    "chưa gửi. Một tháng (--period) hoặc cả năm (--year, bảng xã × tháng). Không ghi gì thì "
    "xem tháng trước (tháng đang thu báo cáo).\n\n"
    "Hạn gửi là ngày deadline_day (mặc định ngày 5) của tháng sau; báo cáo tính đúng hạn theo "
    "lần nhận đầu tiên, kể cả khi sau đó được sửa.",
    "Who has sent their return: on time or late, when, from which file; who has not. One month "
    "(--period) or a year (--year, communes × months). Without either: last month (the one "
    "being collected).\n\n"
    "The deadline is day deadline_day (default the 5th) of the next month; a return is on time "
    "by its first receipt, even when corrected later.",
)
@click.option("--period", type=PERIOD, help=tr("Một tháng (YYYY-MM).", "One month (YYYY-MM)."))
@click.option("--year", type=click.IntRange(1900, 2999), help=tr("Cả một năm.", "A whole year."))
@format_option("table", "csv", "json")
@output_options
@store_errors
def status_command(period: Period | None, year: int | None, fmt: str, output: Path | None, force: bool) -> None:
    from ..render import write_csv, write_json
    from ..status import month_status, year_status
    from ..vietnamese import Period

    if period is not None and year is not None:
        raise click.UsageError(tr("Dùng --period hoặc --year, không dùng cả hai.", "Use --period or --year, not both."))
    today = Period.today()
    if period is not None and period > today:
        raise click.BadParameter(
            tr(f"kỳ {period} ở sau tháng hiện tại ({today}).", f"{period} is after the current month ({today})."),
            param_hint="--period",
        )
    if year is not None and year > today.year:
        raise click.BadParameter(
            tr(f"năm {year} ở sau năm hiện tại ({today.year}).", f"{year} is after the current year ({today.year})."),
            param_hint="--year",
        )
    check_output(output, force)
    with open_store_for_read() as store:
        if year is not None:
            result = year_status(store, year)
        else:
            result = month_status(store, period or today.shift(-1))
    stream = open_output(output)
    try:
        if fmt == "json":
            write_json(result.to_json(), stream)
        elif fmt == "csv":
            header, rows = result.month_rows(result.first) if year is None else result.grid_rows()
            write_csv(header, rows, stream)
        else:
            console = make_console(stream)
            renderables = month_renderables(result, result.first) if year is None else grid_renderables(result)
            for renderable in renderables:
                console.print(renderable)
    finally:
        if output is not None:
            stream.close()
