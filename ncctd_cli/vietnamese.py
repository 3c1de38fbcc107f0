"""Vietnamese rules, in one place: names (NFC, folding), number text, periods, number format.

Everything here is pure and cheap to import (no pandas, no openpyxl).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

# ---------------------------------------------------------------- names


def nfc(text: str) -> str:
    """Compose a string (NFC): what every string read from a file becomes."""
    return unicodedata.normalize("NFC", text)


_FOLD_TABLE = str.maketrans({"đ": "d", "Đ": "d"})
_NON_WORD = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Fold a name for matching: no diacritics, lower case, words joined by one space.

    ``fold("  Xã  Nậm Có ") == fold("XA NAM CO") == "xa nam co"``; NFC and NFD fold the same.
    """
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_TABLE))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_WORD.sub(" ", stripped.lower().translate(_FOLD_TABLE)).strip()


def fold_header(text: str) -> str:
    """Fold a column header: like :func:`fold`, and spaces do not count either."""
    return fold(text).replace(" ", "")


_COMMUNE_PREFIXES = ("thi tran ", "tt ", "xa ", "phuong ", "p ")


def strip_commune_prefix(folded: str) -> str:
    """``"xa nam co"`` → ``"nam co"``; ``"thi tran mu cang chai"`` → ``"mu cang chai"``."""
    for prefix in _COMMUNE_PREFIXES:
        if folded.startswith(prefix) and len(folded) > len(prefix):
            return folded[len(prefix) :]
    return folded


_CODE_FIRST = re.compile(r"\s*(\d{4,6})\s*[-–—:]\s*\S.*")
_OFFICE_PREFIX = re.compile(r"(?:ubnd|uy ban nhan dan)\s+", re.IGNORECASE)
_PLACE_SUFFIX = re.compile(r"\s+(?:huyen|tinh|thanh pho|thi xa|quan)\s.*$")  # (on folded text)


def commune_spellings(text: str) -> list[str]:
    """Other ways to read how clerks write their commune, to try when the text as written
    names none: ``04462 - Xã Nậm Có`` (its code), ``UBND xã Nậm Có`` (the people's committee
    of the commune), ``Xã Nậm Có, huyện Mù Cang Chải`` (without the district)."""
    found: list[str] = []
    match = _CODE_FIRST.fullmatch(text)
    if match:
        found.append(match.group(1))
    folded = fold(text)
    bare = _OFFICE_PREFIX.sub("", folded, count=1) if _OFFICE_PREFIX.match(folded) else folded
    bare = _PLACE_SUFFIX.sub("", bare)
    if bare and bare != folded:
        found.append(bare)
    return found


# ---------------------------------------------------------------- numbers


