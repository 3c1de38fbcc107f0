"""Synthetic inputs for the benchmarks (deterministic: the same seed gives the same bytes).

- ``forms/``: N form returns as .xlsx (default 2,000): the 14 communes of the bundled
  catalog, one file per commune and month going back from 2021-11, each a real workbook with
  the title block, the ``Xã/Thị trấn:`` and ``Kỳ báo cáo:`` cells, the header row, group
  headings, 24 indicator rows and a signature block. One workbook is written with openpyxl;
  every other file is that template with its sheet XML re-filled (a few hundred µs a file).
- ``national/``: a catalog folder with C communes (default 10,000) and the bundled
  indicators and rules; ``national.csv``, one long table of C × 12 months × 24 indicators
  (2.88 million values for 10,000 communes), values written the Vietnamese way (``1.700``,
  ``12,5``), communes by name, by name without diacritics or by code, months as ``2023-01``
  or ``01/2023``; ``national-month.csv``, the same communes' June only (the small store
  of the window benchmark).
- ``expected.json``: the exact totals, computed in integers (tenths) while writing.

    python benchmarks/generate.py --out benchmarks/out/work [--forms 2000] [--communes 10000]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import sys
import time
import unicodedata
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "data"
NATIONAL_YEAR = 2023
FORM_LAST = (2021, 11)  # forms go back month by month from here

GROUPS = {
    0: "I. Sinh hoạt, tuyên truyền",
    3: "II. Huy động tham gia",
    6: "III. Công trình, phần việc",
    18: "IV. Phát triển kinh tế",
}

SYLLABLES = ["Nậm", "Khắt", "Púng", "Luông", "Chế", "Tạo", "Dế", "Su", "Phình", "La", "Pán", "Tẩn", "Cao", "Phạ", "Kim", "Nọi", "Lao", "Chải", "Cu", "Nha", "Mồ", "Dề", "Khao", "Mang", "Hồ", "Bốn", "Có", "Mù", "Căng", "Tú", "Lệ", "Nghĩa", "Tâm", "Sơn", "Thịnh", "Bản", "Mường", "Lò", "Văn", "Chấn", "Trạm", "Tấu", "Bắc", "Hà", "Đông", "Tây", "Nam", "Thượng", "Hạ", "Phúc", "An", "Bình", "Hòa", "Xuân", "Thu", "Đồng", "Minh", "Quang", "Tiến", "Hưng", "Yên", "Lạc", "Việt"]


def load_catalog() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    with (BUNDLED / "indicators.csv").open(encoding="utf-8") as fh:
        indicators = list(csv.DictReader(fh))
    with (BUNDLED / "communes.csv").open(encoding="utf-8") as fh:
        # the units before the 2025 reorganisation (rows without a first month): the forms
        # are dated before 2022
        communes = [c for c in csv.DictReader(fh) if not (c.get("from") or "").strip()]
    return indicators, communes


class Series:
    """Plausible values for one commune, month after month: flows vary around a scale,
    stocks never go down, the catalog's rules hold. Values are kept in tenths (exact)."""

    def __init__(self, rng: random.Random, indicators: list[dict[str, str]]) -> None:
        self.rng = rng
        self.indicators = indicators
        self.scale = rng.uniform(0.5, 2.0)
        self.stock: dict[str, int] = {}
        for ind in indicators:
            if ind["over_time"] == "last":
                base = rng.randint(1, 40)
                extra = 0 if ind["type"] == "integer" else rng.randint(0, 9)
                self.stock[ind["code"]] = base * 10 + extra

    def next_month(self) -> dict[str, int]:
        """``{code: tenths}`` for one month (an integer indicator is a multiple of 10)."""
        rng, out = self.rng, {}
        for ind in self.indicators:
            code, integer = ind["code"], ind["type"] == "integer"
            if ind["over_time"] == "last":
                if rng.random() < 0.2:
                    self.stock[code] += 10 if integer else rng.randint(1, 5)
                out[code] = self.stock[code]
                continue
            top = max(1, int(30 * self.scale))
            if integer:
                out[code] = rng.randint(0, top) * 10
            else:
                out[code] = rng.randint(0, top)  # 0.0 .. 3.0-ish with one decimal
        out["propaganda_listeners"] = max(out["propaganda_listeners"], out["propaganda_sessions"]) * 20
        if out["cadre_participations"] + out["citizen_participations"] < out["leader_visits"]:
            out["citizen_participations"] = out["leader_visits"]
        out["workdays"] = out["workdays"] * 12  # sometimes above 1.000: thousands separators
        return out


