"""ncctd init: create the store with a catalog."""

from __future__ import annotations

from pathlib import Path

import click

from .common import EXIT_USAGE, info, ncctd_command, say_migrated, settings, store_errors, tr


@ncctd_command(
    "init",
    "Tạo kho dữ liệu, chép danh mục (chỉ tiêu, xã, quy tắc) từ thư mục DIR hoặc danh mục mặc định.",
    "Create the store, copying the catalog (indicators, communes, rules) from DIR or the default.",
)
@click.option(
    "--config",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help=tr("Thư mục danh mục (indicators.csv, communes.csv, rules.csv).", "Catalog folder."),
)
@store_errors
def init_command(config: Path | None) -> None:
    from ..catalog import Catalog, CatalogError, default_catalog
    from ..store import Store

    try:
        catalog = Catalog.from_folder(config) if config else default_catalog()
    except CatalogError as exc:
        click.echo(f"ncctd: {exc}", err=True)
        raise SystemExit(EXIT_USAGE) from exc
    path = settings().db_path
    existed = path.exists()
    with say_migrated(Store.open(path, catalog=catalog, timeout=settings().store_timeout)) as store:
        if existed and config:
            if store.count_returns():
                click.echo(
                    tr(
                        f"ncctd: kho {path} đã có số liệu; không thay danh mục.",
                        f"ncctd: {path} already holds returns; catalog not replaced.",
                    ),
                    err=True,
                )
                raise SystemExit(EXIT_USAGE)
            store.replace_catalog(catalog)
        cat = store.catalog
    info(
        tr(
            f"Kho dữ liệu {path}: {len(cat.indicators)} chỉ tiêu, {len(cat.communes)} xã/thị trấn, "
            f"{len(cat.rules)} quy tắc.",
            f"Store {path}: {len(cat.indicators)} indicators, {len(cat.communes)} communes, "
            f"{len(cat.rules)} rules.",
        )
    )
