"""ncctd template: blank forms to send out, one per commune and month."""

from __future__ import annotations

from pathlib import Path

import click

from .common import (
    EXIT_USAGE,
    PERIOD,
    info,
    ncctd_command,
    open_store_for_read,
    store_errors,
    tr,
    unit_of_month,
)


@ncctd_command(
    "template",
    "Tạo biểu mẫu báo cáo (xlsx) để gửi xã: đã ghi sẵn xã, kỳ báo cáo, mã, tên và đơn vị tính "
    "của mọi chỉ tiêu; chỉ ô «Số lượng» và «Ghi chú» được sửa; in vừa khổ A4.\n\n"
    "Ví dụ:\n\n"
    "  ncctd template --all --period 2024-01 -o bieu-mau/\n\n"
    "  ncctd template --commune \"Nậm Có\" --period 2024-01 -o nam-co.xlsx",
    "Write blank return forms (xlsx) to send to the communes: commune, period, and every "
    "indicator's code, label and unit filled in; only the value and note cells can be edited; "
    "prints on A4.\n\n"
    "Examples:\n\n"
    "  ncctd template --all --period 2024-01 -o forms/\n\n"
    "  ncctd template --commune \"Nam Co\" --period 2024-01 -o nam-co.xlsx",
)
@click.option(
    "--commune",
    "communes",
    multiple=True,
    metavar=tr("XÃ", "COMMUNE"),
    help=tr(
        "Xã/thị trấn (tên hoặc mã; có thể ghi nhiều lần).",
        "Commune (name or code; may be repeated).",
    ),
)
@click.option("--all", "all_communes", is_flag=True, help=tr("Mọi xã, thị trấn.", "Every commune."))
@click.option(
    "--period",
    type=PERIOD,
    required=True,
    help=tr("Kỳ báo cáo (YYYY-MM), không sau tháng hiện tại.", "The month (YYYY-MM), not after this month."),
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help=tr(
        "Tệp .xlsx (một xã) hoặc thư mục (--all, nhiều xã); mặc định thư mục hiện tại.",
        "An .xlsx file (one commune) or a folder (--all, several); default the current folder.",
    ),
)
@click.option("--force", is_flag=True, help=tr("Cho phép ghi đè tệp đã có.", "Allow overwriting existing files."))
@store_errors
def template_command(
    communes: tuple[str, ...],
    all_communes: bool,
    period: object,
    output: Path | None,
    force: bool,
) -> None:
    from ..template import TemplateError, write_template, write_templates
    from ..vietnamese import Period

    assert isinstance(period, Period)
    if all_communes == bool(communes):
        raise click.UsageError(
            tr("Hãy chọn --commune XÃ hoặc --all (không dùng cả hai).", "Give --commune C or --all (not both).")
        )
    today = Period.today()
    if period > today:
        raise click.BadParameter(
            tr(
                f"kỳ {period} ở sau tháng hiện tại ({today}): chỉ làm biểu mẫu cho tháng này hoặc "
                "các tháng đã qua.",
                f"{period} is after the current month ({today}): forms are for this month or earlier.",
            ),
            param_hint="--period",
        )
    with open_store_for_read() as store:
        catalog = store.catalog
    if all_communes:
        chosen = catalog.units_on(period)  # the units that report that month
    else:
        chosen = []
        for text in communes:
            commune = unit_of_month(catalog, text, period)
            if commune not in chosen:
                chosen.append(commune)

    target = output if output is not None else Path(".")
    as_folder = len(chosen) > 1 or all_communes or target.is_dir() or str(target).endswith(("/", "\\"))
    try:
        if as_folder:
            if target.exists() and not target.is_dir():
                raise click.BadParameter(
                    tr(f"{target} là một tệp: nhiều biểu mẫu cần -o THƯ-MỤC.", f"{target} is a file: several forms need -o FOLDER."),
                    param_hint="-o",
                )
            if not target.exists() and target.suffix.lower() in (".xlsx", ".xls", ".xlsm", ".ods"):
                raise click.BadParameter(
                    tr(f"nhiều biểu mẫu cần -o là một thư mục, không phải {target}.", f"several forms need -o to be a folder, not {target}."),
                    param_hint="-o",
                )
            if not target.parent.exists():
                raise click.BadParameter(tr(f"không có thư mục {target.parent}.", f"no folder {target.parent}."), param_hint="-o")
            target.mkdir(exist_ok=True)
            written = [w.path for w in write_templates(catalog, period, target, chosen, force=force)]
        else:
            if target.suffix.lower() != ".xlsx":
                raise click.BadParameter(
                    tr(f"biểu mẫu là tệp .xlsx: {target}", f"a form is an .xlsx file: {target}"),
                    param_hint="-o",
                )
            if not target.parent.exists():
                raise click.BadParameter(tr(f"không có thư mục {target.parent}.", f"no folder {target.parent}."), param_hint="-o")
            if target.exists() and not force:
                raise TemplateError(tr(f"Tệp {target} đã có: dùng --force để ghi đè.", f"{target} exists: use --force to overwrite it."))
            written = [write_template(catalog, chosen[0], period, target, force=force)]
    except TemplateError as exc:
        click.echo(f"ncctd: {exc}", err=True)
        raise SystemExit(EXIT_USAGE) from exc
    for path in written:
        click.echo(str(target / path.name) if as_folder else str(target))
    info(
        tr(
            f"Đã tạo {len(written)} biểu mẫu kỳ {period.month:02d}/{period.year}"
            + ((f" trong thư mục {target}." if output else " trong thư mục hiện tại.") if as_folder else "."),
            f"Wrote {len(written)} form(s) for {period}"
            + ((f" in {target}." if output else " in the current folder.") if as_folder else "."),
        )
    )
