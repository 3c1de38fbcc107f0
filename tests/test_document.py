"""The official report (ncctd document, issue 15): the written .docx read back with
python-docx — header block, section order, every figure against `ncctd rollup`/`ncctd status`
run for real, the decree's layout — and converted to PDF by LibreOffice (pages, nothing off
the page)."""

from __future__ import annotations

import datetime as _dt
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from docx import Document as open_docx
from docx.oxml.ns import qn
from docx.shared import Mm

import ncctd_cli as nc
from ncctd_cli.catalog import default_catalog
from ncctd_cli.document import (
    MARGINS_MM,
    STYLES,
    TEMPLATE,
    TEXT_WIDTH_MM,
    Words,
    make_template,
)
from ncctd_cli.narrative import NOT_IN_ARTICLE, compose, compose_groups
from ncctd_cli.store import Store
from ncctd_cli.vietnamese import Period, parse_number_text

from .conftest import EXAMPLES, _env
from .test_narrative import article_paragraph

CATALOG = default_catalog()
BY_LABEL = {i.label: i for i in CATALOG.indicators}
BY_CODE = {i.code: i for i in CATALOG.indicators}
ASIDES = re.compile(r", tập trung tuyên truyền.*?trên địa bàn;")


def ncctd(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ncctd_cli", *map(str, args)],
        capture_output=True, text=True, env=_env(), cwd=cwd, timeout=300, check=False,
    )


