"""The official report: a Word document (.docx) written from the stored figures.

What the office finally sends is «Báo cáo kết quả thực hiện mô hình …», laid out as Nghị định
30/2020/NĐ-CP lays out administrative documents: A4 portrait; Times New Roman; margins top and
bottom 20 mm, left 30 mm, right 15 mm; the header block (issuing body and its parent, «Số:
…/BC-…», Quốc hiệu and Tiêu ngữ, place and date); the document type and its subject; the body;
«Nơi nhận» and the signature block; page numbers centred in the top margin from page 2; then
the appendices. The body follows the district's article: the results by form group (I–IV, one
paragraph each in the article's wording, :func:`ncctd_cli.narrative.compose_groups` of the window's totals), a
table of every indicator (this period, the previous period of equal length, the change), the
completeness of reporting; the appendices give the figures by commune and the charts.

**Figures.** Everything comes from :func:`ncctd_cli.workbook.collect_report` (the same roll-ups
and completeness as the report workbook) and the narrative engine, in the same units
(``units``): a change there is a change here. Incompleteness is said the way the workbook and ``ncctd narrative`` say it (received /
expected returns; a note when some are missing).

**Template.** The document is built on a ``.docx`` template: its page set-up, headers and
footers and its styles are kept and its body is replaced. The bundled one
(``templates/report.docx``, made by :func:`make_template`) carries the decree's layout in
named styles (``Nội dung``, ``Đề mục``, ``Quốc hiệu``, ``Bảng``…); an office restyles them in
Word and passes its file (``--template``). Styles a template lacks are added with the
bundled definitions. Regenerate the bundled template with
``python -c "from ncctd_cli.document import make_template; make_template()"``.

**Charts** are drawn with matplotlib (its object API and the Agg canvas, never pyplot, so a
notebook's backend is left alone): the same four main indicators as the workbook's charts,
month by month and commune by commune. python-docx and matplotlib are imported inside the
functions: ``ncctd --help`` must not pay for them.
"""

from __future__ import annotations

import datetime as _dt
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .narrative import GroupStory, month_en, window_in_words_en
from .vietnamese import Period, bucket_label, format_number, roman, window_label

if TYPE_CHECKING:
    from docx.document import Document
    from docx.table import Table

    from .catalog import Catalog, Indicator
    from .store import Store
    from .workbook import ReportData

TEMPLATE = Path(__file__).with_name("templates") / "report.docx"

# ------------------------------------------------------------------ the decree's layout

FONT = "Times New Roman"
PAGE_MM = (210.0, 297.0)  # A4 portrait
MARGINS_MM = {"top": 20.0, "bottom": 20.0, "left": 30.0, "right": 15.0}
HEADER_DISTANCE_MM = 10.0  # the page number sits in the top margin
TEXT_WIDTH_MM = PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]  # 165 mm
FIRST_LINE_CM = 1.0  # "chữ đầu dòng lùi vào 1 cm đến 1,27 cm"
APPENDIX_COLUMNS = 5  # at most this many indicator columns in one appendix table (portrait A4)
CHART_WIDTH_CM = 16.0


@dataclass(frozen=True)
class StyleSpec:
    """A paragraph style of the report (``name`` is what Word shows; ``style_id`` is fixed,
    so that a restyled template is found whatever language its Word speaks)."""

    style_id: str
    name: str
    size: float
    bold: bool = False
    italic: bool = False
    align: str = "left"  # left | center | right | justify
    first_line_cm: float = 0.0
    before_pt: float = 0.0
    after_pt: float = 0.0
    keep_next: bool = False
    outline: int | None = None  # a heading level for Word's navigation pane


STYLES: dict[str, StyleSpec] = {
    s.style_id: s
    for s in (
        StyleSpec("NcctdParentIssuer", "Cơ quan chủ quản", 13, align="center"),
        StyleSpec("NcctdIssuer", "Cơ quan ban hành", 13, bold=True, align="center"),
        StyleSpec("NcctdNumber", "Số, ký hiệu", 13, align="center"),
        StyleSpec("NcctdNation", "Quốc hiệu", 13, bold=True, align="center"),
        StyleSpec("NcctdMotto", "Tiêu ngữ", 14, bold=True, align="center"),
        StyleSpec("NcctdPlaceDate", "Địa danh và thời gian", 14, italic=True, align="center"),
        StyleSpec("NcctdRule", "Đường kẻ", 4, align="center"),
        StyleSpec("NcctdDocType", "Tên loại văn bản", 14, bold=True, align="center", before_pt=18,
                  keep_next=True),
        StyleSpec("NcctdSubject", "Trích yếu", 14, bold=True, align="center", keep_next=True),
        StyleSpec("NcctdBody", "Nội dung", 14, align="justify", first_line_cm=FIRST_LINE_CM,
                  before_pt=0, after_pt=6),
        StyleSpec("NcctdHeading", "Đề mục", 14, bold=True, align="justify",
                  first_line_cm=FIRST_LINE_CM, before_pt=6, after_pt=6, keep_next=True, outline=0),
        StyleSpec("NcctdTableTitle", "Tên bảng", 13, bold=True, align="left", before_pt=6,
                  after_pt=3, keep_next=True),
        StyleSpec("NcctdTableHead", "Bảng – tiêu đề cột", 13, bold=True, align="center"),
        StyleSpec("NcctdTable", "Bảng", 13),
        StyleSpec("NcctdNote", "Ghi chú", 13, italic=True, align="justify", before_pt=3, after_pt=6),
        StyleSpec("NcctdRecipientsHead", "Nơi nhận", 12, bold=True, italic=True),
        StyleSpec("NcctdRecipients", "Nơi nhận – danh sách", 11),
        StyleSpec("NcctdSignerTitle", "Quyền hạn, chức vụ người ký", 14, bold=True, align="center"),
        StyleSpec("NcctdSignerName", "Họ tên người ký", 14, bold=True, align="center"),
        StyleSpec("NcctdAppendix", "Phụ lục", 14, bold=True, align="center", keep_next=True,
                  outline=0),
        StyleSpec("NcctdAppendixNote", "Phụ lục – kèm theo", 14, italic=True, align="center",
                  after_pt=12, keep_next=True),
        StyleSpec("NcctdFigure", "Hình", 13, align="center", before_pt=6, keep_next=True),
        StyleSpec("NcctdCaption", "Chú thích hình", 13, italic=True, align="center", after_pt=12),
        StyleSpec("NcctdPageNumber", "Số trang", 14, align="center"),
    )
}


