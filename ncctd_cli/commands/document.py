"""ncctd document: the official report (.docx), written from the stored figures."""

from __future__ import annotations

from pathlib import Path

import click

from .common import (
    check_output,
    file_output_option,
    force_option,
    info,
    ncctd_command,
    open_store_for_read,
    resolve_window,
    store_errors,
    tr,
    units_option,
    window_options,
)


@ncctd_command(
    "document",
    "Lập báo cáo chính thức (tệp Word .docx) cho một năm (--year) hoặc một khoảng tháng "
    "(--from/--to), trình bày theo Nghị định 30/2020/NĐ-CP: tên cơ quan, số ký hiệu, Quốc hiệu, "
    "Tiêu ngữ, địa danh và ngày tháng; kết quả theo từng nhóm chỉ tiêu (lời văn của bài tổng "
    "kết), bảng số liệu các chỉ tiêu (kỳ này, kỳ trước cùng độ dài, tăng/giảm), tình hình nộp "
    "báo cáo, Nơi nhận và chữ ký; phụ lục số liệu theo xã và biểu đồ. Tên cơ quan, nơi nhận, "
    "người ký lấy từ settings.csv của danh mục; --template dùng mẫu .docx của cơ quan.\n\n"
    "Ví dụ:\n\n"
    "  ncctd document --year 2023 -o bao-cao-2023.docx\n\n"
    "  ncctd document --year 2023 --template mau-cua-phong.docx -o bao-cao-2023.docx",
    "Write the official report (a Word .docx file) for a year (--year) or a window "
    "(--from/--to), laid out as Decree 30/2020/ND-CP asks: issuing body, number, national title "
    "and motto, place and date; the results by indicator group (in the district article's "
    "words), a table of every indicator (this period, the previous period of equal length, "
    "change), completeness of reporting, recipients and signature; appendices with the figures "
    "by commune and charts. Issuing body, recipients and signer come from the catalog's "
    "settings.csv; --template takes the office's own .docx.\n\nExample:\n\n"
    "  ncctd document --year 2023 -o report-2023.docx",
)
@window_options
@file_output_option(".docx")
@click.option(
    "--template",
    type=click.Path(dir_okay=False, path_type=Path),
    help=tr(
        "Mẫu .docx của cơ quan (khổ giấy, lề, đầu trang, các kiểu chữ như «Nội dung», «Đề mục», "
        "«Bảng»); nội dung của mẫu được thay bằng báo cáo. Mặc định: mẫu kèm theo ncctd.",
        "The office's .docx template (page set-up, headers, the report's named styles); its body "
        "is replaced by the report. Default: the template shipped with ncctd.",
    ),
)
@force_option
@units_option
@store_errors
def document_command(
    first: object,
    last: object,
    year: int | None,
    output: Path,
    template: Path | None,
    force: bool,
    units: str,
) -> None:
    from ..document import TemplateError, build_document, figures, load_template, save_document
    from ..i18n import language

    check_output(output, force, ".docx")
    if template is not None:
        if not template.is_file():
            raise click.UsageError(tr(f"Không có tệp mẫu {template}.", f"No template file {template}."))
        try:
            load_template(template)
        except TemplateError as exc:
            raise click.UsageError(
                tr(f"{template} không phải tệp Word .docx dùng làm mẫu được.",
                   f"{template} is not a Word .docx file that can serve as a template.")
            ) from exc
    with open_store_for_read() as store:
        window = resolve_window(store, first, last, year)  # type: ignore[arg-type]
        data, groups = figures(store, *window, lang=language(), units=units)
    save_document(build_document(data, groups, template=template, lang=language()), output)
    received, expected = data.window.received, data.window.expected
    if received < expected:
        from ..document import incomplete_words

        info(incomplete_words(data, language()))
    info(
        tr(
            f"Đã ghi {output}: {received}/{expected} báo cáo tháng.",
            f"Wrote {output}: {received}/{expected} monthly returns.",
        )
    )