def ok(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the bundled examples ingested (2021–2023, 504 returns) and the three
    documents written by the real command: 2023, 2021–2023, and 2023 in English."""
    folder = tmp_path_factory.mktemp("document")
    with Store.open(folder / "ex.sqlite") as store:
        assert nc.ingest(store, [EXAMPLES / "returns"]).summary["stored"] == 504
    ok(ncctd("--db", "ex.sqlite", "document", "--year", "2023", "-o", "2023.docx", cwd=folder))
    ok(ncctd("--db", "ex.sqlite", "document", "--from", "2021-01", "--to", "2023-12", "-o",
             "2021-2023.docx", cwd=folder))
    ok(ncctd("--db", "ex.sqlite", "--lang", "en", "document", "--year", "2023", "-o", "2023-en.docx",
             cwd=folder))
    return folder


def rollup_json(work: Path, *args: str) -> dict[str, Any]:
    return json.loads(ok(ncctd("--db", "ex.sqlite", "rollup", *args, "--format", "json", cwd=work)).stdout)


def number(text: str) -> float | None:
    text = text.strip()
    return None if not text else parse_number_text(text)


def body_items(doc: Any) -> Iterator[tuple[str, Any]]:
    """The body in order: ("p", paragraph) or ("t", table)."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in doc.element.body.iterchildren():
        if child.tag == qn("w:p"):
            yield "p", Paragraph(child, doc)
        elif child.tag == qn("w:tbl"):
            yield "t", Table(child, doc)


def style_id(paragraph: Any) -> str:
    return paragraph.style.element.get(qn("w:styleId"))


def cells(table: Any) -> list[list[str]]:
    rows = []
    for row in table.rows:
        seen: list[Any] = []
        texts = []
        for cell in row.cells:  # a merged cell is listed once per column it covers
            if any(cell._tc is s for s in seen):
                continue
            seen.append(cell._tc)
            texts.append(cell.text)
        rows.append(texts)
    return rows


# ------------------------------------------------------------------ header block and order


def test_header_block_and_title(work: Path) -> None:
    doc = open_docx(str(work / "2023.docx"))
    header = doc.tables[0]
    issuer, nation = header.rows[0].cells
    assert [p.text for p in issuer.paragraphs if p.text] == ["ỦY BAN NHÂN DÂN", "HUYỆN MÙ CANG CHẢI"]
    assert {style_id(p) for p in issuer.paragraphs if p.text} == {"NcctdIssuer"}
    assert [p.text for p in nation.paragraphs if p.text] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    number_cell, date_cell = header.rows[1].cells
    assert number_cell.text == "Số: …/BC-UBND"
    today = _dt.date.today()
    words = Words("vi", CATALOG)
    assert date_cell.text in {f"Mù Cang Chải, {words.date(d)}" for d in (today, today - _dt.timedelta(days=1))}
    assert re.fullmatch(r"Mù Cang Chải, ngày \d\d tháng (0[12]|[3-9]|1[012]) năm \d{4}", date_cell.text)
    # the decree's lines under the issuing body and the Tiêu ngữ
    for cell in (issuer, nation):
        assert any(p._p.find(f"{qn('w:pPr')}/{qn('w:pBdr')}") is not None for p in cell.paragraphs)
    title = [p.text for kind, p in body_items(doc) if kind == "p" and p.text][:2]
    assert title == ["BÁO CÁO", "Kết quả thực hiện mô hình “Ngày cuối tuần cùng dân” năm 2023"]


def test_decree_dates() -> None:
    words = Words("vi", CATALOG)
    assert words.date(_dt.date(2024, 1, 5)) == "ngày 05 tháng 01 năm 2024"
    assert words.date(_dt.date(2024, 2, 15)) == "ngày 15 tháng 02 năm 2024"
    assert words.date(_dt.date(2024, 11, 30)) == "ngày 30 tháng 11 năm 2024"
    assert words.date(_dt.date(2024, 3, 9)) == "ngày 09 tháng 3 năm 2024"
    assert Words("en", CATALOG).date(_dt.date(2024, 3, 9)) == "9 March 2024"


def outline(doc: Any) -> list[str]:
    """Headings, appendix titles, tables, the signature block and pictures, in order."""
    found = []
    for kind, item in body_items(doc):
        if kind == "t":
            text = item.rows[0].cells[0].text
            found.append("[signature]" if text.startswith("Nơi nhận") or text.startswith("Recipients")
                         else "[header]" if "NHÂN DÂN" in text or "PEOPLE" in text else "[table]")
        elif style_id(item) in ("NcctdHeading", "NcctdAppendix"):
            found.append(item.text)
        elif item._p.findall(f".//{qn('w:drawing')}"):
            found.append("[chart]")
    return [x for n, x in enumerate(found) if not (x == "[table]" and found[n - 1] == "[table]")]


def test_sections_in_the_article_order(work: Path) -> None:
    doc = open_docx(str(work / "2023.docx"))
    assert outline(doc) == [
        "[header]",
        "I. SINH HOẠT, TUYÊN TRUYỀN",
        "II. HUY ĐỘNG THAM GIA",
        "III. CÔNG TRÌNH, PHẦN VIỆC",
        "IV. PHÁT TRIỂN KINH TẾ",
        "V. SỐ LIỆU CÁC CHỈ TIÊU", "[table]",
        "VI. TÌNH HÌNH NỘP BÁO CÁO", "[table]",
        "[signature]",
        "Phụ lục I", "SỐ LIỆU THEO XÃ, THỊ TRẤN NĂM 2023", "[table]",
        "Phụ lục II", "BIỂU ĐỒ CÁC CHỈ TIÊU CHÍNH", "[chart]", "[chart]",
    ]
    signature = doc.tables[3]
    recipients, signer = signature.rows[0].cells
    lines = [p.text for p in recipients.paragraphs]
    assert lines[0] == "Nơi nhận:" and lines[-1] == "- Lưu: VT."
    assert all(line.endswith(";") for line in lines[1:-1])
    assert [p.text for p in signer.paragraphs if p.text] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]


# ------------------------------------------------------------------ every figure


def group_paragraphs(doc: Any) -> dict[str, str]:
    """Heading → the paragraph under it, for the results sections (I–IV)."""
    found: dict[str, str] = {}
    heading = None
    for kind, item in body_items(doc):
        if kind != "p":
            heading = None
            continue
        if style_id(item) == "NcctdHeading":
            heading = item.text
        elif heading and style_id(item) == "NcctdBody" and heading not in found:
            found[heading] = item.text
    return found


