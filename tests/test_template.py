"""Blank forms: the contract's form layout, protection, input rules, print set-up, file names,
and the round trip: a form filled in as a clerk would comes back through ``ingest`` clean."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from ncctd_cli.api import read_file
from ncctd_cli.catalog import Catalog, Commune, Indicator, default_catalog
from ncctd_cli.store import Store
from ncctd_cli.template import (
    HEADERS,
    OTHER_GROUP,
    TemplateError,
    build_workbook,
    groups,
    slug,
    template_filename,
    write_template,
    write_templates,
)
from ncctd_cli.vietnamese import Period

from .printed import needs_libreoffice, page_font_sizes, page_texts, page_words, to_pdf

JAN = Period(2024, 1)


# ------------------------------------------------------------------ helpers (also used by the loop)


def header_row(ws) -> int:
    for row in ws.iter_rows():
        if tuple(c.value for c in row[: len(HEADERS)]) == HEADERS:
            return row[0].row
    raise AssertionError("no header row")


def form_rows(ws) -> dict[str, int]:
    """indicator code → row number, read from the form itself."""
    top = header_row(ws)
    found = {}
    for row in ws.iter_rows(min_row=top + 1):
        code = row[1].value
        if isinstance(code, str) and code.strip():
            found[code] = row[0].row
    return found


def fill_form(path: Path, values: dict[str, object], out: Path | None = None, notes: dict[str, str] | None = None) -> Path:
    """Type numbers into the value cells the way a clerk would (openpyxl standing in for Excel),
    and save. Only unlocked cells are touched: the test fails if a value cell is locked."""
    wb = openpyxl.load_workbook(path)
    ws = wb.active
    rows = form_rows(ws)
    value_col = HEADERS.index("Số lượng") + 1
    note_col = HEADERS.index("Ghi chú") + 1
    for code, value in values.items():
        cell = ws.cell(row=rows[code], column=value_col)
        assert cell.protection.locked is False
        cell.value = value
    for code, text in (notes or {}).items():
        cell = ws.cell(row=rows[code], column=note_col)
        assert cell.protection.locked is False
        cell.value = text
    target = out or path
    wb.save(target)
    return target


def clerk_values(catalog: Catalog, seed: int) -> dict[str, float | int]:
    """Plausible, rule-abiding figures for one return (integers for integer indicators)."""
    values: dict[str, float | int] = {}
    for n, ind in enumerate(catalog.indicators):
        if ind.is_integer:
            values[ind.code] = 2 + (seed * 7 + n * 5) % 23
        else:
            values[ind.code] = round(0.5 + ((seed + n) % 9) * 0.3, 1)
    if "propaganda_listeners" in values:
        values["propaganda_listeners"] = 40 * int(values["propaganda_sessions"]) + seed
    if "citizen_participations" in values:
        values["citizen_participations"] = 100 + seed * 3
    return values


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return default_catalog()


@pytest.fixture(scope="module")
def nam_co(catalog: Catalog) -> Commune:
    return catalog.commune_by_code["04462"]


# ------------------------------------------------------------------ layout


def test_form_layout_matches_the_contract(catalog: Catalog, nam_co: Commune) -> None:
    ws = build_workbook(catalog, nam_co, JAN).active
    top = header_row(ws)
    labels = {}
    for row in ws.iter_rows(max_row=top - 1):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.endswith(":"):
                labels[cell.value] = ws.cell(row=cell.row, column=cell.column + 1).value
    assert labels["Xã/Thị trấn:"] == "Xã Nậm Có"
    assert labels["Kỳ báo cáo:"] == "01/2024"
    assert labels["Hạn gửi:"] == "chậm nhất ngày 05/02/2024"
    rows = form_rows(ws)
    assert list(rows) == [i.code for i in catalog.indicators]  # every code, catalog order
    for ind in catalog.indicators:
        r = rows[ind.code]
        assert ws.cell(row=r, column=3).value == ind.label
        assert ws.cell(row=r, column=4).value == ind.unit
        assert ws.cell(row=r, column=5).value is None  # blank: "not reported" until filled
    headings = [
        ws.cell(row=r, column=1).value
        for r in range(top + 1, max(rows.values()) + 1)
        if isinstance(ws.cell(row=r, column=1).value, str)
    ]
    assert headings == [
        "I. Sinh hoạt, tuyên truyền",
        "II. Huy động tham gia",
        "III. Công trình, phần việc",
        "IV. Phát triển kinh tế",
    ]
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts
    assert "UBND XÃ NẬM CÓ" in texts
    assert "NGƯỜI LẬP BIỂU" in texts
    assert any("BÁO CÁO KẾT QUẢ" in t for t in texts)


def test_only_value_and_note_cells_are_unlocked(catalog: Catalog, nam_co: Commune) -> None:
    ws = build_workbook(catalog, nam_co, JAN).active
    assert ws.protection.sheet is True
    assert not ws.protection.password  # no password: anyone can read, and unprotect to fix
    rows = set(form_rows(ws).values())
    unlocked = {
        (c.row, c.column)
        for row in ws.iter_rows(min_row=1, max_row=ws.max_row + 5, max_col=10)
        for c in row
        if c.protection.locked is False
    }
    assert unlocked == {(r, col) for r in rows for col in (5, 6)}


def test_value_cells_carry_input_rules(catalog: Catalog, nam_co: Commune) -> None:
    ws = build_workbook(catalog, nam_co, JAN).active
    rows = form_rows(ws)
    by_cell = {}
    for dv in ws.data_validations.dataValidation:
        for ref in str(dv.sqref).split():
            by_cell[ref] = dv
    assert len(by_cell) == len(catalog.indicators)
    for ind in catalog.indicators:
        dv = by_cell[f"E{rows[ind.code]}"]
        assert dv.type == ("whole" if ind.is_integer else "decimal")
        assert (dv.operator, dv.formula1) == ("greaterThanOrEqual", "0")
        assert dv.allow_blank and dv.showInputMessage and dv.showErrorMessage
        assert dv.errorStyle == "stop"
        assert ind.label in dv.prompt and "Để trống nếu không có số liệu" in dv.prompt
        assert ("số nguyên" in dv.prompt) == ind.is_integer
        assert len(dv.prompt) <= 255 and len(dv.promptTitle) <= 32
        assert "không âm" in dv.error


def test_print_setup(catalog: Catalog, nam_co: Commune) -> None:
    ws = build_workbook(catalog, nam_co, JAN).active
    assert str(ws.page_setup.paperSize) == str(ws.PAPERSIZE_A4)
    assert ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    # issue 14: one page (the bundled catalog's form fits at 91 % or more), printed ≥ 10 pt
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 1)
    assert ws.print_title_rows.replace("$", "") == f"{header_row(ws)}:{header_row(ws)}"
    widths = [ws.column_dimensions[letter].width for letter in "ABCDEF"]
    assert widths[2] == max(widths) and widths[2] >= 36  # the label column
    assert widths[1] <= 0.12 * sum(widths)  # the code column, not a fifth of the width
    assert ws.cell(row=form_rows(ws)["leader_visits"], column=3).alignment.wrap_text
    assert ws.freeze_panes is None  # issue 14: no frozen title block hiding the inputs


def test_file_names_say_commune_and_month(catalog: Catalog) -> None:
    names = [template_filename(c, JAN) for c in catalog.communes]
    assert "bieu-mau_04462_nam-co_2024-01.xlsx" in names
    assert "bieu-mau_04456_mu-cang-chai_2024-01.xlsx" in names
    assert "bieu-mau_04486_de-su-phinh_2024-01.xlsx" in names
    assert len(set(names)) == 14
    assert all(n.isascii() for n in names)
    assert slug("Xã Đông Sơn") == "dong-son"


def test_hostile_names_stay_inside_the_folder(tmp_path: Path, catalog: Catalog) -> None:
    evil = [Commune("../../etc", "Xã ../../passwd"), Commune("04462/..", "/tmp/x")]
    folder = tmp_path / "out"
    folder.mkdir()
    written = write_templates(catalog, JAN, folder, evil)
    assert [w.path.parent for w in written] == [folder.resolve()] * 2
    assert sorted(p.name for p in folder.iterdir()) == sorted(w.path.name for w in written)
    assert list(tmp_path.iterdir()) == [folder]


# ------------------------------------------------------------------ groups from the catalog


def _catalog(groups_of: list[str]) -> Catalog:
    indicators = [
        Indicator(f"ind_{n}", f"Chỉ tiêu số {n}", "cái", "integer" if n % 2 else "decimal", "sum", (), g)
        for n, g in enumerate(groups_of)
    ]
    return Catalog(indicators, [Commune("001", "Xã Một"), Commune("002", "Phường Hai")])


def test_groups_come_from_the_catalog() -> None:
    found = groups(_catalog(["A", "B", "", "A"]))
    assert [(g.number, g.title, [i.code for i in g.indicators]) for g in found] == [
        ("I", "A", ["ind_0", "ind_3"]),
        ("II", "B", ["ind_1"]),
        ("III", OTHER_GROUP, ["ind_2"]),
    ]
    flat = groups(_catalog(["", "", ""]))
    assert [(g.title, len(g.indicators)) for g in flat] == [("", 3)]


@pytest.mark.parametrize("group_names", [["", "", ""], ["Nhóm X", "", "Nhóm Y"]])
def test_other_catalogs_get_a_valid_form(tmp_path: Path, group_names: list[str]) -> None:
    cat = _catalog(group_names)
    commune = cat.communes[1]
    path = write_template(cat, commune, JAN, tmp_path / "f.xlsx")
    ws = openpyxl.load_workbook(path).active
    assert sorted(form_rows(ws)) == ["ind_0", "ind_1", "ind_2"]
    assert list(form_rows(ws)) == [i.code for g in groups(cat) for i in g.indicators]
    fill_form(path, {"ind_0": 1.5, "ind_1": 3, "ind_2": 0})
    [ret] = read_file(path, cat)
    assert ret.problems == []
    assert (ret.commune, ret.period, ret.reported) == ("002", JAN, {"ind_0": 1.5, "ind_1": 3.0, "ind_2": 0.0})


def test_group_column_is_optional_and_kept_by_the_store(tmp_path: Path, catalog: Catalog) -> None:
    assert catalog.has_groups
    folder = tmp_path / "cat"
    catalog.write_folder(folder)
    assert Catalog.from_folder(folder).indicators == catalog.indicators
    with (folder / "indicators.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][-1] == "group"
    with (folder / "indicators.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(row[:-1] for row in rows)  # a catalog without the column
    assert not Catalog.from_folder(folder).has_groups

    db = tmp_path / "s.sqlite"
    with Store.open(db) as store:
        assert store.catalog.indicators == catalog.indicators
        # a store of schema 1 made before indicators had groups
        for change in (
            "ALTER TABLE indicators DROP COLUMN group_name",
            "ALTER TABLE problems DROP COLUMN params",
            "DROP TABLE migrations",
            "UPDATE meta SET value = '1' WHERE key = 'schema_version'",
        ):
            store.conn.execute(change)
    with Store.open_readonly(db) as store:  # migrated when opened: the column comes back, empty
        assert store.migrated is not None
        assert "group_name" in {r[1] for r in store.conn.execute("PRAGMA table_info(indicators)")}
        assert [i.code for i in store.catalog.indicators] == [i.code for i in catalog.indicators]
        assert not store.catalog.has_groups


# ------------------------------------------------------------------ round trip


def test_filled_form_reads_back_with_no_problem(tmp_path: Path, catalog: Catalog, nam_co: Commune) -> None:
    path = write_template(catalog, nam_co, JAN, tmp_path / "f.xlsx")
    values = clerk_values(catalog, 3)
    values.pop("houses_for_poor")  # left blank: not reported
    values["enterprises_new"] = 0
    fill_form(path, values, notes={"workdays": "Làm đường bản Tà Ghênh"})
    [ret] = read_file(path, catalog)
    assert ret.problems == []
    assert ret.commune == "04462" and ret.period == JAN
    assert ret.reported == {k: float(v) for k, v in values.items()}
    assert "houses_for_poor" not in ret.reported


def test_blank_form_is_refused_as_no_values(tmp_path: Path, catalog: Catalog, nam_co: Commune) -> None:
    path = write_template(catalog, nam_co, JAN, tmp_path / "f.xlsx")
    [ret] = read_file(path, catalog)
    assert [p.code for p in ret.problems] == ["no-values"]


def test_never_overwrites_without_force(tmp_path: Path, catalog: Catalog, nam_co: Commune) -> None:
    first = write_templates(catalog, JAN, tmp_path)
    before = {w.path: w.path.read_bytes() for w in first}
    other = tmp_path / first[0].path.name
    other.write_bytes(b"not a form")
    with pytest.raises(TemplateError, match="--force"):
        write_templates(catalog, JAN, tmp_path)
    assert other.read_bytes() == b"not a form"
    with pytest.raises(TemplateError):
        write_template(catalog, nam_co, JAN, first[2].path)
    assert first[2].path.read_bytes() == before[first[2].path]
    write_templates(catalog, JAN, tmp_path, force=True)
    assert other.read_bytes() != b"not a form"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in before)  # no temp files left


# ------------------------------------------------------------------ the command, for real


def test_template_all_then_ingest_round_trip(run_ncctd, tmp_path: Path, catalog: Catalog) -> None:
    done = run_ncctd("template", "--all", "--period", "2024-01", "-o", "bieu-mau/")
    assert done.returncode == 0, done.stderr
    paths = [tmp_path / line for line in done.stdout.split()]
    assert len(paths) == 14 and all(p.exists() for p in paths)
    assert {p.name for p in paths} == {template_filename(c, JAN) for c in catalog.communes}
    assert "14 biểu mẫu" in done.stderr
    assert not (tmp_path / "ncctd.sqlite").exists()  # template only reads the store

    back = tmp_path / "nhan-ve"
    back.mkdir()
    expected = {}
    for n, path in enumerate(paths):
        values = clerk_values(catalog, n)
        expected[catalog.communes[n].code] = values
        fill_form(path, values, out=back / path.name)
    done = run_ncctd("ingest", back, "--format", "json")
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["summary"]["stored"] == 14
    assert [r["problems"] for r in report["returns"]] == [[]] * 14  # no problem at all
    done = run_ncctd("rollup", "--from", "2024-01", "--to", "2024-01", "--format", "json")
    totals = json.loads(done.stdout)["totals"]
    for ind in catalog.indicators:
        assert totals[ind.code] == pytest.approx(sum(v[ind.code] for v in expected.values()))


def test_template_one_commune_and_its_mistakes(run_ncctd, tmp_path: Path) -> None:
    done = run_ncctd("template", "--commune", "nam co", "--period", "2024-02", "-o", "nam-co.xlsx")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "nam-co.xlsx"
    form = tmp_path / "nam-co.xlsx"
    original = form.read_bytes()
    ws = openpyxl.load_workbook(form).active
    assert ws.title == "Báo cáo"

    again = run_ncctd("template", "--commune", "04462", "--period", "2024-02", "-o", "nam-co.xlsx")
    assert again.returncode == 2 and "--force" in again.stderr and "Traceback" not in again.stderr
    assert form.read_bytes() == original
    forced = run_ncctd("template", "--commune", "04462", "--period", "2024-03", "-o", "nam-co.xlsx", "--force")
    assert forced.returncode == 0
    ws = openpyxl.load_workbook(form).active
    period_cell = next(c for row in ws.iter_rows(max_row=header_row(ws)) for c in row if c.value == "Kỳ báo cáo:")
    assert ws.cell(row=period_cell.row, column=period_cell.column + 1).value == "03/2024"

    # into a folder, default name
    (tmp_path / "out").mkdir()
    done = run_ncctd("template", "--commune", "Hồ Bốn", "--period", "2024-02", "-o", "out")
    assert done.returncode == 0 and (tmp_path / "out" / "bieu-mau_04459_ho-bon_2024-02.xlsx").exists()

    for args, words in [
        (["--commune", "Nậm Cóo", "--period", "2024-01"], "Xã Nậm Có"),  # suggests
        (["--all", "--period", "2999-01"], "sau tháng hiện tại"),
        (["--period", "2024-01"], "--commune"),
        (["--all", "--commune", "04462", "--period", "2024-01"], "--all"),
        (["--all", "--period", "2024-13"], "2024-13"),
        (["--all", "--period", "2024-01", "-o", "nam-co.xlsx"], "nam-co.xlsx"),
        (["--commune", "04462", "--period", "2024-01", "-o", "x.pdf"], ".xlsx"),
        (["--commune", "04462", "--period", "2024-01", "-o", "no/such/dir/x.xlsx"], "no/such/dir"),
    ]:
        done = run_ncctd("template", *args)
        assert done.returncode == 2, (args, done.stderr)
        assert words in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr


def test_template_help_in_both_languages(run_ncctd) -> None:
    vi = run_ncctd("template", "--help")
    assert "Tạo biểu mẫu báo cáo" in vi.stdout and "Mọi xã, thị trấn" in vi.stdout
    en = run_ncctd("--lang", "en", "template", "--help")
    assert "Write blank return forms" in en.stdout and "Every commune" in en.stdout


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_prints_one_a4_page_and_saves_it_back(tmp_path: Path, catalog: Catalog, nam_co: Commune) -> None:
    """The form as LibreOffice sees it: one A4 page, and a form it saves comes back clean."""
    path = write_template(catalog, nam_co, JAN, tmp_path / "f.xlsx")
    fill_form(path, clerk_values(catalog, 1))
    profile = f"-env:UserInstallation=file://{tmp_path / 'lo'}"
    for fmt in ("pdf", "ods"):
        subprocess.run(
            ["soffice", profile, "--headless", "--convert-to", fmt, "--outdir", str(tmp_path / fmt), str(path)],
            check=True, capture_output=True, timeout=180,
        )
    pdf = (tmp_path / "pdf" / "f.pdf").read_bytes()
    counts = re.findall(rb"/Count (\d+)", pdf)
    assert max(int(c) for c in counts) == 1  # one page
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf)
    assert boxes and all(round(float(w)) == 595 and round(float(h)) == 842 for w, h in boxes)  # A4
    [ret] = read_file(tmp_path / "ods" / "f.ods", catalog)
    assert ret.problems == [] and len(ret.reported) == 24


@pytest.mark.slow
@needs_libreoffice
@pytest.mark.parametrize("code", ["04462", "04456"])  # Nậm Có; the longest name, Thị trấn Mù Căng Chải
def test_the_form_prints_readable_and_no_row_is_clipped(tmp_path: Path, catalog: Catalog, code: str) -> None:
    """Issue 14: the form printed about 7 pt with a third of the page empty, two labels clipped.
    Printed by LibreOffice: one A4 page; body text (the labels, 11 pt) at 10 pt or more; every
    label whole, inside its own row (a row too short for its wrapped label would show its
    second line over the next row, or not at all)."""
    commune = catalog.commune_by_code[code]
    path = write_template(catalog, commune, JAN, tmp_path / "f.xlsx")
    ws = openpyxl.load_workbook(path).active
    rows = form_rows(ws)
    pdf = to_pdf(path, tmp_path / "pdf")
    [sizes] = page_font_sizes(pdf)
    [words] = page_words(pdf)
    # the title (14 pt) is the largest text: the scale the page is printed at
    scale = max(sizes) / 14
    assert 11 * scale >= 10, sorted(set(sizes))
    assert max(set(sizes), key=sizes.count) >= 10  # the most common size: the body's
    # each indicator's row: its STT number, centred in it
    stt_x = max(w.x1 for w in words if w.text == "STT")
    centres = {}
    for n in range(1, len(catalog.indicators) + 1):
        found = [w for w in words if w.text == str(n) and w.x1 <= stt_x + 1]
        assert len(found) == 1, n
        centres[n] = (found[0].y0 + found[0].y1) / 2
    label_x = min(w.x0 for w in words if w.text == catalog.indicators[0].label.split()[0])
    unit_x = min(w.x0 for w in words if w.text == catalog.indicators[0].unit.split()[0] and w.x0 > label_x + 20)
    in_labels = [w for w in words if label_x - 1 <= w.x0 < unit_x - 1]
    for n, indicator in enumerate(catalog.indicators, start=1):
        half = (ws.row_dimensions[rows[indicator.code]].height or 15) * scale / 2
        inside = [w for w in in_labels if centres[n] - half <= (w.y0 + w.y1) / 2 <= centres[n] + half]
        inside.sort(key=lambda w: (round(w.y0), w.x0))
        assert " ".join(w.text for w in inside) == " ".join(indicator.label.split()), indicator.code
        assert all(centres[n] - half - 1 <= w.y0 and w.y1 <= centres[n] + half + 1 for w in inside), indicator.code
    text = page_texts(pdf)[0]
    assert commune.name in text and "NGƯỜI LẬP BIỂU" in text and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_formulas_in_a_form_saved_by_libreoffice(tmp_path: Path, catalog: Catalog, nam_co: Commune) -> None:
    """A clerk's formulas, computed and saved by LibreOffice (xlsx and ods): a sum is stored as
    the number it shows, a formula whose result is empty text (``=IF(…;"";…)``) is the empty
    cell the person sees (not reported, no error), a division by zero is refused by its cell."""
    path = write_template(catalog, nam_co, JAN, tmp_path / "f.xlsx")
    wb = openpyxl.load_workbook(path)
    rows = form_rows(wb.active)
    col = openpyxl.utils.get_column_letter(HEADERS.index("Số lượng") + 1)
    values = clerk_values(catalog, 1)
    filled = fill_form(path, {**values, "leader_visits": 3, "propaganda_sessions": "=2+5", "trees_planted": '=IF(1>2,7,"")'},
                       out=tmp_path / "formulas.xlsx")
    broken = fill_form(path, {**values, "leader_visits": 3, "workdays": f"=1/({col}{rows['leader_visits']}-3)"},
                       out=tmp_path / "div0.xlsx")
    profile = f"-env:UserInstallation=file://{tmp_path / 'lo'}"
    for fmt in ("xlsx", "ods"):
        subprocess.run(
            ["soffice", profile, "--headless", "--convert-to", fmt, "--outdir", str(tmp_path / fmt), str(filled), str(broken)],
            check=True, capture_output=True, timeout=180,
        )
        [ret] = read_file(tmp_path / fmt / f"formulas.{fmt}", catalog)
        assert ret.problems == [], (fmt, ret.problems)
        assert (ret.reported["leader_visits"], ret.reported["propaganda_sessions"]) == (3, 7), fmt
        assert "trees_planted" not in ret.reported and len(ret.reported) == len(values) - 1, fmt
        [ret] = read_file(tmp_path / fmt / f"div0.{fmt}", catalog)
        assert ret.status == "rejected" and [p.code for p in ret.problems] == ["error-cell"], (fmt, ret.problems)
        assert ret.problems[0].cell == f"{col}{rows['workdays']}"
