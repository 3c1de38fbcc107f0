"""ncctd init: create the store with a catalog (or give a store another catalog)."""

from __future__ import annotations

from pathlib import Path

import click

from .common import (
    EXIT_USAGE,
    PERIOD,
    info,
    ncctd_command,
    say_migrated,
    settings,
    store_errors,
    tr,
)


@ncctd_command(
    "init",
    "Tạo kho dữ liệu, chép danh mục (chỉ tiêu, xã, quy tắc; các đơn vị theo thời gian, "
    "changes.csv, areas.csv nếu có) từ thư mục DIR hoặc danh mục mặc định. Kho đã có số liệu "
    "chỉ nhận danh mục mới còn đủ mọi đơn vị và chỉ tiêu của số liệu đã lưu (ví dụ: thêm các "
    "xã mới sau sắp xếp đơn vị hành chính).\n\n"
    "Ví dụ:\n\n"
    "  ncctd init --config danh-muc/ --changes Bang_chuyen_doi.xlsx",
    "Create the store, copying the catalog (indicators, communes, rules; units over time, "
    "changes.csv, areas.csv when present) from DIR or the default. A store holding returns takes "
    "a new catalog only if it still has every unit and indicator of the stored returns (e.g. "
    "adding the communes made by an administrative change).\n\n"
    "Example:\n\n"
    "  ncctd init --config catalog/ --changes NSO_conversion_table.xlsx",
)
@click.option(
    "--config",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help=tr("Thư mục danh mục (indicators.csv, communes.csv, rules.csv).", "Catalog folder."),
)
@click.option(
    "--changes",
    "changes_table",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=tr(
        "Bảng chuyển đổi ĐVHC mới - cũ của Tổng cục Thống kê (.csv hoặc .xlsx), thay cho "
        "changes.csv của thư mục danh mục.",
        "The statistics office's conversion table of old and new units (.csv or .xlsx), "
        "instead of the catalog folder's changes.csv.",
    ),
)
@click.option(
    "--changes-month",
    type=PERIOD,
    help=tr(
        "Tháng bắt đầu của các đơn vị mới trong bảng chuyển đổi (mặc định 2025-07).",
        "The new units' first month in the conversion table (default 2025-07).",
    ),
)
@store_errors
def init_command(config: Path | None, changes_table: Path | None, changes_month: object) -> None:
    from ..catalog import Catalog, CatalogError, bundled_catalog_folder
    from ..store import CatalogMismatch, Store
    from ..units import NSO_CHANGE_MONTH
    from ..vietnamese import Period

    month = changes_month if isinstance(changes_month, Period) else NSO_CHANGE_MONTH
    try:
        catalog = Catalog.from_folder(
            config or bundled_catalog_folder(), changes_table=changes_table, changes_month=month
        )
    except CatalogError as exc:
        click.echo(f"ncctd: {exc}", err=True)
        raise SystemExit(EXIT_USAGE) from exc
    path = settings().db_path
    existed = path.exists()
    with say_migrated(Store.open(path, catalog=catalog, timeout=settings().store_timeout)) as store:
        if existed and (config or changes_table):
            try:
                moved = store.replace_catalog(catalog)
            except CatalogMismatch as exc:
                _refuse(path, exc)
            if moved.moves:
                info(
                    tr(
                        f"{len(moved.moves)} báo cáo đã lưu được chuyển sang đơn vị mới cùng mã "
                        "có hiệu lực trong tháng của chúng.",
                        f"{len(moved.moves)} stored return(s) moved to the new unit with the same "
                        "code valid in their month.",
                    )
                )
        cat = store.catalog
    for note in catalog.change_notes:
        info(tr(f"Bảng chuyển đổi: {note.text_vi()}", f"Conversion table: {note.text_vi()}"))
    info(
        tr(
            f"Kho dữ liệu {path}: {len(cat.indicators)} chỉ tiêu, {len(cat.communes)} xã/thị trấn, "
            f"{len(cat.rules)} quy tắc.",
            f"Store {path}: {len(cat.indicators)} indicators, {len(cat.communes)} communes, "
            f"{len(cat.rules)} rules.",
        )
        + (
            tr(
                f" Đơn vị theo thời gian: {len(cat.units)} đơn vị, {len(cat.changes)} thay đổi, "
                f"{len(cat.areas)} địa bàn cấp trên.",
                f" Units over time: {len(cat.units)} units, {len(cat.changes)} changes, "
                f"{len(cat.areas)} areas.",
            )
            if cat.has_validity
            else ""
        )
    )


def _refuse(path: Path, exc: object) -> None:
    from ..store import CatalogMismatch

    assert isinstance(exc, CatalogMismatch)
    what = []
    if exc.unknown:
        shown = ", ".join(f"{key} {period}" for key, period in exc.unknown[:5])
        more = " …" if len(exc.unknown) > 5 else ""
        what.append(tr(f"đơn vị không có trong danh mục mới: {shown}{more}",
                       f"units not in the new catalog: {shown}{more}"))
    if exc.missing:
        what.append(tr(f"chỉ tiêu không có trong danh mục mới: {', '.join(exc.missing)}",
                       f"indicators not in the new catalog: {', '.join(exc.missing)}"))
    click.echo(
        tr(
            f"ncctd: kho {path} đã có số liệu; không thay danh mục ({'; '.join(what)}).",
            f"ncctd: {path} already holds returns; catalog not replaced ({'; '.join(what)}).",
        ),
        err=True,
    )
    raise SystemExit(EXIT_USAGE)