def vn_number(tenths: int, integer: bool) -> str:
    """Vietnamese number text: ``1.700``, ``12,5``."""
    whole, frac = divmod(tenths, 10)
    text = f"{whole:,}".replace(",", ".")
    if integer:
        assert frac == 0
        return text
    return f"{text},{frac}"


# ------------------------------------------------------------------ forms


def _form_template(indicators: list[dict[str, str]]) -> tuple[dict[str, bytes], str]:
    """The parts of one real form workbook (written by openpyxl) and its sheet XML as a
    ``str.format`` template with ``{commune}``, ``{period}`` and ``{v0}``..``{v23}``."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    ws["A1"] = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    ws["A2"] = 'BÁO CÁO KẾT QUẢ THỰC HIỆN MÔ HÌNH "NGÀY CUỐI TUẦN CÙNG DÂN"'
    ws["A4"] = "Xã/Thị trấn: @@COMMUNE@@"
    ws["A5"] = "Kỳ báo cáo: @@PERIOD@@"
    ws.append([])
    ws.append(["STT", "Mã chỉ tiêu", "Chỉ tiêu", "Đơn vị tính", "Số lượng", "Ghi chú"])
    for n, ind in enumerate(indicators):
        if n in GROUPS:
            ws.append([GROUPS[n]])
        ws.append([str(n + 1), ind["code"], ind["label"], ind["unit"], f"@@V{n}@@"])
    ws.append([])
    ws.append(["Người lập biểu", None, None, None, "TM. UBND xã"])
    ws.append([None, None, None, None, "Chủ tịch"])
    buffer = io.BytesIO()
    wb.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = parts.pop("xl/worksheets/sheet1.xml").decode("utf-8")
    sheet = sheet.replace("{", "{{").replace("}", "}}")
    sheet = sheet.replace("@@COMMUNE@@", "{commune}").replace("@@PERIOD@@", "{period}")
    sheet = re.sub(
        r'<c r="([A-Z]+\d+)" t="inlineStr"><is><t>@@V(\d+)@@</t></is></c>',
        r'<c r="\1" t="n"><v>{v\2}</v></c>',
        sheet,
    )
    assert "@@" not in sheet, "template placeholders left"
    return parts, sheet


def write_forms(out: Path, n_files: int, seed: int = 7) -> dict[str, object]:
    """``n_files`` form workbooks under ``out``; returns their exact totals and window."""
    indicators, communes = load_catalog()
    parts, sheet = _form_template(indicators)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    months_needed = -(-n_files // len(communes))
    year, month = FORM_LAST
    first_index = year * 12 + month - 1 - (months_needed - 1)
    series = {c["code"]: Series(rng, indicators) for c in communes}
    totals = {i["code"]: 0 for i in indicators}  # flows summed, stocks: last month, in tenths
    last_stock: dict[tuple[str, str], int] = {}
    written = 0
    periods: list[str] = []
    for index in range(first_index, first_index + months_needed):
        y, m = divmod(index, 12)
        m += 1
        periods.append(f"{y:04d}-{m:02d}")
        for commune in communes:
            if written == n_files:
                break
            values = series[commune["code"]].next_month()
            fields = {
                "commune": escape(commune["name"].removeprefix("Xã ")),
                "period": f"{m}/{y}",
            }
            for n, ind in enumerate(indicators):
                tenths = values[ind["code"]]
                fields[f"v{n}"] = str(tenths // 10) if ind["type"] == "integer" else str(tenths / 10)
                if ind["over_time"] == "sum":
                    totals[ind["code"]] += tenths
                else:
                    last_stock[(commune["code"], ind["code"])] = tenths
            name = out / f"BC NCTCD {commune['code']} T{m:02d}-{y}.xlsx"
            with zipfile.ZipFile(name, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
                for part, data in parts.items():
                    archive.writestr(part, data)
                archive.writestr("xl/worksheets/sheet1.xml", sheet.format(**fields))
            written += 1
    for (_commune, code), tenths in last_stock.items():
        totals[code] += tenths
    return {
        "files": written,
        "first": periods[0],
        "last": periods[-1],
        "totals": {code: t / 10 for code, t in totals.items()},
    }


# ------------------------------------------------------------------ national


def _fold(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).lower()


def commune_names(n: int, rng: random.Random) -> list[str]:
    """``n`` distinct Vietnamese-looking commune names (distinct once folded, too)."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        k = 2 if rng.random() < 0.7 else 3
        name = " ".join(rng.choice(SYLLABLES) for _ in range(k))
        if _fold(name) in seen:
            continue
        seen.add(_fold(name))
        names.append(name)
    return names