def test_results_paragraphs_are_the_narrative_of_rollup_totals(work: Path) -> None:
    totals = rollup_json(work, "--year", "2023")["totals"]
    doc = open_docx(str(work / "2023.docx"))
    paragraphs = list(group_paragraphs(doc).values())[:4]
    expected = compose_groups(totals, CATALOG, Period(2023, 1), Period(2023, 12))
    assert [g.group for g in expected] == [
        "Sinh hoạt, tuyên truyền", "Huy động tham gia", "Công trình, phần việc", "Phát triển kinh tế"]
    assert paragraphs == [g.story.text for g in expected]
    # every indicator the article gives is written, and only those
    written = {f.code for g in expected for f in g.story.figures}
    assert written == {i.code for i in CATALOG.indicators} - NOT_IN_ARTICLE


def test_indicator_table_against_rollup(work: Path) -> None:
    now = rollup_json(work, "--year", "2023")
    before = rollup_json(work, "--year", "2022")
    doc = open_docx(str(work / "2023.docx"))
    rows = cells(doc.tables[1])
    assert rows[0] == ["STT", "Chỉ tiêu", "Đơn vị tính", "Năm 2023", "Năm 2022", "Tăng/giảm (%)"]
    seen = []
    for row in rows[1:]:
        if row[1] in BY_LABEL:
            indicator = BY_LABEL[row[1]]
            seen.append(indicator.code)
            assert row[2] == indicator.unit
            a, b = now["totals"][indicator.code], before["totals"][indicator.code]
            assert number(row[3]) == pytest.approx(a, abs=0.051), indicator.code
            assert number(row[4]) == pytest.approx(b, abs=0.051), indicator.code
            change = number(row[5].rstrip("%").lstrip("+"))
            assert change == pytest.approx((a - b) / b * 100, abs=0.051), indicator.code
    assert seen == [i.code for i in CATALOG.indicators]  # every indicator, in the form's order
    groups = [row for row in rows[1:] if row[0] in ("I", "II", "III", "IV")]
    assert [g[1] for g in groups] == [
        "Sinh hoạt, tuyên truyền", "Huy động tham gia", "Công trình, phần việc", "Phát triển kinh tế"]
    last = rows[-1]
    assert last[1] == "Số báo cáo tháng đã nhận / phải có"
    assert last[3] == f"{now['reporting']['received']}/{now['reporting']['expected']}" == "168/168"
    assert last[4] == f"{before['reporting']['received']}/{before['reporting']['expected']}"


def test_completeness_table_against_status(work: Path) -> None:
    status = json.loads(ok(ncctd("--db", "ex.sqlite", "status", "--year", "2023", "--format", "json",
                                 cwd=work)).stdout)
    doc = open_docx(str(work / "2023.docx"))
    rows = cells(doc.tables[2])
    assert rows[0] == ["STT", "Xã, thị trấn", "Phải có", "Đã nhận", "Đúng hạn", "Muộn", "Thiếu"]
    for row, commune in zip(rows[1:-1], status["communes"], strict=True):
        assert row[1] == commune["name"]
        assert [int(x) for x in row[2:]] == [commune[k] for k in
                                              ("expected", "received", "on_time", "late", "missing")]
    assert [int(x) for x in rows[-1][2:]] == [status[k] for k in
                                               ("expected", "received", "on_time", "late", "missing")]
    text = next(p.text for p in doc.paragraphs if p.text.startswith("Đã nhận "))
    assert text.startswith(f"Đã nhận {status['received']}/{status['expected']} báo cáo tháng (100%)")