# ------------------------------------------------------------------ words

# English for the bundled catalog's words (other catalogs' labels are written as they are).
GROUPS_EN = {
    "Sinh hoạt, tuyên truyền": "Party meetings and information",
    "Huy động tham gia": "Mobilisation",
    "Công trình, phần việc": "Works and tasks",
    "Phát triển kinh tế": "Economic development",
}
LABELS_EN = {
    "leader_visits": "Visits by district leaders to grassroots Party meetings",
    "propaganda_sessions": "Information sessions",
    "propaganda_listeners": "Listeners of information sessions",
    "cadre_participations": "Participations of cadres, Party members, civil servants and workers",
    "citizen_participations": "Participations of citizens",
    "workdays": "Workdays contributed",
    "rural_road_km": "Rural roads built, repaired or concreted",
    "houses_for_poor": "Houses for poor households in particular difficulty",
    "lighting_km": "Lit village roads maintained",
    "self_managed_roads": "Self-managed road models",
    "trees_planted": "Trees planted",
    "flower_road_km": "Flower-lined roads",
    "cleanup_sessions": "Environmental clean-up sessions",
    "cleanup_road_km": "Rural roads cleaned up",
    "toilets_built": "Toilets built",
    "cement_tonnes": "Cement provided",
    "terraced_fields_ha": "Terraced fields reclaimed",
    "donations_mvnd": "Donations in cash and in kind",
    "enterprises_new": "New enterprises",
    "cooperatives_new": "New cooperatives",
    "coop_groups_new": "New cooperative groups",
    "enterprises_total": "Enterprises in total",
    "cooperatives_total": "Cooperatives in total",
    "coop_groups_total": "Cooperative groups in total",
}
UNITS_EN = {
    "lượt": "times",
    "buổi": "sessions",
    "ngày công": "workdays",
    "nhà": "houses",
    "mô hình": "models",
    "cây": "trees",
    "công trình": "works",
    "tấn": "tonnes",
    "triệu đồng": "million VND",
    "doanh nghiệp": "enterprises",
    "hợp tác xã": "co-ops",
    "tổ hợp tác": "co-op groups",
}


class Words:
    """The document's words in its language (``vi`` or ``en``), and the catalog's settings
    (``issuer``, ``recipients``…; ``<key>_en`` in English when the catalog has it)."""

    def __init__(self, lang: str, catalog: Catalog, decimals: dict[str, int] | None = None) -> None:
        self.lang = "en" if lang == "en" else "vi"
        self.catalog = catalog
        self.decimals = decimals or {}  # each decimal indicator's places (ReportData.decimals)

    @property
    def english(self) -> bool:
        return self.lang == "en"

    def __call__(self, vi: str, en: str) -> str:
        return en if self.english else vi

    def setting(self, key: str, default: str = "") -> str:
        settings = self.catalog.settings
        if self.english and (settings.get(f"{key}_en") or "").strip():
            return settings[f"{key}_en"].strip()
        return (settings.get(key) or "").strip() or default

    def lines(self, key: str, default: str = "") -> list[str]:
        """A setting of several lines (``|`` separates them)."""
        return [part.strip() for part in self.setting(key, default).split("|") if part.strip()]

    def number(self, value: float | None, decimals: int = 0) -> str:
        if value is None:
            return ""
        return f"{value:,.{decimals}f}" if self.english else format_number(value, decimals)

    def figure(self, value: float | int | None, indicator: Indicator) -> str:
        """A table's figure as the workbook shows it: whole numbers for integer indicators,
        a decimal one with the places its figures need (0,25 km is not 0,2); empty when there
        is no data."""
        decimals = 0 if indicator.is_integer else max(1, self.decimals.get(indicator.code, 1))
        return self.number(None if value is None else float(value), decimals)

    def percent(self, fraction: float | None) -> str:
        if fraction is None:
            return ""
        text = f"{fraction * 100:+.1f}%"
        return text if self.english else text.replace(".", ",")

    def label(self, indicator: Indicator) -> str:
        return LABELS_EN.get(indicator.code, indicator.label) if self.english else indicator.label

    def unit(self, indicator: Indicator) -> str:
        return UNITS_EN.get(indicator.unit, indicator.unit) if self.english else indicator.unit

    def group(self, name: str | None) -> str:
        if not name:
            return self("Khác", "Other")
        return GROUPS_EN.get(name, name) if self.english else name

    def window(self, first: Period, last: Period) -> str:
        """The period as the subject line names it: ``năm 2023``, ``giai đoạn 2021–2023``;
        ``2023``, ``2021–2023``, ``the first 6 months of 2024``."""
        if self.english:
            if first.month == 1 and last.month == 12 and last.year > first.year:
                return f"{first.year}–{last.year}"
            return window_in_words_en(first, last)
        label = window_label(first, last)
        return label[0].lower() + label[1:]

    def column(self, first: Period, last: Period) -> str:
        """The period as a column heading: ``Năm 2023``; ``2023``."""
        if not self.english:
            return window_label(first, last)
        words = self.window(first, last)
        return words[0].upper() + words[1:]

    def month(self, key: str) -> str:
        """A month of a breakdown (``2023-05``): ``05/2023``; ``May 2023``."""
        return month_en(Period.parse_iso(key)) if self.english else bucket_label(key)

    def date(self, day: _dt.date) -> str:
        """The decree's date: «ngày 05 tháng 01 năm 2024» (a zero before a day below 10 and
        before months 1 and 2); ``5 January 2024``."""
        if self.english:
            return f"{day.day} {month_en(Period(day.year, day.month)).split()[0]} {day.year}"
        month = f"{day.month:02d}" if day.month < 3 else str(day.month)
        return f"ngày {day.day:02d} tháng {month} năm {day.year}"


