"""ncctd history: every version of one commune's return for one month, and what changed."""

from __future__ import annotations

import itertools
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
    unit_of_month,
)

if TYPE_CHECKING:
    from ..catalog import Catalog, Commune
    from ..store import StoredVersion
    from ..vietnamese import Period


def changes(before: dict[str, float], after: dict[str, float], catalog: Catalog) -> list[dict[str, Any]]:
    """The indicators whose value differs between two versions (added or removed included),
    in catalog order."""
    order = {i.code: n for n, i in enumerate(catalog.indicators)}
    codes = sorted(set(before) | set(after), key=lambda c: (order.get(c, len(order)), c))
    return [
        {"indicator": code, "before": _number(before.get(code), code, catalog), "after": _number(after.get(code), code, catalog)}
        for code in codes
        if before.get(code) is None
        or after.get(code) is None
        or abs(before[code] - after[code]) > 1e-9
    ]


def _number(value: float | None, code: str, catalog: Catalog) -> float | int | None:
    if value is None:
        return None
    indicator = catalog.indicator_by_code.get(code)
    if indicator is not None and indicator.is_integer and float(value).is_integer():
        return int(value)
    return value


def history_json(commune: str, name: str, period: Period, versions: list[StoredVersion], catalog: Catalog) -> dict[str, Any]:
    """The contract's shape, plus the name, the version number, whether it is in use, and the
    changes from the version before."""
    out = []
    previous: dict[str, float] | None = None
    for v in versions:
        out.append(
            {
                "version": v.version,
                "received_at": v.received_at,
                "file": v.file,
                "sheet": v.sheet,
                "sha256": v.sha256,
                "current": v.is_current,
                "values": {code: _number(value, code, catalog) for code, value in _ordered(v.values, catalog)},
                "changes": [] if previous is None else changes(previous, v.values, catalog),
            }
        )
        previous = v.values
    return {"commune": commune, "name": name, "period": str(period), "versions": out}


def _ordered(values: dict[str, float], catalog: Catalog) -> list[tuple[str, float]]:
    order = {i.code: n for n, i in enumerate(catalog.indicators)}
    return sorted(values.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))


def _when(iso: str) -> str:
    import datetime as dt

    return dt.datetime.fromisoformat(iso).strftime("%d/%m/%Y %H:%M")


