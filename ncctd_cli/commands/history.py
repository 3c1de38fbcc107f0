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
)

if TYPE_CHECKING:
    from ..catalog import Catalog
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
@format_option("table", "json")
@output_options
@store_errors
def history_command(commune: str, period: Period, fmt: str, output: Path | None, force: bool) -> None:
    from ..render import write_json

    check_output(output, force)
    with open_store_for_read() as store:
        catalog = store.catalog
        code = catalog.commune(commune)
        if code is None:
            hints = catalog.suggest_communes(commune)
            hint = tr(f" Có phải: {', '.join(hints)}?", f" Did you mean: {', '.join(hints)}?") if hints else ""
            raise click.BadParameter(
                tr(f"không có xã/thị trấn «{commune}» trong danh mục.", f"no commune {commune!r} in the catalog.")
                + hint,
                param_hint="--commune",
            )
        versions = store.versions(code, period)
    data = history_json(code, catalog.commune_name(code), period, versions, catalog)
    stream = open_output(output)
    try:
        if fmt == "json":
            write_json(data, stream)
        else:
            console = make_console(stream)
            for renderable in history_renderables(data, catalog):
                console.print(renderable)
    finally:
        if output is not None:
            stream.close()