def test_appendix_by_commune_against_rollup(work: Path) -> None:
    by_commune = rollup_json(work, "--year", "2023", "--by", "commune")
    expected = {row["name"]: row["values"] for row in by_commune["rows"]}
    doc = open_docx(str(work / "2023.docx"))
    headings = {f"{i.label} ({i.unit})": i for i in CATALOG.indicators}
    covered = []
    for table in doc.tables[4:]:
        rows = cells(table)
        assert rows[0][:2] == ["STT", "Xã, thị trấn"]
        columns = [headings[h] for h in rows[0][2:]]
        assert len(columns) <= 5  # portrait A4: at most five indicator columns
        covered += [i.code for i in columns]
        assert [r[1] for r in rows[1:-1]] == list(expected)
        for row in rows[1:-1]:
            for indicator, text in zip(columns, row[2:], strict=True):
                value = expected[row[1]][indicator.code]
                assert (number(text) is None) if value is None else number(text) == pytest.approx(value, abs=0.051)
        assert rows[-1][1] == "Toàn huyện"
        for indicator, text in zip(columns, rows[-1][2:], strict=True):
            total = sum(v[indicator.code] or 0 for v in expected.values())
            assert number(text) == pytest.approx(total, abs=0.051)
    assert covered == [i.code for i in CATALOG.indicators]


# ------------------------------------------------------------------ the article's standard


def test_three_years_read_as_the_article(work: Path) -> None:
    doc = open_docx(str(work / "2021-2023.docx"))
    paragraphs = list(group_paragraphs(doc).values())[:4]
    article = article_paragraph()
    whole = ASIDES.sub(";", article)
    all_clauses: list[str] = []
    for text in paragraphs:
        assert text.startswith("Trong 3 năm qua, huyện đã ")
        body = re.sub(r"^Trong 3 năm qua, huyện đã (huy động )?", "", text.rstrip("."))
        clauses = body.split("; ")
        positions = [article.find(clause) for clause in clauses]
        assert -1 not in positions, [c for c, p in zip(clauses, positions, strict=True) if p < 0]
        assert positions == sorted(positions)  # the article's order inside each group
        all_clauses += clauses
    # together, the groups say exactly what the article's paragraph says
    article_clauses = re.sub(r"^Trong 3 năm qua, huyện đã ", "", whole.rstrip(".")).split("; ")
    assert sorted(all_clauses) == sorted(article_clauses)
    assert paragraphs[0].startswith("Trong 3 năm qua, huyện đã tổ chức hơn 4.600 lượt")
    title = [p.text for p in doc.paragraphs if style_id(p) == "NcctdSubject"]
    assert title == ["Kết quả thực hiện mô hình “Ngày cuối tuần cùng dân” giai đoạn 2021–2023"]


# ------------------------------------------------------------------ layout


def resolved(style: Any, attribute: str) -> Any:
    while style is not None:
        value = getattr(style.font, attribute)
        if value is not None:
            return value
        style = style.base_style
    return None


def within(length: int, low_mm: float, high_mm: float) -> bool:
    """Inside the decree's range (Word stores margins in twentieths of a point: 15 mm is
    850 of them, a hair under 15 mm)."""
    return Mm(low_mm - 0.1) <= length <= Mm(high_mm + 0.1)


def test_page_margins_fonts(work: Path) -> None:
    doc = open_docx(str(work / "2023.docx"))
    for section in doc.sections:
        assert abs(section.page_width - Mm(210)) < Mm(0.5) and abs(section.page_height - Mm(297)) < Mm(0.5)
        assert within(section.top_margin, 20, 25) and within(section.bottom_margin, 20, 25)
        assert within(section.left_margin, 30, 35) and within(section.right_margin, 15, 20)
        assert section.different_first_page_header_footer  # no number on page 1
        assert "PAGE" in "".join(t.text for t in section.header._element.iter(qn("w:instrText")))
    defaults = doc.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    assert defaults.get(qn("w:ascii")) == defaults.get(qn("w:hAnsi")) == "Times New Roman"
    paragraphs = list(doc.paragraphs) + [p for t in doc.tables for row in t.rows for c in row.cells
                                         for p in c.paragraphs]
    for paragraph in paragraphs:
        if not paragraph.text.strip():
            continue
        assert resolved(paragraph.style, "name") == "Times New Roman", paragraph.text
        for run in paragraph.runs:
            assert run.font.name in (None, "Times New Roman")
        size = resolved(paragraph.style, "size").pt
        sid = style_id(paragraph)
        if sid in ("NcctdBody", "NcctdHeading", "NcctdSubject", "NcctdDocType", "NcctdMotto",
                   "NcctdPlaceDate", "NcctdSignerTitle", "NcctdAppendix", "NcctdTable", "NcctdTableHead"):
            assert 13 <= size <= 14, (sid, paragraph.text)
        elif sid in ("NcctdRecipients", "NcctdRecipientsHead"):
            assert 11 <= size <= 12  # the decree's sizes for «Nơi nhận»
        else:
            assert 12 <= size <= 14, (sid, paragraph.text)