# ------------------------------------------------------------------ errors


class TemplateError(ValueError):
    """A template that cannot be used (not a Word .docx file); the message is the user's."""


# ------------------------------------------------------------------ low-level docx helpers


def _mm(value: float) -> Any:
    from docx.shared import Mm

    return Mm(value)


def _twips(mm: float) -> int:
    return round(mm / 25.4 * 1440)


def _set_fonts(rpr: Any, name: str = FONT) -> None:
    """Every script's font (python-docx's ``font.name`` sets only two of the four)."""
    from docx.oxml.ns import qn

    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), name)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:cstheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(theme), None)


def _add_style(doc: Document, spec: StyleSpec, lang: str = "vi-VN") -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    style = doc.styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
    style.style_id = spec.style_id
    style.quick_style = True
    font = style.font
    font.size = Pt(spec.size)
    font.bold = spec.bold
    font.italic = spec.italic
    _set_fonts(style.element.get_or_add_rPr())
    fmt = style.paragraph_format
    fmt.alignment = {
        "left": WD_ALIGN_PARAGRAPH.LEFT,
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    }[spec.align]
    fmt.first_line_indent = Cm(spec.first_line_cm) if spec.first_line_cm else Cm(0)
    fmt.left_indent = Cm(0)
    fmt.right_indent = Cm(0)
    fmt.space_before = Pt(spec.before_pt)
    fmt.space_after = Pt(spec.after_pt)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    fmt.keep_with_next = spec.keep_next
    fmt.widow_control = True
    if spec.outline is not None:
        ppr = style.element.get_or_add_pPr()
        level = ppr.makeelement(qn("w:outlineLvl"), {qn("w:val"): str(spec.outline)})
        ppr.append(level)
    rpr = style.element.get_or_add_rPr()
    rpr.append(rpr.makeelement(qn("w:lang"), {qn("w:val"): lang}))


def ensure_styles(doc: Document) -> list[str]:
    """Add the report's styles a document lacks (found by style id or by name); return the
    names added. Styles the document has are left exactly as the office made them."""
    from docx.oxml.ns import qn

    present_ids = {s.get(qn("w:styleId")) for s in doc.styles.element.findall(qn("w:style"))}
    present_names = {s.name for s in doc.styles}
    added = []
    for spec in STYLES.values():
        if spec.style_id in present_ids or spec.name in present_names:
            continue
        _add_style(doc, spec)
        added.append(spec.name)
    return added


def _style(doc: Document, style_id: str) -> Any:
    """The style of an id (a restyled template may have renamed it), else by its name."""
    from docx.oxml.ns import qn

    for style in doc.styles:
        if style.element.get(qn("w:styleId")) == style_id:
            return style
    return doc.styles[STYLES[style_id].name]


def _page_number_field(paragraph: Any) -> None:
    """A PAGE field (begin / instruction / separate / shown number / end)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def run_with(child: Any) -> None:
        run = paragraph.add_run()
        run.element.append(child)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    run_with(instruction)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    paragraph.add_run("2")
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def has_page_number(section: Any) -> bool:
    """The section's page header holds a PAGE field."""
    from docx.oxml.ns import qn

    header = section.header
    if header.is_linked_to_previous:  # no header of its own (the first section: none at all)
        return False
    xml = header.part.element
    texts = [t.text or "" for t in xml.iter(qn("w:instrText"))]
    simple = [f.get(qn("w:instr")) or "" for f in xml.iter(qn("w:fldSimple"))]
    return any("PAGE" in t.upper() for t in [*texts, *simple])


def ensure_page_numbers(doc: Document) -> None:
    """Page numbers as the decree has them: centred in the top margin, from page 2 on (a
    different first page with an empty header). A template whose header already numbers its
    pages is left alone."""
    for section in doc.sections:
        if has_page_number(section):
            continue
        section.different_first_page_header_footer = True
        header = section.header
        header.is_linked_to_previous = False
        paragraph = header.paragraphs[0] if header.paragraphs else header.add_paragraph()
        paragraph.style = _style(doc, "NcctdPageNumber")
        _page_number_field(paragraph)


def clear_body(doc: Document) -> None:
    """Drop the template's body, keeping its last section's page set-up."""
    from docx.oxml.ns import qn

    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)


def _set_cell_width(cell: Any, mm: float) -> None:
    cell.width = _mm(mm)


def _borders(table: Table, visible: bool) -> None:
    """Thin single borders on every edge (or none), set on the table itself: a template's
    table styles do not decide whether figures are boxed."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tblpr = table._tbl.tblPr
    old = tblpr.find(qn("w:tblBorders"))
    if old is not None:
        tblpr.remove(old)
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single" if visible else "nil")
        if visible:
            element.set(qn("w:sz"), "4")
            element.set(qn("w:space"), "0")
            element.set(qn("w:color"), "000000")
        borders.append(element)
    tblpr.append(borders)


def _fixed_layout(table: Table, widths: Sequence[float]) -> None:
    """Fixed column widths (mm), the table exactly as wide as they add up to."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table.autofit = False
    tblpr = table._tbl.tblPr
    width = tblpr.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        tblpr.append(width)
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(sum(_twips(w) for w in widths)))
    layout = tblpr.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        tblpr.append(layout)
    layout.set(qn("w:type"), "fixed")
    for column, mm in zip(table.columns, widths, strict=True):
        column.width = _mm(mm)


def _row_flags(row: Any, *, header: bool) -> None:
    """A row never split across pages; a header row repeated on every page the table spans."""
    from docx.oxml import OxmlElement

    trpr = row._tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))
    if header:
        trpr.append(OxmlElement("w:tblHeader"))