class NumberTextError(ValueError):
    """A text cell that is not a number. ``code`` is the stable problem code."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


_SPACES = re.compile(r"[\s\u00a0\u202f\u2007\u2009]+")
_VN_GROUPED = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?")  # 1.700  1.234,5
_VN_PLAIN = re.compile(r"\d+(?:,\d+)?")  # 17  12,5
_DOT_DECIMAL = re.compile(r"\d+\.\d+")  # 1.5  0.500 (not a valid grouping)
_EN_GROUPED = re.compile(r"[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?")  # 1,700.5
_EN_PLAIN = re.compile(r"\d+(?:\.\d+)?")
_SPACE_GROUPED = re.compile(r"[1-9]\d{0,2}(?:[ \u00a0\u202f\u2007\u2009]\d{3})+(?:[.,]\d+)?")
_DASHES = {"-", "–", "—", "‒", "−"}
_MINUS = ("-", "−", "–")
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def parse_number_text(text: str, *, decimal_point: bool = False) -> float | None:
    """Read a number written as text, the Vietnamese way.

    ``.`` groups thousands and ``,`` is the decimal mark (``1.234,5``); a ``.`` not followed
    by exactly three digits is a decimal point (``1.5``); spaces may group thousands
    (``1 700``). ``-`` alone means zero. Empty text means "not reported" (``None``).
    With ``decimal_point=True`` (English exports), ``.`` is the decimal mark and ``,`` groups.

    Raises :class:`NumberTextError` with code ``invalid-number`` or ``formula-text`` (also
    for digits too many for a float: ``9`` written 400 times is not a count).
    Negative numbers are returned as negative: refusing them is the validator's job.
    """
    number = _number_text(text, decimal_point)
    if number is not None and not math.isfinite(number):
        raise NumberTextError("invalid-number", nfc(text).strip())
    return number


def _number_text(text: str, decimal_point: bool) -> float | None:
    raw = nfc(text).strip()
    if raw == "":
        return None
    if raw in _DASHES:
        return 0.0
    sign = 1.0
    body = raw
    if body[0] in _MINUS and len(body) > 1 and (body[1].isdigit() or body[1] == " "):
        sign, body = -1.0, body[1:].strip()
    elif body[0] == "+" and len(body) > 1 and body[1:].strip()[:1].isdigit():
        body = body[1:].strip()  # "+44": a number typed with its sign, as some clerks do
    elif body[0] in FORMULA_LEADS or body.startswith("'="):
        raise NumberTextError("formula-text", raw)
    if _SPACE_GROUPED.fullmatch(body):
        body = _SPACES.sub("", body)
        if not decimal_point:
            body = body.replace(",", ".")
        return sign * float(body)
    if decimal_point:
        if _EN_GROUPED.fullmatch(body):
            return sign * float(body.replace(",", ""))
        if _EN_PLAIN.fullmatch(body):
            return sign * float(body)
        raise NumberTextError("invalid-number", raw)
    if _VN_GROUPED.fullmatch(body):
        return sign * float(body.replace(".", "").replace(",", "."))
    if _VN_PLAIN.fullmatch(body):
        return sign * float(body.replace(",", "."))
    if _DOT_DECIMAL.fullmatch(body):
        return sign * float(body)
    raise NumberTextError("invalid-number", raw)


# What a text number shows of the number style it is written in (number_style_of)
COMMA_DECIMAL = 1  # 12,5  1,2345  1.234,5: the comma is a decimal mark (Vietnamese)
COMMA_GROUPS = 2  # 1,234,567  1,234.5: the comma groups thousands (English)
EITHER = 4  # 2,110  1.700: one group of three digits, read differently in the two styles
DOT_DECIMAL = 8  # 12.5  0.25: a point before other than three digits (read so in both styles)
DOT_GROUPS = 16  # 1.234.567  1.234,5: the point groups thousands (Vietnamese)
COMMA_EITHER = 32  # 2,110 (EITHER, with a comma)
_PATTERNS = (
    (COMMA_DECIMAL, re.compile(r"\d+,\d{1,2}|\d+,\d{4,}|[1-9]\d{0,2}(?:\.\d{3})+,\d+")),
    (COMMA_GROUPS, re.compile(r"[1-9]\d{0,2}(?:,\d{3}){2,}(?:\.\d+)?|[1-9]\d{0,2}(?:,\d{3})+\.\d+")),
    (EITHER | COMMA_EITHER, re.compile(r"[1-9]\d{0,2},\d{3}")),
    (EITHER, re.compile(r"[1-9]\d{0,2}\.\d{3}")),
    (DOT_DECIMAL, re.compile(r"\d+\.\d{1,2}|\d+\.\d{4,}")),
    (DOT_GROUPS, re.compile(r"[1-9]\d{0,2}(?:\.\d{3}){2,}(?:,\d+)?|[1-9]\d{0,2}(?:\.\d{3})+,\d+")),
)


def number_style_of(text: str) -> int:
    """What a text number shows of how it is written (the bits above; 0: nothing)."""
    body = _SPACES.sub("", nfc(text).strip()).lstrip("+-−–")
    return sum(bit for bit, pattern in _PATTERNS if pattern.fullmatch(body))


def file_number_style(shown: int) -> str:
    """How a file writes text numbers, from what its texts show together (their bits OR-ed):
    ``vi`` (the default), ``en`` when its commas can only group thousands (``1,234,567``, or
    a ``2,110`` beside decimal points such as ``12.5``: the point is its decimal mark), or
    ``mixed`` when it writes both ways (``12,5`` and ``1,234,567``; or two decimal marks,
    ``0,9`` beside ``0.1``): then a text that reads differently in the two cannot be read."""
    vietnamese = bool(shown & (COMMA_DECIMAL | DOT_GROUPS))
    english = bool(shown & COMMA_GROUPS) or bool(shown & DOT_DECIMAL and shown & COMMA_EITHER)
    if vietnamese and (english or shown & (COMMA_DECIMAL | DOT_DECIMAL) == COMMA_DECIMAL | DOT_DECIMAL):
        return "mixed"
    return "en" if english else "vi"


def format_number(value: float | None, decimals: int = 0) -> str:
    """Vietnamese number format: ``4612`` → ``4.612``; ``149.6`` (1 decimal) → ``149,6``."""
    if value is None:
        return ""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


# ---------------------------------------------------------------- periods


@lru_cache(maxsize=4096)
def _iso_month(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"  # (a batch writes each month's text a million times)


@dataclass(frozen=True, order=True)
class Period:
    """A reporting month."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 1900 <= self.year <= 2999:
            raise ValueError(f"{self.year}-{self.month}")

    def __str__(self) -> str:
        return _iso_month(self.year, self.month)

    @classmethod
    def parse_iso(cls, text: str) -> Period:
        """``"2024-01"`` → ``Period(2024, 1)``; raise ValueError otherwise."""
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
        if not match:
            raise ValueError(text)
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def today(cls) -> Period:
        now = _dt.date.today()
        return cls(now.year, now.month)

    @property
    def index(self) -> int:
        """Months since year 0: consecutive months differ by one."""
        return self.year * 12 + self.month - 1

    @classmethod
    def from_index(cls, index: int) -> Period:
        return cls(index // 12, index % 12 + 1)

    def shift(self, months: int) -> Period:
        return Period.from_index(self.index + months)

    @property
    def quarter(self) -> int:
        return (self.month - 1) // 3 + 1

    @property
    def half(self) -> int:
        return 1 if self.month <= 6 else 2

    def label_vi(self) -> str:
        return f"Tháng {self.month:02d}/{self.year}"


def months_between(first: Period, last: Period) -> list[Period]:
    """Every month from ``first`` to ``last``, both included."""
    return [Period.from_index(i) for i in range(first.index, last.index + 1)]


_PERIOD_PATTERNS = [
    # 2023-10, 2023/10, 2023.10
    (re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})"), "ym"),
    # 10/2023, 10-2023, T10/2023, thang 10/2023, thang 10 - 2023
    (re.compile(r"(?:t|thang|ky|ky bao cao)?\s*(\d{1,2})\s*[-/.]\s*(\d{4})"), "my"),
    # thang 10 nam 2023
    (re.compile(r"(?:t|thang)\s*(\d{1,2})\s*(?:nam)\s*(\d{4})"), "my"),
    # 15/10/2023 or 2023-10-15 as text: a day of the month
    (re.compile(r"(\d{1,2})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{4})"), "dmy"),
    (re.compile(r"(\d{4})\s*-\s*(\d{1,2})\s*-\s*(\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2})?)?"), "ymd"),
]