def write_national(out: Path, n_communes: int, seed: int = 11) -> dict[str, object]:
    """The catalog folder, the year's long CSV and one month's CSV; returns exact totals."""
    indicators, _ = load_catalog()
    rng = random.Random(seed)
    catalog = out / "catalog"
    catalog.mkdir(parents=True, exist_ok=True)
    for name in ("indicators.csv", "rules.csv"):
        (catalog / name).write_bytes((BUNDLED / name).read_bytes())
    names = commune_names(n_communes, rng)
    codes = [f"{n + 1:05d}" for n in range(n_communes)]
    with (catalog / "communes.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["code", "name", "aliases"])
        for code, name in zip(codes, names, strict=True):
            writer.writerow([code, f"Xã {name}", ""])
    integer = {i["code"]: i["type"] == "integer" for i in indicators}
    stock = {i["code"]: i["over_time"] == "last" for i in indicators}
    totals = {i["code"]: 0 for i in indicators}
    month_totals = {i["code"]: 0 for i in indicators}
    rows = 0
    with (out / "national.csv").open("w", encoding="utf-8", newline="") as year_fh, (
        out / "national-month.csv"
    ).open("w", encoding="utf-8", newline="") as month_fh, (
        out / "national-clean.csv"
    ).open("w", encoding="utf-8", newline="") as clean_fh:
        year_fh.write("commune,period,indicator,value\n")
        month_fh.write("commune,period,indicator,value\n")
        clean_fh.write("commune,period,indicator,value\n")
        for code, name in zip(codes, names, strict=True):
            spelling = rng.random()
            if spelling < 0.6:
                commune = name  # as written, with diacritics
            elif spelling < 0.8:
                commune = _fold(name).title()  # without diacritics
            else:
                commune = code
            slash = rng.random() < 0.5
            series = Series(rng, indicators)
            lines = []
            clean = []
            for month in range(1, 13):
                period = f"{month:02d}/{NATIONAL_YEAR}" if slash else f"{NATIONAL_YEAR}-{month:02d}"
                values = series.next_month()
                month_lines = []
                for ind in indicators:
                    c = ind["code"]
                    text = vn_number(values[c], integer[c])
                    if "," in text:
                        text = f'"{text}"'
                    month_lines.append(f"{commune},{period},{c},{text}\n")
                    # as a script writes it: codes, ISO months, a decimal point, no groups
                    number = values[c] // 10 if integer[c] else values[c] / 10
                    clean.append(f"{code},{NATIONAL_YEAR}-{month:02d},{c},{number}\n")
                    if not stock[c] or month == 12:
                        totals[c] += values[c]
                    if month == 6:
                        month_totals[c] += values[c]
                lines.extend(month_lines)
                if month == 6:
                    month_fh.write("".join(month_lines))
            year_fh.write("".join(lines))
            clean_fh.write("".join(clean))
            rows += len(lines)
    return {
        "communes": n_communes,
        "values": rows,
        "year": NATIONAL_YEAR,
        "totals": {c: t / 10 for c, t in totals.items()},
        "june_totals": {c: t / 10 for c, t in month_totals.items()},
    }


LAYOUT = 2  # what the generator writes (2: national-clean.csv too); older folders are rewritten


def generate(out: Path, n_forms: int, n_communes: int) -> dict[str, object]:
    """Write everything under ``out`` (reused when the same sizes were written before)."""
    stamp = out / "expected.json"
    if stamp.exists():
        found = json.loads(stamp.read_text(encoding="utf-8"))
        if found.get("sizes") == [n_forms, n_communes] and found.get("layout") == LAYOUT:
            return dict(found)
    started = time.perf_counter()
    forms = write_forms(out / "forms", n_forms)
    national = write_national(out / "national", n_communes)
    expected = {
        "sizes": [n_forms, n_communes],
        "layout": LAYOUT,
        "forms": forms,
        "national": national,
        "seconds": round(time.perf_counter() - started, 1),
    }
    stamp.write_text(json.dumps(expected, indent=1, ensure_ascii=False), encoding="utf-8")
    return expected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "work")
    parser.add_argument("--forms", type=int, default=2000)
    parser.add_argument("--communes", type=int, default=10_000)
    args = parser.parse_args(argv)
    expected = generate(args.out, args.forms, args.communes)
    print(json.dumps({k: v for k, v in expected.items() if k != "sizes"}, ensure_ascii=False)[:400])
    return 0


if __name__ == "__main__":
    sys.exit(main())