def test_tables_fit_and_repeat_their_header(work: Path) -> None:
    doc = open_docx(str(work / "2023.docx"))
    text_width = Mm(TEXT_WIDTH_MM)
    for n, table in enumerate(doc.tables):
        grid = table._tbl.tblGrid.findall(qn("w:gridCol"))
        width = sum(int(col.get(qn("w:w"))) for col in grid) * 635  # twips → EMU
        assert width <= text_width + Mm(0.5), n
        for row in table.rows:
            assert row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None
        boxed = table._tbl.tblPr.find(f"{qn('w:tblBorders')}/{qn('w:top')}").get(qn("w:val")) == "single"
        if boxed:  # a table of figures: its header row repeats on every page it spans
            assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


@pytest.fixture(scope="module")
def pdf(work: Path) -> Path:
    assert shutil.which("soffice"), "LibreOffice is needed (.ci/run installs it)"
    profile = work / "lo-profile"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(work), str(work / "2023.docx")],
        capture_output=True, timeout=240, check=True,
    )
    return work / "2023.pdf"


def test_pdf_pages_and_nothing_off_the_page(pdf: Path) -> None:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert 6 <= pages <= 12, pages
    box = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    mm = 72 / 25.4
    left, right = MARGINS_MM["left"] * mm - 1 * mm, (210 - MARGINS_MM["right"]) * mm + 1 * mm
    off = []
    page_texts: list[list[str]] = []
    for page in re.findall(r"<page .*?</page>", box, flags=re.S):
        words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', page)
        page_texts.append([w[4] for w in words])
        off += [w[4] for w in words if float(w[0]) < left or float(w[2]) > right]
        assert all(float(w[3]) <= (297 - 10) * mm for w in words)  # above the bottom margin's edge
    assert not off, off[:20]
    assert len(page_texts) == pages
    assert page_texts[0][:3] == ["ỦY", "BAN", "NHÂN"]  # page 1: no page number above the header
    for n, words in enumerate(page_texts[1:], start=2):
        assert words[0] == str(n)  # from page 2: its number, centred in the top margin
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Phụ lục I" in text and "Nơi nhận:" in text and "168/168" in text


# ------------------------------------------------------------------ English, template, errors


def test_english_version(work: Path) -> None:
    doc = open_docx(str(work / "2023-en.docx"))
    header = cells(doc.tables[0])
    assert "SOCIALIST REPUBLIC OF VIET NAM" in header[0][1] and "Independence - Freedom - Happiness" in header[0][1]
    assert header[1][0] == "No.: …/BC-UBND"
    assert "MU CANG CHAI DISTRICT" in header[0][0]
    paragraphs = list(group_paragraphs(doc).values())
    assert paragraphs[0].startswith("In 2023, the district organised more than 1,670 visits")
    assert outline(doc)[1:6] == [
        "I. PARTY MEETINGS AND INFORMATION", "II. MOBILISATION", "III. WORKS AND TASKS",
        "IV. ECONOMIC DEVELOPMENT", "V. FIGURES OF EVERY INDICATOR"]
    everything = "\n".join(p.text for p in doc.paragraphs)
    assert "Trong năm" not in everything and "Phụ lục" not in everything
    table = cells(doc.tables[1])
    assert table[0][3:] == ["2023", "2022", "Change (%)"]
    assert table[2][3] == "1,673"  # English numbers