def history_renderables(data: dict[str, Any], catalog: Catalog) -> list[Any]:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from ..render import format_value

    period = data["period"]
    versions = data["versions"]
    if not versions:
        return [
            tr(
                f"Chưa có báo cáo nào của {data['name']} cho kỳ {period}.",
                f"No return stored for {data['name']}, {period}.",
            )
        ]
    out: list[Any] = []
    listing = Table(
        title=tr(
            f"{data['name']} — kỳ {period}: {len(versions)} bản",
            f"{data['name']} — {period}: {len(versions)} version(s)",
        ),
        title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    listing.add_column(tr("Bản", "Ver."), justify="right", no_wrap=True)
    listing.add_column(tr("Nhận lúc", "Received"), no_wrap=True)
    listing.add_column(tr("Tệp", "File"), overflow="fold", ratio=1)
    listing.add_column(tr("Số chỉ tiêu", "Values"), justify="right", no_wrap=True)
    listing.add_column(tr("Thay đổi", "Changed"), justify="right", no_wrap=True)
    for v in versions:
        file = Path(v["file"]).name if v["file"] else "–"
        if v["sheet"]:
            file += f" › {v['sheet']}"
        listing.add_row(
            str(v["version"]) + (" *" if v["current"] else ""),
            _when(v["received_at"]),
            file,
            str(len(v["values"])),
            "–" if v["version"] == versions[0]["version"] else str(len(v["changes"])),
            style="bold" if v["current"] else None,
        )
    out.append(listing)
    out.append(Text(tr("* bản đang dùng để tổng hợp.", "* the version roll-ups use."), style="dim"))

    def shown(code: str, value: float | None) -> str:
        indicator = catalog.indicator_by_code.get(code)
        if value is None:
            return tr("(trống)", "(empty)")
        return format_value(value, indicator) if indicator else str(value)

    for earlier, later in itertools.pairwise(versions):
        if not later["changes"]:
            out.append(
                tr(
                    f"\nBản {later['version']}: số liệu như bản {earlier['version']}.",
                    f"\nVersion {later['version']}: same values as version {earlier['version']}.",
                )
            )
            continue
        table = Table(
            title=tr(
                f"Bản {earlier['version']} → bản {later['version']}: {len(later['changes'])} chỉ tiêu thay đổi",
                f"Version {earlier['version']} → {later['version']}: {len(later['changes'])} value(s) changed",
            ),
            title_justify="left",
            box=box.SIMPLE_HEAD,
        )
        table.add_column(tr("Chỉ tiêu", "Indicator"), overflow="fold", ratio=1)
        table.add_column(tr("ĐVT", "Unit"), overflow="fold")
        table.add_column(tr(f"Bản {earlier['version']}", f"Ver. {earlier['version']}"), justify="right", no_wrap=True)
        table.add_column(tr(f"Bản {later['version']}", f"Ver. {later['version']}"), justify="right", no_wrap=True)
        for change in later["changes"]:
            code = change["indicator"]
            indicator = catalog.indicator_by_code.get(code)
            table.add_row(
                indicator.label if indicator else code,
                indicator.unit if indicator else "",
                shown(code, change["before"]),
                Text(shown(code, change["after"]), style="bold yellow"),
            )
        out.append(table)
    return out


@ncctd_command(
    "history",
    "Lịch sử một báo cáo: mọi bản đã nhận của một xã cho một tháng (cũ trước), lúc nhận, tệp, "
    "và các chỉ tiêu thay đổi giữa các bản.\n\n"
    "Ví dụ:\n\n  ncctd history --commune \"Nậm Có\" --period 2024-01",
    "Every version of one commune's return for one month (oldest first): when received, from "
    "which file, and the values that changed between versions.\n\n"
    "Example:\n\n  ncctd history --commune \"Nam Co\" --period 2024-01",
)
@click.option(
    "--commune",
    required=True,
    metavar=tr("XÃ", "COMMUNE"),
    help=tr("Xã/thị trấn (tên hoặc mã).", "Commune (name or code)."),
)
@click.option("--period", type=PERIOD, required=True, help=tr("Kỳ báo cáo (YYYY-MM).", "The month (YYYY-MM)."))
@click.option(
    "--former",
    is_flag=True,
    help=tr(
        "Xã mới sau sắp xếp: kèm báo cáo tháng đó của các đơn vị cũ đã nhập vào xã (ví dụ "
        "Xã Khao Mang, tháng 03/2025: Xã Khao Mang cũ và Xã Hồ Bốn).",
        "A commune made by a merger: also the returns of that month from the former units whose "
        "area it took (e.g. the new Khao Mang commune in 2025-03: the old Khao Mang and Ho Bon).",
    ),
)
@format_option("table", "json")
@output_options
@store_errors
def history_command(commune: str, period: Period, former: bool, fmt: str, output: Path | None, force: bool) -> None:
    from ..render import write_json

    check_output(output, force)
    with open_store_for_read() as store:
        catalog = store.catalog
        unit = latest_unit(catalog, commune) if former else unit_of_month(catalog, commune, period)
        versions = store.versions(unit.key, period) if unit.valid_in(period) else []
        shares = catalog.former_units(unit) if former else {}
        earlier = [(u, store.versions(u.key, period)) for u in shares if u.valid_in(period)]
    data = history_json(unit.code, unit.name, period, versions, catalog)
    if former:  # (with a month, a code names one unit: the key is said only with --former)
        data = {"commune": data.pop("commune"), "unit": unit.key, **data}
        data["former"] = [
            {
                "commune": u.code, "unit": u.key, "name": u.name, "share": shares[u],
                "versions": history_json(u.code, u.name, period, found, catalog)["versions"],
            }
            for u, found in earlier
        ]
    stream = open_output(output)
    try:
        if fmt == "json":
            write_json(data, stream)
        else:
            console = make_console(stream)
            if unit.valid_in(period):
                for renderable in history_renderables(data, catalog):
                    console.print(renderable)
            else:
                since = f"{unit.since.month:02d}/{unit.since.year}" if unit.since else ""
                console.print(
                    tr(
                        f"{unit.name} ({unit.code}) chỉ có từ tháng {since}; tháng "
                        f"{period.month:02d}/{period.year} do các đơn vị cũ báo cáo.",
                        f"{unit.name} ({unit.code}) exists only from {unit.since}; {period} was "
                        "reported by the former units.",
                    )
                )
            for item in data.get("former", []):
                console.print(
                    tr(
                        f"\n— Đơn vị cũ {item['name']} ({item['commune']}), nay thuộc {unit.name}:",
                        f"\n— Former unit {item['name']} ({item['commune']}), now part of {unit.name}:",
                    )
                )
                for renderable in history_renderables({**item, "period": data["period"]}, catalog):
                    console.print(renderable)
    finally:
        if output is not None:
            stream.close()


def latest_unit(catalog: Catalog, text: str) -> Commune:
    """The unit a name or code means when asked about its history over a change: among the
    units it names, the one that began last (``Nậm Có``: the commune since 2025-07)."""
    from ..vietnamese import Period

    exact, stripped = catalog.timeline.candidates(text)
    found = exact or stripped
    if not found:
        unit_of_month(catalog, text, Period.today())  # the "no such commune" error
    return max(found, key=lambda u: -1 if u.since is None else u.since.index)
