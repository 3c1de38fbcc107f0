#!/usr/bin/env python3
"""Generate the example returns in ``examples/returns/`` and ``examples/expected.json``.

Three years (2021-01 .. 2023-12) of monthly returns of the "Ngày cuối tuần cùng dân"
programme for the 14 communes of Mù Cang Chải, written the way 14 different offices
would send them: yearly workbooks (.xlsx, .xls, .ods), one .xlsx form per month,
wide CSV tables in Windows-1258 and long CSV tables in UTF-16.

The figures are synthetic but add up EXACTLY to the district figures quoted in the
report (three years: 4.612 lượt cán bộ lãnh đạo, 149,6 km đường nông thôn, 54 doanh
nghiệp, ...). They are also clean: no rule is broken, no stock goes down, and no value is
far outside its commune's usual range, so ``ncctd ingest examples/returns/`` must store
all 504 returns without a warning.

Runtime needs: Python >= 3.11, openpyxl. LibreOffice (``soffice``) is used, when it is on
the PATH, to write the .xls and .ods workbooks and the workbook whose cells hold
formulas (LibreOffice saves the computed values, openpyxl does not). Without LibreOffice
the existing .xls/.ods files and formula workbook are kept (if there is no formula
workbook yet, it is written with plain values; the totals are the same).

The generated files are committed, so nobody needs LibreOffice to use them.

Usage:  python examples/make_examples.py [--no-office]
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
YEARS = (2021, 2022, 2023)
PERIODS = [(y, m) for y in YEARS for m in range(1, 13)]
FIXED_TIME = datetime(2024, 1, 15, 8, 0, 0)

# --------------------------------------------------------------------------- catalog

# code, label, unit, decimal?, over time
INDICATORS = [
    (
        "leader_visits",
        "Lượt cán bộ lãnh đạo huyện dự sinh hoạt với chi bộ, đảng bộ cơ sở",
        "lượt",
        False,
        "sum",
    ),
    ("propaganda_sessions", "Số buổi tuyên truyền", "buổi", False, "sum"),
    ("propaganda_listeners", "Lượt người nghe tuyên truyền", "lượt", False, "sum"),
    (
        "cadre_participations",
        "Lượt cán bộ, đảng viên, công chức, viên chức, người lao động tham gia",
        "lượt",
        False,
        "sum",
    ),
    ("citizen_participations", "Lượt người dân tham gia", "lượt", False, "sum"),
    ("workdays", "Ngày công", "ngày công", False, "sum"),
    ("rural_road_km", "Đường nông thôn làm mới, tu sửa, đổ bê tông", "km", True, "sum"),
    ("houses_for_poor", "Nhà cho hộ nghèo đặc biệt khó khăn", "nhà", False, "sum"),
    ("lighting_km", "Đường điện thắp sáng đường quê được duy trì", "km", True, "last"),
    ("self_managed_roads", "Mô hình tuyến đường tự quản", "mô hình", False, "last"),
    ("trees_planted", "Cây xanh trồng mới", "cây", False, "sum"),
    ("flower_road_km", "Đường hoa", "km", True, "sum"),
    ("cleanup_sessions", "Buổi tổng vệ sinh môi trường", "buổi", False, "sum"),
    ("cleanup_road_km", "Đường nông thôn được tổng vệ sinh", "km", True, "last"),
    ("toilets_built", "Công trình nhà vệ sinh", "công trình", False, "sum"),
    ("cement_tonnes", "Xi măng hỗ trợ", "tấn", True, "sum"),
    ("terraced_fields_ha", "Ruộng bậc thang khai hoang", "ha", True, "sum"),
    ("donations_mvnd", "Ủng hộ tiền mặt và hiện vật quy ra tiền", "triệu đồng", True, "sum"),
    ("enterprises_new", "Doanh nghiệp thành lập mới", "doanh nghiệp", False, "sum"),
    ("cooperatives_new", "Hợp tác xã thành lập mới", "hợp tác xã", False, "sum"),
    ("coop_groups_new", "Tổ hợp tác thành lập mới", "tổ hợp tác", False, "sum"),
    ("enterprises_total", "Tổng số doanh nghiệp", "doanh nghiệp", False, "last"),
    ("cooperatives_total", "Tổng số hợp tác xã", "hợp tác xã", False, "last"),
    ("coop_groups_total", "Tổng số tổ hợp tác", "tổ hợp tác", False, "last"),
]
CODES = [i[0] for i in INDICATORS]
LABEL = {i[0]: i[1] for i in INDICATORS}
UNIT = {i[0]: i[2] for i in INDICATORS}
DECIMAL = {i[0]: i[3] for i in INDICATORS}
OVER = {i[0]: i[4] for i in INDICATORS}

GROUPS = [
    ("I. Sinh hoạt, tuyên truyền", CODES[0:3]),
    ("II. Huy động tham gia", CODES[3:6]),
    ("III. Công trình, phần việc", CODES[6:18]),
    ("IV. Phát triển kinh tế", CODES[18:24]),
]

# code, official name, size weight, weight for enterprises (the town has most of them)
COMMUNES = [
    ("04456", "Thị trấn Mù Căng Chải", 1.25, 5.0),
    ("04459", "Xã Hồ Bốn", 0.80, 0.6),
    ("04462", "Xã Nậm Có", 1.35, 1.2),
    ("04465", "Xã Khao Mang", 0.95, 0.8),
    ("04468", "Xã Mồ Dề", 1.10, 1.0),
    ("04471", "Xã Chế Cu Nha", 0.90, 0.8),
    ("04474", "Xã Lao Chải", 1.05, 1.0),
    ("04477", "Xã Kim Nọi", 0.85, 0.7),
    ("04480", "Xã Cao Phạ", 1.00, 1.0),
    ("04483", "Xã La Pán Tẩn", 1.00, 0.9),
    ("04486", "Xã Dế Su Phình", 0.80, 0.6),
    ("04489", "Xã Chế Tạo", 0.75, 0.5),
    ("04492", "Xã Púng Luông", 1.15, 1.0),
    ("04495", "Xã Nậm Khắt", 1.10, 0.8),
]
COMMUNE_CODES = [c[0] for c in COMMUNES]
SIZE = {c[0]: c[2] for c in COMMUNES}
ENT_W = {c[0]: c[3] for c in COMMUNES}

# ---------------------------------------------------------------- district targets
# Integers as they are; decimals in tenths (exact integer arithmetic).
# Flows: sum over 2021-01..2023-12; stocks: sum over communes of the 2023-12 value.
TARGETS = {
    "leader_visits": 4612,
    "propaganda_sessions": 15342,
    "propaganda_listeners": 300041,
    "cadre_participations": 17538,
    "citizen_participations": 50037,
    "workdays": 5230,
    "rural_road_km": 1496,
    "houses_for_poor": 98,
    "lighting_km": 297,
    "self_managed_roads": 77,
    "trees_planted": 15042,
    "flower_road_km": 804,
    "cleanup_sessions": 1396,
    "cleanup_road_km": 350,
    "toilets_built": 1704,
    "cement_tonnes": 21100,
    "terraced_fields_ha": 1500,
    "donations_mvnd": 24365,
    "enterprises_new": 15,
    "cooperatives_new": 14,
    "coop_groups_new": 247,
    "enterprises_total": 54,
    "cooperatives_total": 43,
    "coop_groups_total": 511,
}

# Monthly rhythm of the weekend works (less around Tết and in the rainy months).
SEASON = [0.85, 0.80, 1.00, 1.05, 1.10, 1.00, 0.92, 0.90, 1.00, 1.08, 1.15, 1.10]
YEAR_F = {2021: 0.92, 2022: 1.00, 2023: 1.08}
# Indicators counted in events (0 or 1 a month for a commune).
SPARSE = {
    "houses_for_poor": "size",
    "enterprises_new": "ent",
    "cooperatives_new": "size",
    "coop_groups_new": "size",
}
# Stocks: (start of 2021 as a share of the 2023-12 value)
STOCK_START = {"lighting_km": 0.60, "self_managed_roads": 0.45, "cleanup_road_km": 0.60}
# Running totals fed by the "new" indicators.
TOTAL_OF = {
    "enterprises_total": "enterprises_new",
    "cooperatives_total": "cooperatives_new",
    "coop_groups_total": "coop_groups_new",
}


# ------------------------------------------------------------------------ the data


def hamilton(total: int, weights: list[float]) -> list[int]:
    """Split an integer total proportionally to weights (largest remainder)."""
    s = sum(weights)
    quotas = [total * w / s for w in weights]
    parts = [int(q) for q in quotas]
    rest = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[:rest]:
        parts[i] += 1
    return parts


def make_data() -> dict[str, dict[tuple[int, int], dict[str, int]]]:
    """values[commune][(year, month)][indicator] in units (tenths for decimals)."""
    rng = random.Random(2021)
    values = {c: {p: {} for p in PERIODS} for c in COMMUNE_CODES}
    keys = [(c, p) for c in COMMUNE_CODES for p in PERIODS]

    for code in CODES:
        if OVER[code] == "last" or code in SPARSE:
            continue
        weights = [
            SIZE[c] * SEASON[p[1] - 1] * YEAR_F[p[0]] * rng.uniform(0.78, 1.22) for c, p in keys
        ]
        for (c, p), v in zip(keys, hamilton(TARGETS[code], weights), strict=True):
            values[c][p][code] = v

    # sparse events: at most one a month for a commune
    for code, wkind in SPARSE.items():
        w = ENT_W if wkind == "ent" else SIZE
        per_commune = hamilton(TARGETS[code], [w[c] for c in COMMUNE_CODES])
        for c, n in zip(COMMUNE_CODES, per_commune, strict=True):
            ranked = sorted(
                PERIODS, key=lambda p: -(rng.random() ** (1.0 / (SEASON[p[1] - 1] * YEAR_F[p[0]])))
            )
            chosen = set(ranked[:n])
            for p in PERIODS:
                values[c][p][code] = 1 if p in chosen else 0

    # stocks that grow in steps
    for code, start_share in STOCK_START.items():
        ends = hamilton(TARGETS[code], [SIZE[c] * rng.uniform(0.85, 1.15) for c in COMMUNE_CODES])
        for c, end in zip(COMMUNE_CODES, ends, strict=True):
            start = round(end * start_share)
            steps = hamilton(end - start, [rng.random() ** 2 + 0.05 for _ in PERIODS[1:]])
            level = start
            for i, p in enumerate(PERIODS):
                if i:
                    level += steps[i - 1]
                values[c][p][code] = level
            assert level == end

    # running totals: base at the end of 2020 plus the new ones month by month
    for code, new_code in TOTAL_OF.items():
        new_total = TARGETS[new_code]
        w = ENT_W if code == "enterprises_total" else SIZE
        bases = hamilton(TARGETS[code] - new_total, [w[c] for c in COMMUNE_CODES])
        for c, base in zip(COMMUNE_CODES, bases, strict=True):
            level = base
            for p in PERIODS:
                level += values[c][p][new_code]
                values[c][p][code] = level
    return values


def totals_of(values, periods) -> dict[str, int]:
    """District totals in units over a list of consecutive periods."""
    out = {}
    last = periods[-1]
    for code in CODES:
        if OVER[code] == "sum":
            out[code] = sum(values[c][p][code] for c in COMMUNE_CODES for p in periods)
        else:
            out[code] = sum(values[c][last][code] for c in COMMUNE_CODES)
    return out


def as_number(code: str, units: int):
    return round(units / 10, 1) if DECIMAL[code] else units


def check_clean(values) -> None:
    """The data must give no warning at all."""
    for c in COMMUNE_CODES:
        for i, p in enumerate(PERIODS):
            v = values[c][p]
            assert set(v) == set(CODES), (c, p)
            assert all(x >= 0 for x in v.values()), (c, p)
            assert v["propaganda_listeners"] >= v["propaganda_sessions"], (c, p)
            assert v["cadre_participations"] + v["citizen_participations"] >= v["leader_visits"], (
                c,
                p,
            )
            if i:
                prev = values[c][PERIODS[i - 1]]
                for code in CODES:
                    if OVER[code] == "last":
                        assert v[code] >= prev[code], (c, p, code)
                for code, new_code in TOTAL_OF.items():
                    assert v[code] == prev[code] + v[new_code], (c, p, code)
        # nothing far outside the commune's own range
        for code in CODES:
            series = sorted(values[c][p][code] for p in PERIODS)
            median = series[len(series) // 2]
            if median >= 3:
                assert series[-1] <= 4 * median, (c, code, series[-1], median)
                assert series[0] * 4 >= median, (c, code, series[0], median)


# ------------------------------------------------------------------- cell spelling


def vn_int(n: int) -> str:
    """1250 -> '1.250' (Vietnamese thousands grouping)."""
    return f"{n:,}".replace(",", ".")


def vn_dec(units: int) -> str:
    """4 tenths -> '0,4'."""
    return f"{units // 10},{units % 10}"


def dot_dec(units: int) -> str:
    return f"{units // 10}.{units % 10}"


def period_text(fmt: str, y: int, m: int):
    return {
        "m/y": f"{m}/{y}",
        "T": f"T{m:02d}/{y}",
        "Thang": f"Tháng {m}/{y}",
        "thang nam": f"tháng {m} năm {y}",
        "iso": f"{y}-{m:02d}",
        "mm-y": f"{m:02d}-{y}",
        "date": date(y, m, 1),
    }[fmt]


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Windows-1258 the way Vietnamese Windows writes it: base letters precomposed
    (â ê ô ă ơ ư đ), tone marks as combining characters."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        d = unicodedata.normalize("NFD", ch)
        base = "".join(x for x in d if x not in _TONES)
        tones = "".join(x for x in d if x in _TONES)
        out.append(unicodedata.normalize("NFC", base) + tones)
    return "".join(out).encode("cp1258")


# ------------------------------------------------------------------------ the forms


@dataclass
class FormStyle:
    head: str = "inline"  # "inline": "Xã/Thị trấn: X"; "right": label, value two cells right
    unit_label: str = "Xã/Thị trấn"
    period_label: str = "Kỳ báo cáo"
    cols: str = "code"  # "code": STT|Mã chỉ tiêu|Chỉ tiêu|...; "label": STT|Tên chỉ tiêu|...
    shuffled: bool = False
    groups: bool = True
    text: bool = False  # numbers typed as text, Vietnamese convention
    dash: bool = False  # zero written "-"
    blank_zero: frozenset = frozenset()  # zero left empty (= not reported) for these flows
    sign: bool = True
    total_row: bool = False
    note: bool = False
    motto: bool = False
    signer: str = "Chủ tịch UBND xã"
    formulas: dict = field(default_factory=dict)


def cell_value(code: str, units: int, st: FormStyle):
    if code in st.formulas:
        return st.formulas[code]
    if units == 0:
        if code in st.blank_zero and OVER[code] == "sum":
            return None
        if st.dash:
            return "-"
    if DECIMAL[code]:
        return vn_dec(units) if st.text else units / 10
    return vn_int(units) if st.text else units


def write_form(
    ws,
    commune_text: str,
    period_value,
    vals: dict[str, int],
    st: FormStyle,
    order_rng: random.Random | None = None,
) -> None:
    ncol = 6 if st.cols == "code" else 5
    last_col = "F" if ncol == 6 else "E"
    row = 1
    ws.cell(row, 1, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").font = Font(bold=True)
    ws.merge_cells(f"A{row}:{last_col}{row}")
    row += 1
    if st.motto:
        ws.cell(row, 1, "Độc lập - Tự do - Hạnh phúc").font = Font(bold=True, underline="single")
        ws.merge_cells(f"A{row}:{last_col}{row}")
        row += 1
    ws.cell(row, 1, 'BÁO CÁO KẾT QUẢ THỰC HIỆN MÔ HÌNH "NGÀY CUỐI TUẦN CÙNG DÂN"').font = Font(
        bold=True
    )
    ws.merge_cells(f"A{row}:{last_col}{row}")
    for r in range(1, row + 1):
        ws.cell(r, 1).alignment = Alignment(horizontal="center")
    row += 2
    if st.head == "inline":
        ws.cell(row, 1, f"{st.unit_label}: {commune_text}")
        ws.cell(row + 1, 1, f"{st.period_label}: {period_value}")
    else:
        ws.cell(row, 1, f"{st.unit_label}:")
        ws.cell(row, 3, commune_text)
        ws.cell(row + 1, 1, f"{st.period_label}:")
        c = ws.cell(row + 1, 3, period_value)
        if isinstance(period_value, date):
            c.number_format = "mm/yyyy"
            c.alignment = Alignment(horizontal="left")
    row += 3
    header = (
        ["STT", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Số lượng", "Ghi chú"]
        if st.cols == "code"
        else ["STT", "Tên chỉ tiêu", "Đơn vị tính", "Kết quả", "Ghi chú"]
    )
    for j, h in enumerate(header, 1):
        cell = ws.cell(row, j, h)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    row += 1

    if st.shuffled:
        codes = list(CODES)
        (order_rng or random.Random(0)).shuffle(codes)
        blocks = [(None, codes)]
    elif st.groups:
        blocks = GROUPS
    else:
        blocks = [(None, CODES)]
    stt = 0
    for heading, codes in blocks:
        if heading:
            ws.cell(row, 1, heading).font = Font(bold=True)
            row += 1
        for code in codes:
            stt += 1
            v = cell_value(code, vals[code], st)
            if st.cols == "code":
                line = [str(stt), code, LABEL[code], UNIT[code], v, None]
            else:
                line = [str(stt), LABEL[code], UNIT[code], v, None]
            for j, x in enumerate(line, 1):
                if x is not None:
                    ws.cell(row, j, x)
            row += 1
    if st.total_row:
        ws.cell(row, 3 if st.cols == "code" else 2, "Tổng cộng").font = Font(bold=True)
        row += 1
    if st.note:
        ws.cell(row, 1, "Ghi chú: số liệu tính đến hết ngày cuối tháng báo cáo.")
        row += 1
    if st.sign:
        row += 1
        ws.cell(row, 2, "Người lập biểu").font = Font(bold=True)
        ws.cell(row, 5, st.signer).font = Font(bold=True)

    widths = [6, 22, 55, 14, 12, 14] if st.cols == "code" else [6, 60, 14, 12, 14]
    for j, w in enumerate(widths):
        ws.column_dimensions["ABCDEF"[j]].width = w


def new_workbook() -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    wb.properties.creator = "UBND xã"
    wb.properties.created = FIXED_TIME
    return wb


def save_xlsx(wb: openpyxl.Workbook, path: Path) -> None:
    """Save and make the bytes reproducible (fixed zip times and document dates)."""
    buf = io.BytesIO()
    wb.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    data,
                )
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(zi, data)


# ------------------------------------------------------------------- the offices
# Which commune sends what. Spellings of names and periods change from year to year,
# as they do when the clerk changes.

YEARLY_XLSX = {
    # commune: (style, {year: (commune spelling, period format)}, sheet name format)
    "04456": (
        dict(
            head="inline",
            unit_label="Đơn vị",
            cols="code",
            motto=True,
            signer="Chủ tịch UBND thị trấn",
        ),
        {
            2021: ("Thị trấn Mù Căng Chải", "Thang"),
            2022: ("Mù Cang Chải", "Thang"),
            2023: ("TT Mù Cang Chải", "T"),
        },
        "T{m:02d}",
    ),
    "04459": (
        dict(
            head="right",
            unit_label="Đơn vị báo cáo",
            period_label="Tháng",
            cols="label",
            sign=False,
        ),
        {2021: ("Xã Hồ Bốn", "T"), 2022: ("HỒ BỐN", "T"), 2023: ("Ho Bon", "m/y")},
        "T{m:02d}",
    ),
    "04468": (
        dict(head="inline", cols="code", dash=True),
        {
            2021: ("Mỏ Dẻ", "thang nam"),
            2022: ("Xã Mồ Dề", "thang nam"),
            2023: ("MO DE", "thang nam"),
        },
        "T{m}",
    ),
    "04474": (
        dict(
            head="right",
            unit_label="Đơn vị báo cáo",
            period_label="Kỳ báo cáo",
            cols="code",
            groups=False,
        ),
        {2021: ("Lao Chai", "iso"), 2022: ("Xã Lao Chải", "date"), 2023: ("04474", "m/y")},
        "T{m:02d}",
    ),
    "04480": (
        dict(head="inline", cols="code", total_row=True),
        {2021: ("Cao Phạ", "m/y"), 2022: ("CAO PHẠ", "T"), 2023: ("Xã Cao Phạ", "iso")},
        "T{m:02d}",
    ),
    "04492": (
        dict(head="inline", cols="label", note=True),
        {
            2021: ("Xã Púng Luông", "Thang"),
            2022: ("Pung Luong", "mm-y"),
            2023: ("PÚNG LUÔNG", "Thang"),
        },
        "Tháng {m:02d}",
    ),
}
HIDDEN_SHEET = ("04459", 2022, 7)  # a hidden scratch copy of July 2022, other numbers
FORMULA_BOOK = ("04480", 2023)  # cells typed as sums, e.g. =312+245
ODS_YEARLY = (
    "04477",
    dict(head="inline", cols="code"),
    {2021: ("Kim Nọi", "m/y"), 2022: ("Xã Kim Nọi", "T"), 2023: ("KIM NOI", "Thang")},
)
XLS_YEARLY = (
    "04465",
    dict(head="right", unit_label="Đơn vị báo cáo", period_label="Tháng", cols="code"),
    {2021: ("KHAO MANG", "Thang"), 2022: ("Xã Khao Mang", "m/y"), 2023: ("Khao Mang", "T")},
)
MONTHLY = {
    # commune: (file name pattern, spellings of the commune)
    "04462": (
        "nam-co_{y}-{m:02d}.xlsx",
        [
            "Xã Nậm Có",
            "Nậm Có",
            "NẬM CÓ",
            "Nam Co",
            "04462",
            "xa Nam Co",
            unicodedata.normalize("NFD", "Nậm Có"),
        ],
    ),
    "04495": (
        "BC NCTCD Nam Khat T{m:02d}-{y}.xlsx",
        ["Xã Nậm Khắt", "Nậm Khắt", "NẬM KHẮT", "Nam Khat", "04495"],
    ),
}
WIDE_CSV = {
    # commune: (file name pattern, {year: (spelling, period format)})
    "04483": (
        "la-pan-tan_{y}.csv",
        {2021: ("La Pán Tẩn", "m/y"), 2022: ("Xã La Pán Tẩn", "m/y"), 2023: ("LA PÁN TẨN", "m/y")},
    ),
    "04486": (
        "De Su Phinh - bao cao {y}.csv",
        {2021: ("Dế Su Phình", "T"), 2022: ("Dế Xu Phình", "T"), 2023: ("Xã Dế Su Phình", "T")},
    ),
}
LONG_CSV = {
    # commune: (file name, period format)
    "04471": ("che-cu-nha_2021-2023.csv", "iso"),
    "04489": ("che-tao_2021-2023.csv", "m/y"),
}
FORMATS = {
    **{c: "xlsx, một tệp mỗi năm, 12 trang tính" for c in YEARLY_XLSX},
    ODS_YEARLY[0]: "ods, một tệp mỗi năm, 12 trang tính",
    XLS_YEARLY[0]: "xls, một tệp mỗi năm, 12 trang tính",
    **{c: "xlsx, một tệp mỗi tháng" for c in MONTHLY},
    **{c: "csv bảng ngang, Windows-1258, một tệp mỗi năm" for c in WIDE_CSV},
    **{c: "csv bảng dọc, UTF-16, một tệp cho 3 năm" for c in LONG_CSV},
}


def yearly_workbook(
    commune: str,
    year: int,
    style: dict,
    spelling: str,
    pfmt: str,
    sheet_fmt: str,
    values,
    formulas_rng: random.Random | None = None,
) -> openpyxl.Workbook:
    wb = new_workbook()
    for m in range(1, 13):
        st = FormStyle(**style)
        vals = values[commune][(year, m)]
        if formulas_rng is not None:
            st.formulas = formula_cells(vals, formulas_rng)
        ws = wb.create_sheet(sheet_fmt.format(m=m))
        write_form(ws, spelling, period_text(pfmt, year, m), vals, st)
        if (commune, year, m) == HIDDEN_SHEET:
            scratch = wb.create_sheet(f"{ws.title} (nháp)")
            draft = {k: (v + 3 if OVER[k] == "sum" else v) for k, v in vals.items()}
            write_form(scratch, spelling, period_text(pfmt, year, m), draft, st)
            scratch.sheet_state = "hidden"
    return wb


def formula_cells(vals: dict[str, int], rng: random.Random) -> dict[str, str]:
    """A few values typed as sums of two parts (two hamlets), e.g. '=312+245'."""
    out = {}
    for code in (
        "propaganda_listeners",
        "citizen_participations",
        "trees_planted",
        "cement_tonnes",
    ):
        v = vals[code]
        if v < 4 or rng.random() < 0.3:
            continue
        a = rng.randint(v // 3, 2 * v // 3)
        if DECIMAL[code]:
            x, y = a / 10, (v - a) / 10
            if x + y != v / 10:  # keep only sums that are exact in binary floating point
                continue
            out[code] = f"={x}+{y}"
        else:
            out[code] = f"={a}+{v - a}"
    return out


def monthly_style(rng: random.Random) -> FormStyle:
    cols = rng.choice(["code", "code", "label"])
    head = "inline" if rng.random() < 0.55 else "right"
    if head == "inline":
        unit_label = rng.choice(["Xã/Thị trấn", "Xã", "Đơn vị"])
        period_label = rng.choice(["Kỳ báo cáo", "Kỳ báo cáo", "Kỳ"])
    else:
        unit_label = rng.choice(["Đơn vị báo cáo", "Xã"])
        period_label = rng.choice(["Tháng", "Kỳ báo cáo"])
    shuffled = rng.random() < 0.3
    return FormStyle(
        head=head,
        unit_label=unit_label,
        period_label=period_label,
        cols=cols,
        shuffled=shuffled,
        groups=not shuffled and rng.random() < 0.8,
        text=rng.random() < 0.35,
        dash=rng.random() < 0.5,
        blank_zero=frozenset({"houses_for_poor"}) if rng.random() < 0.2 else frozenset(),
        sign=rng.random() < 0.6,
        total_row=rng.random() < 0.3,
        note=rng.random() < 0.15,
        motto=rng.random() < 0.3,
    )


def wide_csv(commune: str, year: int, spelling: str, pfmt: str, values) -> bytes:
    lines = [";".join(["Xã", "Kỳ báo cáo", *[LABEL[c] for c in CODES]])]
    for m in range(1, 13):
        vals = values[commune][(year, m)]
        cells = []
        for code in CODES:
            v = vals[code]
            if code == "houses_for_poor" and v == 0 and m % 4 == 2:
                cells.append("")  # not filled in: not reported
            else:
                cells.append(vn_dec(v) if DECIMAL[code] else str(v))
        lines.append(";".join([spelling, period_text(pfmt, year, m), *cells]))
    return to_cp1258("\r\n".join(lines) + "\r\n")


def long_csv(commune: str, pfmt: str, values) -> bytes:
    lines = ["\t".join(["commune", "period", "indicator", "value"])]
    for y, m in PERIODS:
        for code in CODES:
            v = values[commune][(y, m)][code]
            lines.append(
                "\t".join(
                    [
                        commune,
                        str(period_text(pfmt, y, m)),
                        code,
                        dot_dec(v) if DECIMAL[code] else str(v),
                    ]
                )
            )
    return b"\xff\xfe" + ("\r\n".join(lines) + "\r\n").encode("utf-16-le")


# ------------------------------------------------------------------- LibreOffice


def soffice_convert(sources: list[Path], fmt: str, outdir: Path, profile: Path) -> None:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    assert exe
    cmd = [
        exe,
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--convert-to",
        fmt,
        "--outdir",
        str(outdir),
        *map(str, sources),
    ]
    subprocess.run(
        cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600
    )
    for s in sources:
        target = outdir / f"{s.stem}.{fmt}"
        if not target.exists():
            raise SystemExit(f"LibreOffice did not write {target}")


def normalise_zip(path: Path) -> None:
    """Fixed member times in a zip package written by LibreOffice (order and
    compression kept: an .ods must start with its stored 'mimetype')."""
    src = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    with zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            zi.compress_type = info.compress_type
            zi.external_attr = info.external_attr
            out.writestr(zi, src.read(info.filename))


def same_package(old: Path, new: Path) -> bool:
    """True when two zip packages hold the same parts, up to the order of XML elements
    (LibreOffice writes some styles in an order that changes from run to run). Used to
    keep a committed file untouched when regenerating it would change nothing."""
    try:
        a, b = zipfile.ZipFile(old), zipfile.ZipFile(new)
        if sorted(a.namelist()) != sorted(b.namelist()):
            return False
        for name in a.namelist():
            x, y = a.read(name), b.read(name)
            if x != y and sorted(x.split(b"><")) != sorted(y.split(b"><")):
                return False
        return True
    except (zipfile.BadZipFile, OSError):
        return False


# --------------------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--no-office",
        action="store_true",
        help="do not call LibreOffice; keep the files it wrote before",
    )
    args = ap.parse_args()
    use_office = not args.no_office and bool(shutil.which("soffice") or shutil.which("libreoffice"))

    values = make_data()
    check_clean(values)
    full = totals_of(values, PERIODS)
    assert full == TARGETS, {k: (full[k], TARGETS[k]) for k in CODES if full[k] != TARGETS[k]}

    out = HERE / "returns"
    for y in YEARS:
        (out / str(y)).mkdir(parents=True, exist_ok=True)

    style_rng = random.Random(1258)
    written: list[Path] = []
    office_jobs: list[tuple[Path, str, Path]] = []  # (temporary xlsx, target format, final path)
    tmp = Path(tempfile.mkdtemp(prefix="ncctd-examples-"))
    try:
        # yearly .xlsx workbooks
        for commune, (style, by_year, sheet_fmt) in YEARLY_XLSX.items():
            for y in YEARS:
                spelling, pfmt = by_year[y]
                slug = {
                    "04456": "mu-cang-chai",
                    "04459": "ho-bon",
                    "04468": "mo-de",
                    "04474": "lao-chai",
                    "04480": "cao-pha",
                    "04492": "pung-luong",
                }[commune]
                name = f"{slug}_{y}.xlsx"
                target = out / str(y) / name
                if (commune, y) == FORMULA_BOOK and use_office:
                    wb = yearly_workbook(
                        commune,
                        y,
                        style,
                        spelling,
                        pfmt,
                        sheet_fmt,
                        values,
                        formulas_rng=random.Random(15),
                    )
                    src = tmp / "formula" / name
                    save_xlsx(wb, src)
                    office_jobs.append((src, "xlsx", target))
                elif (commune, y) == FORMULA_BOOK and target.exists():
                    written.append(target)  # keep the committed LibreOffice-written copy
                else:
                    wb = yearly_workbook(commune, y, style, spelling, pfmt, sheet_fmt, values)
                    save_xlsx(wb, target)
                    written.append(target)
        # .ods and .xls yearly workbooks (written by LibreOffice from an .xlsx)
        for (commune, style, by_year), fmt, slug in (
            (ODS_YEARLY, "ods", "kim-noi"),
            (XLS_YEARLY, "xls", "khao-mang"),
        ):
            for y in YEARS:
                spelling, pfmt = by_year[y]
                wb = yearly_workbook(commune, y, style, spelling, pfmt, "T{m:02d}", values)
                target = out / str(y) / f"{slug}_{y}.{fmt}"
                if use_office:
                    src = tmp / fmt / f"{slug}_{y}.xlsx"
                    save_xlsx(wb, src)
                    office_jobs.append((src, fmt, target))
                elif target.exists():
                    written.append(target)
                else:
                    print(f"warning: no LibreOffice, {target.name} not written", file=sys.stderr)
        # one .xlsx form per month
        for commune, (pattern, spellings) in MONTHLY.items():
            for y, m in PERIODS:
                st = monthly_style(style_rng)
                pfmt = style_rng.choice(["m/y", "T", "Thang", "thang nam", "iso"])
                spelling = style_rng.choice(spellings)
                wb = new_workbook()
                ws = wb.create_sheet(style_rng.choice(["Báo cáo", "Sheet1", f"T{m}", "BC"]))
                write_form(
                    ws,
                    spelling,
                    period_text(pfmt, y, m),
                    values[commune][(y, m)],
                    st,
                    order_rng=style_rng,
                )
                target = out / str(y) / pattern.format(y=y, m=m)
                save_xlsx(wb, target)
                written.append(target)
        # wide CSV, Windows-1258
        for commune, (pattern, by_year) in WIDE_CSV.items():
            for y in YEARS:
                spelling, pfmt = by_year[y]
                target = out / str(y) / pattern.format(y=y)
                target.write_bytes(wide_csv(commune, y, spelling, pfmt, values))
                written.append(target)
        # long CSV, UTF-16
        for commune, (name, pfmt) in LONG_CSV.items():
            target = out / name
            target.write_bytes(long_csv(commune, pfmt, values))
            written.append(target)

        if office_jobs:
            profile = tmp / "lo-profile"
            for fmt in ("xlsx", "xls", "ods"):
                jobs = [j for j in office_jobs if j[1] == fmt]
                if not jobs:
                    continue
                conv = tmp / f"out-{fmt}"
                conv.mkdir()
                soffice_convert([j[0] for j in jobs], fmt, conv, profile)
                for src, _, target in jobs:
                    made = conv / f"{src.stem}.{fmt}"
                    if fmt != "xls":
                        normalise_zip(made)
                    if not (target.exists() and same_package(target, made)):
                        shutil.move(str(made), target)
                    written.append(target)
            # the formula workbook must carry the computed values
            book = out / str(FORMULA_BOOK[1]) / "cao-pha_2023.xlsx"
            check_formula_book(book, values)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    # remove what an earlier run wrote and this one did not
    keep = {p.resolve() for p in written}
    for f in sorted(out.rglob("*")):
        if f.is_file() and f.resolve() not in keep:
            print(f"removed stale {f.relative_to(out)}", file=sys.stderr)
            f.unlink()

    expected = {
        "window": ["2021-01", "2023-12"],
        "totals": {k: as_number(k, v) for k, v in full.items()},
        "by_year": {
            str(y): {
                k: as_number(k, v)
                for k, v in totals_of(values, [p for p in PERIODS if p[0] == y]).items()
            }
            for y in YEARS
        },
        "returns_expected": len(COMMUNE_CODES) * len(PERIODS),
        "formats": {c: FORMATS[c] for c in COMMUNE_CODES},
    }
    (HERE / "expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(
        f"{len(written)} files in {out.relative_to(HERE.parent)}/, "
        f"{expected['returns_expected']} returns; totals match the report."
    )
    return 0


def check_formula_book(path: Path, values) -> None:
    wb_f = openpyxl.load_workbook(path)
    wb_v = openpyxl.load_workbook(path, data_only=True)
    n = 0
    for ws_f, ws_v in zip(wb_f.worksheets, wb_v.worksheets, strict=True):
        for row_f, row_v in zip(ws_f.iter_rows(), ws_v.iter_rows(), strict=True):
            for cf, cv in zip(row_f, row_v, strict=True):
                if isinstance(cf.value, str) and cf.value.startswith("="):
                    n += 1
                    if not isinstance(cv.value, (int, float)):
                        raise SystemExit(
                            f"{path.name}!{ws_f.title}!{cf.coordinate}: no saved value"
                        )
    if not n:
        raise SystemExit(f"{path.name}: no formula written")


if __name__ == "__main__":
    sys.exit(main())