def test_office_template(work: Path, tmp_path: Path) -> None:
    # the office restyles the bundled template: wider margins, a smaller body
    office = open_docx(str(TEMPLATE))
    section = office.sections[0]
    section.top_margin = section.bottom_margin = Mm(25)
    section.left_margin, section.right_margin = Mm(35), Mm(20)
    body = next(s for s in office.styles if s.element.get(qn("w:styleId")) == "NcctdBody")
    body.font.size = Mm(0) + 13 * 12700  # 13 pt
    office.save(str(tmp_path / "office.docx"))
    ok(ncctd("--db", work / "ex.sqlite", "document", "--year", "2023", "--template", "office.docx",
             "-o", "out.docx", cwd=tmp_path))
    doc = open_docx(str(tmp_path / "out.docx"))
    assert within(doc.sections[0].left_margin, 35, 35) and within(doc.sections[0].top_margin, 25, 25)
    body = next(s for s in doc.styles if s.element.get(qn("w:styleId")) == "NcctdBody")
    assert body.font.size.pt == 13
    assert outline(doc)[1] == "I. SINH HOẠT, TUYÊN TRUYỀN"
    # a plain Word file as template: the report's styles are added to it
    open_docx().save(str(tmp_path / "plain.docx"))
    ok(ncctd("--db", work / "ex.sqlite", "document", "--year", "2023", "--template", "plain.docx",
             "-o", "plain-out.docx", cwd=tmp_path))
    plain = open_docx(str(tmp_path / "plain-out.docx"))
    assert {s.element.get(qn("w:styleId")) for s in plain.styles} >= set(STYLES)
    assert group_paragraphs(plain)


def test_usage_errors(work: Path, tmp_path: Path) -> None:
    db = work / "ex.sqlite"
    (tmp_path / "there.docx").write_bytes(b"")
    exists = ncctd("--db", db, "document", "--year", "2023", "-o", "there.docx", cwd=tmp_path)
    assert exists.returncode == 2 and "--force" in exists.stderr
    suffix = ncctd("--db", db, "document", "--year", "2023", "-o", "bao-cao.xlsx", cwd=tmp_path)
    assert suffix.returncode == 2 and ".docx" in suffix.stderr
    (tmp_path / "bad.docx").write_text("không phải Word", encoding="utf-8")
    bad = ncctd("--db", db, "document", "--year", "2023", "--template", "bad.docx", "-o", "a.docx",
                cwd=tmp_path)
    assert bad.returncode == 2 and "bad.docx" in bad.stderr and "Traceback" not in bad.stderr
    missing = ncctd("--db", db, "document", "--year", "2023", "--template", "none.docx", "-o", "a.docx",
                    cwd=tmp_path)
    assert missing.returncode == 2 and "none.docx" in missing.stderr
    assert not (tmp_path / "a.docx").exists()
    both = ncctd("--db", db, "document", "--year", "2023", "--from", "2023-01", "-o", "a.docx", cwd=tmp_path)
    assert both.returncode == 2
    (tmp_path / "locked.sqlite").write_text("not a database", encoding="utf-8")
    broken = ncctd("--db", "locked.sqlite", "document", "--year", "2023", "-o", "a.docx", cwd=tmp_path)
    assert broken.returncode == 3 and "Traceback" not in broken.stderr