def _rule(doc: Document, container: Any, width_mm: float, room_mm: float) -> Any:
    """A short horizontal line, centred in ``room_mm`` (the decree's line under the issuing
    body, the Tiêu ngữ and the subject): the bottom border of a small empty paragraph, which
    keeps it clear of the line of text above."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = container.add_paragraph(style=_style(doc, "NcctdRule"))
    side = max(0.0, (room_mm - width_mm) / 2)
    paragraph.paragraph_format.left_indent = _mm(side)
    paragraph.paragraph_format.right_indent = _mm(side)
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    ppr.append(borders)
    return paragraph


# ------------------------------------------------------------------ tables


@dataclass
class Cell:
    text: str
    align: str = "left"  # left | center | right
    bold: bool = False
    span: int = 1  # columns this cell covers (a group's row)


def add_table(
    doc: Document,
    widths: Sequence[float],
    headings: Sequence[str],
    rows: Sequence[Sequence[Cell]],
) -> Table:
    """A boxed table of fixed widths (mm): a header row repeated on every page, no row split
    across two pages."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    align = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
             "right": WD_ALIGN_PARAGRAPH.RIGHT}
    table = doc.add_table(rows=1 + len(rows), cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _borders(table, visible=True)
    _fixed_layout(table, widths)
    head_style, text_style = _style(doc, "NcctdTableHead"), _style(doc, "NcctdTable")
    header = table.rows[0]
    _row_flags(header, header=True)
    for cell, text, mm in zip(header.cells, headings, widths, strict=True):
        _set_cell_width(cell, mm)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        paragraph = cell.paragraphs[0]
        paragraph.style = head_style
        paragraph.add_run(text)
    for row, values in zip(table.rows[1:], rows, strict=True):
        _row_flags(row, header=False)
        column = 0
        for value in values:
            cell = row.cells[column]
            if value.span > 1:
                cell = cell.merge(row.cells[column + value.span - 1])
            _set_cell_width(cell, sum(widths[column:column + value.span]))
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            paragraph.style = text_style
            paragraph.alignment = align[value.align]
            run = paragraph.add_run(value.text)
            if value.bold:
                run.bold = True
            column += value.span
    return table


# ------------------------------------------------------------------ the document


def load_template(template: str | Path | None = None) -> Document:
    """The template (default the bundled one) with its body emptied, the report's styles
    it lacks added, and page numbers."""
    import zipfile

    from docx import Document as open_docx
    from docx.opc.exceptions import PackageNotFoundError

    path = Path(template) if template is not None else TEMPLATE
    try:
        doc = open_docx(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TemplateError(
            f"{path} không phải tệp Word .docx dùng làm mẫu được ({exc})"
        ) from exc
    ensure_styles(doc)
    clear_body(doc)
    ensure_page_numbers(doc)
    return doc


def build_document(
    data: ReportData,
    groups: list[GroupStory],
    *,
    template: str | Path | None = None,
    lang: str = "vi",
    charts: bool = True,
) -> Document:
    """The report for the figures of ``data`` (:func:`ncctd_cli.workbook.collect_report`) and
    the paragraphs of ``groups`` (:func:`figures`)."""
    doc = load_template(template)
    words = Words(lang, data.catalog, data.decimals)
    properties = doc.core_properties
    properties.title = f"{words.setting('document_subject', words('Báo cáo', 'Report'))} " \
                       f"{words.window(data.first, data.last)}"
    properties.author = f"ncctd {__version__}"
    properties.language = words("vi-VN", "en-GB")
    properties.created = _dt.datetime.combine(data.today, _dt.time())

    _header_block(doc, data, words)
    _title(doc, data, words)
    _introduction(doc, data, words)
    number = 0
    for number, story in enumerate(groups, start=1):
        heading = words.group(story.group) if story.group is not None else words(
            "Kết quả thực hiện", "Results"
        )
        _heading(doc, f"{roman(number)}. {heading.upper()}")
        _paragraph(doc, story.story.text)
    _summary_section(doc, data, words, roman(number + 1))
    _completeness_section(doc, data, words, roman(number + 2))
    _signature_block(doc, words)
    _appendix_communes(doc, data, words)
    if charts:
        _appendix_charts(doc, data, words)
    return doc


def _heading(doc: Document, text: str) -> None:
    doc.add_paragraph(text, style=_style(doc, "NcctdHeading"))


def _paragraph(doc: Document, text: str, style_id: str = "NcctdBody", *, keep_next: bool = False) -> Any:
    paragraph = doc.add_paragraph(text, style=_style(doc, style_id))
    if keep_next:  # the sentence that introduces a table stays on the table's page
        paragraph.paragraph_format.keep_with_next = True
    return paragraph


def _header_block(doc: Document, data: ReportData, words: Words) -> None:
    """Two columns without borders: issuing body | Quốc hiệu and Tiêu ngữ; then «Số: …» |
    place and date on one line."""
    left_mm, right_mm = 62.0, TEXT_WIDTH_MM - 62.0
    table = doc.add_table(rows=2, cols=2)
    _borders(table, visible=False)
    _fixed_layout(table, (left_mm, right_mm))
    for row in table.rows:
        _row_flags(row, header=False)
    top_left, top_right = table.rows[0].cells
    bottom_left, bottom_right = table.rows[1].cells
    for cell, mm in ((top_left, left_mm), (top_right, right_mm), (bottom_left, left_mm),
                     (bottom_right, right_mm)):
        _set_cell_width(cell, mm)

    def write(cell: Any, style_id: str, text: str, first: bool = False) -> None:
        paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
        paragraph.style = _style(doc, style_id)
        paragraph.add_run(text)

    parents = words.lines("parent_issuer")
    issuer = words.lines("issuer", "…")
    first = True
    for line in parents:
        write(top_left, "NcctdParentIssuer", line.upper(), first)
        first = False
    for line in issuer:
        write(top_left, "NcctdIssuer", line.upper(), first)
        first = False
    _rule(doc, top_left, 22, left_mm - 4)
    write(top_right, "NcctdNation", words("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                                          "SOCIALIST REPUBLIC OF VIET NAM"), True)
    write(top_right, "NcctdMotto", words("Độc lập - Tự do - Hạnh phúc",
                                         "Independence - Freedom - Happiness"))
    _rule(doc, top_right, 62 if not words.english else 78, right_mm - 4)
    symbol = words.setting("document_symbol", "…")
    write(bottom_left, "NcctdNumber", words(f"Số: …/BC-{symbol}", f"No.: …/BC-{symbol}"), True)
    place = words.setting("place", "…")
    write(bottom_right, "NcctdPlaceDate", f"{place}, {words.date(data.today)}", True)


def _title(doc: Document, data: ReportData, words: Words) -> None:
    _paragraph(doc, words("BÁO CÁO", "REPORT"), "NcctdDocType")
    subject = words.setting("document_subject", words("Kết quả tổng hợp số liệu", "Summary of the figures"))
    if words.english:
        text = f"{subject} in {words.window(data.first, data.last)}"
    else:
        text = f"{subject} {words.window(data.first, data.last)}"
    _paragraph(doc, text, "NcctdSubject")
    from docx.shared import Pt

    _rule(doc, doc, 50, TEXT_WIDTH_MM).paragraph_format.space_after = Pt(12)


def _introduction(doc: Document, data: ReportData, words: Words) -> None:
    received, expected = data.window.received, data.window.expected
    subject = words.setting("document_subject", words("Kết quả tổng hợp số liệu", "Summary of the figures"))
    lowered = subject[0].lower() + subject[1:]
    period = words.window(data.first, data.last)
    _paragraph(doc, words(
        f"Trên cơ sở báo cáo hằng tháng của các xã, thị trấn (đã nhận {received}/{expected} báo "
        f"cáo tháng), {lowered} {period} như sau:",
        f"From the monthly returns of the communes ({received}/{expected} monthly returns "
        f"received), the {lowered} in {period} are as follows:",
    ))
    if received < expected:
        _paragraph(doc, incomplete_words(data, words.lang), "NcctdNote")


def incomplete_words(data: ReportData, lang: str = "vi") -> str:
    """What the report says when not every return of the window is in: the sentence the
    workbook, the terminal and ``ncctd narrative`` say (:mod:`ncctd_cli.honesty`)."""
    from .honesty import incomplete_note
    from .i18n import use_language

    with use_language(lang):
        return incomplete_note(data.window.received, data.window.expected,
                               [c.period for c in data.window.carried])


def change_of(data: ReportData, code: str) -> float | None:
    """The change from the previous period (the workbook's «Tăng/giảm»): none when the two
    periods are not about as complete (:func:`ncctd_cli.workbook.changes_shown`)."""
    from .workbook import change, changes_shown

    if not changes_shown(data):
        return None
    return change(data.window.totals.get(code), data.previous.totals.get(code))


def _summary_section(doc: Document, data: ReportData, words: Words, number: str) -> None:
    from .workbook import previous_window

    prev_first, prev_last = previous_window(data.first, data.last)
    units_note = getattr(data, "units_note", "")  # said by the workbook when units change
    _heading(doc, words(f"{number}. SỐ LIỆU CÁC CHỈ TIÊU", f"{number}. FIGURES OF EVERY INDICATOR"))
    _paragraph(doc, words(
        f"Số liệu của từng chỉ tiêu {words.window(data.first, data.last)}, so với kỳ trước cùng độ "
        f"dài ({words.window(prev_first, prev_last)}){units_note}:",
        f"Each indicator in {words.window(data.first, data.last)}, against the previous period of "
        f"equal length ({words.window(prev_first, prev_last)}){units_note}:",
    ), keep_next=True)
    widths = (13.0, 57.0, 28.0, 23.0, 23.0, 21.0) if words.english else (13.0, 61.0, 24.0, 23.0, 23.0, 21.0)
    headings = (
        words("STT", "No."),
        words("Chỉ tiêu", "Indicator"),
        words("Đơn vị tính", "Unit"),
        words.column(data.first, data.last),
        words.column(prev_first, prev_last),
        words("Tăng/giảm (%)", "Change (%)"),
    )
    rows: list[list[Cell]] = []
    now, before = data.window.totals, data.previous.totals
    n = 0
    grouped = data.catalog.has_groups
    for n_group, (key, members) in enumerate(_groups_of(data.window.indicators, grouped)):
        if grouped:
            rows.append([Cell(roman(n_group + 1), "center", bold=True),
                         Cell(words.group(key), bold=True, span=5)])
        for indicator in members:
            n += 1
            code = indicator.code
            rows.append([
                Cell(str(n), "center"),
                Cell(words.label(indicator)),
                Cell(words.unit(indicator), "center"),
                Cell(words.figure(now.get(code), indicator), "right"),
                Cell(words.figure(before.get(code), indicator), "right"),
                Cell(words.percent(change_of(data, code)), "right"),
            ])
    rows.append([
        Cell(""),
        Cell(words("Số báo cáo tháng đã nhận / phải có", "Monthly returns received / expected"), bold=True),
        Cell(words("báo cáo", "returns"), "center"),
        Cell(f"{data.window.received}/{data.window.expected}", "right", bold=True),
        Cell(f"{data.previous.received}/{data.previous.expected}", "right", bold=True),
        Cell(""),
    ])
    add_table(doc, widths, headings, rows)
    from .honesty import change_withheld_note
    from .i18n import use_language
    from .workbook import changes_shown

    with use_language(words.lang):
        withheld = "" if changes_shown(data) else " " + change_withheld_note(
            (data.window.received, data.window.expected), (data.previous.received, data.previous.expected))
    _paragraph(doc, words(
        "Ô trống: chưa có số liệu. Chỉ tiêu cộng dồn được cộng qua các tháng; chỉ tiêu tồn (số "
        "cuối kỳ) lấy số mới nhất của mỗi xã trong kỳ rồi cộng các xã; xã chưa báo cáo trong kỳ "
        "giữ số gần nhất đã báo cáo trước đó. Tăng/giảm = (kỳ này − kỳ trước) / kỳ trước." + withheld,
        "An empty cell: no data. Flows are summed over the months; stocks take each commune's "
        "latest value in the period, summed over the communes; a commune that has not reported in "
        "the period keeps its latest earlier figure. Change = (this period − previous period) / "
        "previous period." + withheld,
    ), "NcctdNote")


STATE_WORDS = {
    "on_time": ("Đúng hạn", "On time"),
    "late": ("Muộn", "Late"),
    "unknown": ("Không rõ ngày đến", "Arrival unknown"),
    "missing": ("Thiếu", "Missing"),
    "not_due": ("Chưa đến hạn", "Not yet due"),
}


def _completeness_section(doc: Document, data: ReportData, words: Words, number: str) -> None:
    from .status import counts

    grid = data.completeness
    total = grid.totals
    share = f"{100 * total['received'] / total['expected']:.0f}%" if total["expected"] else "–"
    _heading(doc, words(f"{number}. TÌNH HÌNH NỘP BÁO CÁO", f"{number}. REPORTING"))
    on_time_vi = f"{total['on_time']} báo cáo đúng hạn" if total["on_time"] else "không có báo cáo nào đúng hạn"
    late_vi = f", {total['late']} báo cáo gửi muộn" if total["late"] else ""
    late_en = f", {total['late']} late" if total["late"] else ""
    late_vi += f", {total['unknown']} báo cáo không rõ ngày đến" if total["unknown"] else ""
    late_en += f", {total['unknown']} with the arrival day unknown" if total["unknown"] else ""
    tail_vi = f"; còn thiếu {total['missing']} báo cáo" if total["missing"] else "; không thiếu báo cáo nào"
    tail_en = f"; {total['missing']} missing" if total["missing"] else "; none missing"
    if total["not_due"]:
        tail_vi += f", {total['not_due']} báo cáo chưa đến hạn"
        tail_en += f", {total['not_due']} not yet due"
    _paragraph(doc, words(
        f"Đã nhận {total['received']}/{total['expected']} báo cáo tháng ({share}), trong đó "
        f"{on_time_vi}{late_vi}{tail_vi}. Hạn nộp là ngày "
        f"{grid.deadline_day} tháng sau; đúng hạn hay muộn tính theo bản đầu tiên nhận được.",
        f"{total['received']}/{total['expected']} monthly returns received ({share}): "
        f"{total['on_time']} on time{late_en}{tail_en}. Returns are due by day {grid.deadline_day} "
        "of the next month; on time or late is judged on the first version received.",
    ), keep_next=True)
    states = ["on_time", "late", *(["unknown"] if total["unknown"] else []), "missing",
              *(["not_due"] if total["not_due"] else [])]
    names_mm = 40.0 if words.english else 54.0  # English headings are longer words
    rest = TEXT_WIDTH_MM - 13.0 - names_mm
    widths = (13.0, names_mm, *([rest / (2 + len(states))] * (2 + len(states))))
    headings = (
        words("STT", "No."),
        words("Xã, thị trấn", "Commune"),
        words("Phải có", "Expected"),
        words("Đã nhận", "Received"),
        *(words(*STATE_WORDS[s]) for s in states),
    )
    rows: list[list[Cell]] = []
    for n, commune in enumerate(grid.communes, start=1):
        found = counts(grid.commune(commune.key))
        rows.append([
            Cell(str(n), "center"), Cell(commune.name),
            Cell(str(found["expected"]), "right"), Cell(str(found["received"]), "right"),
            *(Cell(str(found[s]), "right") for s in states),
        ])
    rows.append([
        Cell(""), Cell(words("Toàn huyện", "District"), bold=True),
        Cell(str(total["expected"]), "right", bold=True), Cell(str(total["received"]), "right", bold=True),
        *(Cell(str(total[s]), "right", bold=True) for s in states),
    ])
    add_table(doc, widths, headings, rows)


def _signature_block(doc: Document, words: Words) -> None:
    """«Nơi nhận» on the left, the signer on the right (no borders)."""
    from docx.shared import Pt

    doc.add_paragraph(style=_style(doc, "NcctdBody"))  # a line before the block
    left_mm, right_mm = 75.0, TEXT_WIDTH_MM - 75.0
    table = doc.add_table(rows=1, cols=2)
    _borders(table, visible=False)
    _fixed_layout(table, (left_mm, right_mm))
    _row_flags(table.rows[0], header=False)
    left, right = table.rows[0].cells
    _set_cell_width(left, left_mm)
    _set_cell_width(right, right_mm)
    head = left.paragraphs[0]
    head.style = _style(doc, "NcctdRecipientsHead")
    head.add_run(words("Nơi nhận:", "Recipients:"))
    recipients = words.lines("recipients", words("Lưu: VT", "File: Office"))
    for n, name in enumerate(recipients):
        end = "." if n == len(recipients) - 1 else ";"
        left.add_paragraph(f"- {name.rstrip(';.')}{end}", style=_style(doc, "NcctdRecipients"))
    first = True
    for style_id, key in (("NcctdSignerTitle", "signer_authority"), ("NcctdSignerTitle", "signer_title")):
        for line in words.lines(key, "…" if key == "signer_title" else ""):
            paragraph = right.paragraphs[0] if first else right.add_paragraph()
            paragraph.style = _style(doc, style_id)
            paragraph.add_run(line.upper())
            first = False
    space = right.add_paragraph(style=_style(doc, "NcctdSignerName"))
    space.paragraph_format.space_before = Pt(60)  # room for the signature and the seal
    name = words.setting("signer_name")
    if name:
        space.add_run(name)


def _page_break(doc: Document) -> None:
    from docx.enum.text import WD_BREAK

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def _appendix_title(doc: Document, words: Words, data: ReportData, number: str, title: str) -> None:
    _page_break(doc)
    _paragraph(doc, words(f"Phụ lục {number}", f"Appendix {number}"), "NcctdAppendix")
    _paragraph(doc, title.upper(), "NcctdAppendix")
    symbol = words.setting("document_symbol", "…")
    _paragraph(doc, words(
        f"(Kèm theo Báo cáo số …/BC-{symbol} {words.date(data.today)})",
        f"(Attached to Report No. …/BC-{symbol} of {words.date(data.today)})",
    ), "NcctdAppendixNote")


def _appendix_communes(doc: Document, data: ReportData, words: Words) -> None:
    """The figures by commune: one table per group (a group of many indicators in several),
    at most :data:`APPENDIX_COLUMNS` indicator columns, each with the district's row."""
    from .workbook import district_total

    _appendix_title(doc, words, data, "I", words(
        f"Số liệu theo xã, thị trấn {words.window(data.first, data.last)}",
        f"Figures by commune, {words.window(data.first, data.last)}",
    ))
    result = data.by_commune
    totals = district_total(result)
    chunks: list[tuple[str | None, list[Indicator]]] = []
    for key, members in _groups_of(result.indicators, data.catalog.has_groups):
        parts = -(-len(members) // APPENDIX_COLUMNS)  # as few tables as fit, of even widths
        size = -(-len(members) // parts)
        chunks += [(key, members[k:k + size]) for k in range(0, len(members), size)]
    group_numbers: dict[str | None, int] = {}
    for key, indicators in chunks:
        group_numbers.setdefault(key, len(group_numbers))
        if data.catalog.has_groups:
            _paragraph(doc, f"{roman(group_numbers[key] + 1)}. {words.group(key)}", "NcctdTableTitle")
        rest = TEXT_WIDTH_MM - 13.0 - 40.0
        widths = (13.0, 40.0, *([rest / len(indicators)] * len(indicators)))
        headings = (
            words("STT", "No."),
            words("Xã, thị trấn", "Commune"),
            *(f"{words.label(i)} ({words.unit(i)})" if i.unit else words.label(i) for i in indicators),
        )
        rows = [
            [Cell(str(n), "center"), Cell(row.name),
             *(Cell(words.figure(row.values.get(i.code), i), "right") for i in indicators)]
            for n, row in enumerate(result.rows, start=1)
        ]
        rows.append([Cell(""), Cell(words("Toàn huyện", "District"), bold=True),
                     *(Cell(words.figure(totals.get(i.code), i), "right", bold=True) for i in indicators)])
        add_table(doc, widths, headings, rows)
    _paragraph(doc, words(
        "Ô trống: chưa có số liệu. Chỉ tiêu tồn (số cuối kỳ) lấy số mới nhất của mỗi xã trong kỳ.",
        "An empty cell: no data. Stocks are each commune's latest value in the period.",
    ), "NcctdNote")


def _groups_of(indicators: list[Indicator], grouped: bool) -> list[tuple[str | None, list[Indicator]]]:
    """Consecutive indicators of one form group (one group of all when the catalog has none)."""
    found: list[tuple[str | None, list[Indicator]]] = []
    for indicator in indicators:
        key = (indicator.group or None) if grouped else None
        if not found or found[-1][0] != key:
            found.append((key, []))
        found[-1][1].append(indicator)
    return found


def _appendix_charts(doc: Document, data: ReportData, words: Words) -> None:
    from docx.shared import Cm

    _appendix_title(doc, words, data, "II", words("Biểu đồ các chỉ tiêu chính", "Charts of the main indicators"))
    charts = (
        (month_chart(data, words.lang), words(
            f"Biểu đồ 1. Diễn biến theo tháng của các chỉ tiêu chính, {words.window(data.first, data.last)}",
            f"Chart 1. The main indicators month by month, {words.window(data.first, data.last)}",
        )),
        (commune_chart(data, words.lang), words(
            f"Biểu đồ 2. So sánh giữa các xã, thị trấn, {words.window(data.first, data.last)}",
            f"Chart 2. The communes compared, {words.window(data.first, data.last)}",
        )),
    )
    for n, (png, caption) in enumerate(charts):
        if n:
            _page_break(doc)
        figure = doc.add_paragraph(style=_style(doc, "NcctdFigure"))
        figure.add_run().add_picture(io.BytesIO(png), width=Cm(CHART_WIDTH_CM))
        _paragraph(doc, caption, "NcctdCaption")


# ------------------------------------------------------------------ charts


def _chart_font() -> str:
    """Times New Roman when the machine has it, else a serif face with the same metrics and
    Vietnamese letters (asking matplotlib for a missing family logs a warning on stderr)."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for name in (FONT, "Liberation Serif", "Tinos", "DejaVu Serif"):
        if name in names:
            return name
    return "serif"


def _chart_title(words: Words, indicator: Indicator) -> str:
    label = words.label(indicator)
    unit = words.unit(indicator)
    return f"{label} ({unit})" if unit else label


def _figure(width_cm: float, height_cm: float, rows: int, cols: int, **options: Any) -> tuple[Any, Any]:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width_cm / 2.54, height_cm / 2.54), dpi=200, layout="constrained")
    axes = figure.subplots(rows, cols, squeeze=False, **options)
    return figure, axes


def _png(figure: Any) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _wrap(text: str, width: int = 45) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


def month_chart(data: ReportData, lang: str = "vi") -> bytes:
    """The main indicators month by month (the workbook's «Biểu đồ theo tháng»), as a PNG."""
    import matplotlib
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from .workbook import main_indicators

    words = Words(lang, data.catalog, data.decimals)
    chosen = main_indicators(data.catalog)
    months = data.by_month.rows
    labels = [words.month(r.key) if len(months) <= 12 else f"{r.key[5:7]}/{r.key[2:4]}" for r in months]
    with matplotlib.rc_context({"font.family": _chart_font(), "font.size": 8}):
        figure, axes = _figure(CHART_WIDTH_CM, 13.0, 2, 2)
        for ax, indicator in zip(axes.flat, chosen, strict=False):
            values = [r.values.get(indicator.code) for r in months]
            ys = [float("nan") if v is None else float(v) for v in values]
            ax.plot(range(len(ys)), ys, marker="o", markersize=3, linewidth=1.2, color="#1f4e79")
            ax.set_title(_wrap(_chart_title(words, indicator)), fontsize=8.5, fontweight="bold")
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: words.number(v, 0 if v == int(v) else 1)))
            ax.set_ylim(bottom=0)
            ax.xaxis.set_major_locator(MaxNLocator(nbins=12, integer=True))
            ticks = [int(t) for t in ax.get_xticks() if 0 <= t < len(labels)]
            ax.set_xticks(ticks)
            ax.set_xticklabels([labels[t] for t in ticks], rotation=45, ha="right", fontsize=7)
            ax.grid(axis="y", linewidth=0.4, alpha=0.6)
        for ax in list(axes.flat)[len(chosen):]:
            ax.set_visible(False)
        return _png(figure)


def commune_chart(data: ReportData, lang: str = "vi") -> bytes:
    """The communes compared on the main indicators (the workbook's «Biểu đồ theo xã»)."""
    import matplotlib
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    from .workbook import main_indicators

    words = Words(lang, data.catalog, data.decimals)
    chosen = main_indicators(data.catalog)
    communes = data.by_commune.rows
    names = [r.name for r in communes]
    with matplotlib.rc_context({"font.family": _chart_font(), "font.size": 8}):
        height = max(12.0, 5.0 + 0.55 * len(communes))
        figure, axes = _figure(CHART_WIDTH_CM, min(height, 22.0), 2, 2, sharey=True)
        for ax, indicator in zip(axes.flat, chosen, strict=False):
            values = [r.values.get(indicator.code) for r in communes]
            xs = [0.0 if v is None else float(v) for v in values]
            ax.barh(range(len(xs)), xs, color="#2e75b6", height=0.7)
            ax.set_yticks(range(len(names)))
            ax.set_yticklabels(names, fontsize=7)
            if ax is axes.flat[0]:
                ax.invert_yaxis()  # the first commune on top (the axes share it)
            ax.set_title(_wrap(_chart_title(words, indicator), 40), fontsize=8.5, fontweight="bold")
            ax.xaxis.set_major_locator(MaxNLocator(nbins=4))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: words.number(v, 0 if v == int(v) else 1)))
            ax.tick_params(axis="x", labelsize=7)
            ax.grid(axis="x", linewidth=0.4, alpha=0.6)
        for ax in list(axes.flat)[len(chosen):]:
            ax.set_visible(False)
        return _png(figure)


# ------------------------------------------------------------------ the bundled template


def make_template(path: str | Path | None = None) -> Path:
    """Write the bundled template (``templates/report.docx``): A4 portrait with the decree's
    margins, Times New Roman 14 pt as the default, the report's styles, page numbers centred
    in the top margin from page 2. Its body is empty."""
    from docx import Document as new_docx
    from docx.oxml.ns import qn
    from docx.shared import Pt

    target = Path(path) if path is not None else TEMPLATE
    doc = new_docx()
    section = doc.sections[0]
    section.page_width, section.page_height = _mm(PAGE_MM[0]), _mm(PAGE_MM[1])
    section.top_margin, section.bottom_margin = _mm(MARGINS_MM["top"]), _mm(MARGINS_MM["bottom"])
    section.left_margin, section.right_margin = _mm(MARGINS_MM["left"]), _mm(MARGINS_MM["right"])
    section.header_distance = _mm(HEADER_DISTANCE_MM)
    section.footer_distance = _mm(HEADER_DISTANCE_MM)
    section.gutter = _mm(0)
    # The document's defaults and Normal: Times New Roman 14, Vietnamese.
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    if defaults is not None:
        rpr = defaults.find(qn("w:rPrDefault") + "/" + qn("w:rPr"))
        if rpr is not None:
            _set_fonts(rpr)
            for lang in rpr.findall(qn("w:lang")):
                lang.set(qn("w:val"), "vi-VN")
    normal = doc.styles["Normal"]
    normal.font.size = Pt(14)
    _set_fonts(normal.element.get_or_add_rPr())
    for spec in STYLES.values():
        _add_style(doc, spec)
    clear_body(doc)
    ensure_page_numbers(doc)
    properties = doc.core_properties
    properties.title = "Mẫu báo cáo ncctd (Nghị định 30/2020/NĐ-CP)"
    properties.author = "ncctd"
    properties.language = "vi-VN"
    properties.created = _dt.datetime(2025, 1, 1)
    properties.modified = _dt.datetime(2025, 1, 1)
    properties.last_modified_by = "ncctd"
    properties.revision = 1
    target.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(target))
    return target


# ------------------------------------------------------------------ from a store


def document(
    store: Store,
    first: Period,
    last: Period,
    *,
    template: str | Path | None = None,
    lang: str = "vi",
    today: _dt.date | None = None,
    charts: bool = True,
    units: str = "current",
) -> Document:
    """The report for ``first``..``last`` as a python-docx ``Document``.

    ``units`` go to :func:`ncctd_cli.workbook.collect_report` and
    :func:`ncctd_cli.narrative.narrative` alike, so the document says what the workbook and
    the paragraph say."""
    if template is not None:
        load_template(template)  # a bad template is said before any figure is computed
    data, groups = figures(store, first, last, lang=lang, today=today, units=units)
    return build_document(data, groups, template=template, lang=lang, charts=charts)


def figures(
    store: Store,
    first: Period,
    last: Period,
    *,
    lang: str = "vi",
    today: _dt.date | None = None,
    units: str = "current",
) -> tuple[ReportData, list[GroupStory]]:
    """Everything the report says, from the store: the workbook's tables and completeness,
    and the results paragraph of each group (:func:`ncctd_cli.narrative.compose_groups` of
    the window's totals: the figures of the table, not another roll-up of them)."""
    from .narrative import compose_groups
    from .workbook import collect_report

    data = collect_report(store, first, last, today=today, units=units)
    return data, compose_groups(data.window.totals, store.catalog, first, last, lang=lang)


def save_document(doc: Document, path: str | Path) -> Path:
    """Write next to ``path`` and rename: a failed write never leaves half a document."""
    path = Path(path)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        doc.save(str(temp))
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return path


def write_document(
    store: Store, first: Period, last: Period, path: str | Path, **options: Any
) -> Path:
    """Write the report (:func:`document`, same options) to ``path``."""
    return save_document(document(store, first, last, **options), path)