def parse_period(cell: object) -> Period | None:
    """Read a reporting month from a cell: text in any listed spelling, or a date cell.

    Returns ``None`` when the cell is not a readable month.
    """
    if isinstance(cell, _dt.datetime | _dt.date):
        return Period(cell.year, cell.month)
    if not isinstance(cell, str):
        return None
    compact = fold_keep_separators(nfc(cell))
    for pattern, order in _PERIOD_PATTERNS:
        match = pattern.fullmatch(compact)
        if not match:
            continue
        groups = [int(g) for g in match.groups()]
        try:
            if order == "ym":
                return Period(groups[0], groups[1])
            if order == "my":
                return Period(groups[1], groups[0])
            if order == "dmy":
                return Period(groups[2], groups[1]) if 1 <= groups[0] <= 31 else None
            if order == "ymd":
                return Period(groups[0], groups[1]) if 1 <= groups[2] <= 31 else None
        except ValueError:
            return None
    return None


_KEEP_SEPARATORS = re.compile(r"[^0-9a-z/.\- :]+")


def fold_keep_separators(text: str) -> str:
    """Like :func:`fold` but keeping ``/ - . :`` (what dates are written with)."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_TABLE))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return re.sub(r"\s+", " ", _KEEP_SEPARATORS.sub(" ", stripped)).strip()


# ---------------------------------------------------------------- windows in words


_ROMAN = ("I", "II", "III", "IV")


_ROMAN_VALUES = (
    (1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
    (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"),
)


def roman(number: int) -> str:
    """``number`` in Roman numerals (a form's groups: I, II, …; any number)."""
    out = []
    for value, letters in _ROMAN_VALUES:
        while number >= value:
            out.append(letters)
            number -= value
    return "".join(out)


def window_in_words(first: Period, last: Period) -> str:
    """The period named the way a report names it, to follow «Trong …»:

    ``2021-01..2023-12`` → ``3 năm qua``; ``2023-01..2023-12`` → ``năm 2023``;
    ``2024-01..2024-06`` → ``6 tháng đầu năm 2024``; ``2024-07..2024-12`` → ``6 tháng cuối
    năm 2024``; ``2024-04..2024-06`` → ``quý II năm 2024``; ``2024-03`` → ``tháng 3/2024``;
    any other window → ``thời gian từ tháng 4/2022 đến tháng 9/2023``.
    """
    kind, n = window_kind(first, last)
    if kind == "month":
        return f"tháng {first.month}/{first.year}"
    if kind == "years":
        return f"năm {first.year}" if n == 1 else f"{n} năm qua"
    if kind == "quarter":
        return f"quý {_ROMAN[first.quarter - 1]} năm {first.year}"
    if kind == "first_months":
        return f"{n} tháng đầu năm {first.year}"
    if kind == "last_months":
        return f"{n} tháng cuối năm {first.year}"
    if first.year == last.year:
        return f"thời gian từ tháng {first.month} đến tháng {last.month} năm {first.year}"
    return f"thời gian từ tháng {first.month}/{first.year} đến tháng {last.month}/{last.year}"


def window_kind(first: Period, last: Period) -> tuple[str, int]:
    """How a report names a window, whatever its language: ``month``; ``years`` (whole
    calendar years: how many); ``quarter``; ``first_months``/``last_months`` (of one year:
    how many); ``span`` (anything else: how many months)."""
    months = last.index - first.index + 1
    if first == last:
        return "month", 1
    if first.month == 1 and last.month == 12:
        return "years", last.year - first.year + 1
    if first.year == last.year:
        if months == 3 and first.month % 3 == 1:
            return "quarter", 3
        if first.month == 1:
            return "first_months", months
        if last.month == 12:
            return "last_months", months
    return "span", months


def window_label(first: Period, last: Period) -> str:
    """The period as a column heading or a title: ``Năm 2023``, ``Giai đoạn 2021–2023``,
    ``6 tháng đầu năm 2024``, ``Quý II năm 2024``, ``Tháng 3/2024``,
    ``Tháng 4 – tháng 8/2024``, ``Tháng 4/2022 – tháng 9/2023``."""
    if first.month == 1 and last.month == 12 and last.year > first.year:
        return f"Giai đoạn {first.year}–{last.year}"
    if first.year != last.year:
        return f"Tháng {first.month}/{first.year} – tháng {last.month}/{last.year}"
    words = window_in_words(first, last)
    if words.startswith("thời gian từ "):
        return f"Tháng {first.month} – tháng {last.month}/{last.year}"
    return words[0].upper() + words[1:]


def bucket_label(key: str) -> str:
    """A roll-up breakdown key in words: ``2023-05`` → ``05/2023``, ``2023-Q2`` → ``Quý II/2023``,
    ``2023-H1`` → ``6 tháng đầu năm 2023``, ``2023`` → ``Năm 2023``; anything else unchanged."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})|-Q([1-4])|-H([12]))?", key)
    if not match:
        return key
    year, month, quarter, half = match.groups()
    if month:
        return f"{month}/{year}"
    if quarter:
        return f"Quý {_ROMAN[int(quarter) - 1]}/{year}"
    if half:
        return f"6 tháng {'đầu' if half == '1' else 'cuối'} năm {year}"
    return f"Năm {year}"


# ---------------------------------------------------------------- Windows-1258

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def encode_windows_1258(text: str) -> bytes:
    """Encode the way Vietnamese Windows writes Windows-1258: base letters precomposed
    (â ê ô ă ơ ư đ), tone marks as combining characters (which is why plain
    ``text.encode("cp1258")`` fails on ``ậ``)."""
    out = []
    for ch in nfc(text):
        parts = unicodedata.normalize("NFD", ch)
        base = "".join(x for x in parts if x not in _TONE_MARKS)
        tones = "".join(x for x in parts if x in _TONE_MARKS)
        out.append(nfc(base) + tones)
    return "".join(out).encode("cp1258")


_UNKNOWN_WORDS = {"khong ro", "chua ro", "unknown", "khong biet"}
_DAY_PATTERNS = (
    re.compile(r"(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})"),  # 03/02/2024 (day first)
    re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"),  # 2024-02-03
)


def is_unknown_word(text: str) -> bool:
    """«không rõ», «chưa rõ», "unknown", "?": a day nobody knows."""
    return fold_keep_separators(text).strip() in _UNKNOWN_WORDS or text.strip() == "?"


def parse_day(text: str) -> _dt.date | None:
    """A day as a Vietnamese office writes it (03/02/2024, 3-2-2024, 03.02.2024, day first)
    or as ISO (2024-02-03), a time after it ignored; None when it is not a day."""
    text = text.strip()
    for pattern in _DAY_PATTERNS:
        found = pattern.match(text)
        if found and (found.end() == len(text) or text[found.end()] in " T"):
            try:
                return _dt.date(int(found["y"]), int(found["m"]), int(found["d"]))
            except ValueError:
                return None
    return None