def test_incomplete_window_is_said(tmp_path: Path) -> None:
    header = "Xã,Kỳ báo cáo,leader_visits,propaganda_sessions,propaganda_listeners,lighting_km"
    (tmp_path / "w.csv").write_text(f"{header}\nNậm Có,2023-01,100,20,400,3.5\n", encoding="utf-8")
    ok(ncctd("--db", "s.sqlite", "ingest", "w.csv", cwd=tmp_path))
    done = ok(ncctd("--db", "s.sqlite", "document", "--from", "2023-01", "--to", "2023-01", "-o", "d.docx",
                    cwd=tmp_path))
    assert "1/14" in done.stderr
    doc = open_docx(str(tmp_path / "d.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "Số liệu chưa đầy đủ: mới nhận 1/14 báo cáo tháng của kỳ này." in text  # honesty.py's words
    assert "(đã nhận 1/14 báo cáo tháng)" in text
    assert "Trong tháng 1/2023, huyện đã tổ chức 100 lượt" in text
    assert "còn thiếu 13 báo cáo" in text


def test_decimals_as_the_workbook_shows_them(tmp_path: Path) -> None:
    """0,25 km is not 0,2 (nor 0,3): a decimal indicator's figures with the places they need,
    as the report workbook shows them, in the indicator table and the appendix."""
    header = "Xã,Kỳ báo cáo,leader_visits,rural_road_km,lighting_km"
    (tmp_path / "w.csv").write_text(f"{header}\nNậm Có,2023-01,3,0.25,1.5\nHồ Bốn,2023-01,2,,1\n", encoding="utf-8")
    ok(ncctd("--db", "s.sqlite", "ingest", "--decimal-point", "w.csv", cwd=tmp_path))
    ok(ncctd("--db", "s.sqlite", "document", "--from", "2023-01", "--to", "2023-01", "-o", "d.docx", cwd=tmp_path))
    doc = open_docx(str(tmp_path / "d.docx"))
    road = next(row for row in cells(doc.tables[1]) if row[1] == BY_CODE["rural_road_km"].label)
    assert row_figures(road) == ["0,25"]
    lighting = next(row for row in cells(doc.tables[1]) if row[1] == BY_CODE["lighting_km"].label)
    assert row_figures(lighting) == ["2,5"]
    appendix = [row for table in doc.tables[4:] for row in cells(table)]
    assert any("0,25" in row for row in appendix)


def row_figures(row: list[str]) -> list[str]:
    """The figures of an indicator row: this period's (the previous one has none here)."""
    return [text for text in row[3:5] if text]


# ------------------------------------------------------------------ Python API and the template


def test_python_api(work: Path, tmp_path: Path) -> None:
    import ncctd_cli.document  # noqa: F401 (the submodule must not hide the API function)

    with nc.open_store(work / "ex.sqlite", readonly=True) as store:
        doc = nc.document(store, "2023-01", "2023-06", today=_dt.date(2024, 1, 5), charts=False)
        path = nc.write_document(store, "2023-01", "2023-12", tmp_path / "api.docx", lang="en")
    assert type(doc).__name__ == "Document"
    assert cells(doc.tables[0])[1][1] == "Mù Cang Chải, ngày 05 tháng 01 năm 2024"
    assert group_paragraphs(doc)["I. SINH HOẠT, TUYÊN TRUYỀN"].startswith("Trong 6 tháng đầu năm 2023, ")
    assert not any(p._p.findall(f".//{qn('w:drawing')}") for p in doc.paragraphs)
    assert path.exists() and open_docx(str(path)).paragraphs


def test_bundled_template(tmp_path: Path) -> None:
    doc = open_docx(str(TEMPLATE))
    assert {s.element.get(qn("w:styleId")) for s in doc.styles} >= set(STYLES)
    assert not doc.paragraphs and not doc.tables  # a body of nothing: the report replaces it
    section = doc.sections[0]
    assert within(section.page_width, 210, 210) and within(section.left_margin, MARGINS_MM["left"], MARGINS_MM["left"])
    again = make_template(tmp_path / "t.docx")  # what the generator makes has the same styles
    assert {s.name for s in open_docx(str(again)).styles} == {s.name for s in doc.styles}


def test_compose_groups_cover_the_paragraph() -> None:
    totals = {i.code: 10.0 for i in CATALOG.indicators}
    first, last = Period(2023, 1), Period(2023, 12)
    groups = compose_groups(totals, CATALOG, first, last)
    whole = compose(totals, CATALOG, first, last)
    assert sorted(f.code for g in groups for f in g.story.figures) == sorted(f.code for f in whole.figures)
    english = compose_groups(totals, CATALOG, first, last, lang="en")
    assert english[0].story.text.startswith("In 2023, the district organised 10 visits")
