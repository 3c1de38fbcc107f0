"""Problems as data: a registry of every problem code, and :class:`Problem`, worded at output.

A problem is born as a code and its parameters (``Problem.of("negative-value", value=-5, ...)``),
never as a sentence: the same record is printed in Vietnamese (the default) or English
(``--lang en``), written to JSON with its ``code``, ``params`` and ``message``, and stored
(code, parameters, and the Vietnamese wording for readers of the SQLite file).

Each :class:`ProblemType` holds a severity, a Vietnamese and an English template, and the
parameters its templates use. Templates are :meth:`str.format` strings with a few number
formats that follow the language (:class:`_Formatter`), and optional parts ``[[ … ]]`` that
are left out when a field inside them is empty. A code with variants (``invalid-number``:
a text, a value of another type, a number that is not finite) picks its template by the
``variant`` parameter. ``python -m ncctd_cli.problems`` prints the reference list (docs/PROBLEMS.md).
"""

from __future__ import annotations

import json
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .i18n import language

Severity = Literal["error", "warning"]

PROBLEM_FIELDS = (
    "severity",
    "code",
    "message",
    "file",
    "sheet",
    "cell",
    "commune",
    "period",
    "indicator",
)
JSON_FIELDS = (*PROBLEM_FIELDS, "params")


@dataclass(frozen=True)
class ProblemType:
    """One problem code: its default severity, its wording in both languages, its parameters."""

    code: str
    severity: Severity
    vi: str
    en: str
    params: tuple[str, ...] = ()
    variants: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    about: str = ""  # one line for the reference list: when it happens (English)

    def template(self, lang: str, variant: str | None) -> str:
        vi, en = self.variants.get(variant or "", (self.vi, self.en))
        return en if lang == "en" else vi


REGISTRY: dict[str, ProblemType] = {}


def register(kind: ProblemType) -> ProblemType:
    if kind.code in REGISTRY:
        raise ValueError(f"problem code registered twice: {kind.code}")
    REGISTRY[kind.code] = kind
    return kind


def kind_of(code: str) -> ProblemType:
    """The registered type of a code (``rule-<x>`` codes are all the catalog rules' type)."""
    found = REGISTRY.get(code)
    if found is None and code.startswith("rule-"):
        found = REGISTRY["rule"]
    if found is None:
        raise KeyError(f"unregistered problem code: {code}")
    return found


# ------------------------------------------------------------------ the problem record


@dataclass(frozen=True)
class Problem:
    """Something wrong with a file, a return or a value: a value, never an exception.

    ``params`` are what the message needs; ``message`` words it in the current language
    (:func:`ncctd_cli.i18n.language`), :meth:`text` in a given one. ``stored`` is the
    sentence a store made by an older release kept (its rows have no parameters)."""

    severity: Severity
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    commune: str | None = None
    period: str | None = None
    indicator: str | None = None
    stored: str | None = None

    @classmethod
    def of(cls, code: str, *, severity: Severity | None = None, **params: Any) -> Problem:
        """A problem of a registered code with its parameters (location fields are set
        with :meth:`at`)."""
        kind = kind_of(code)
        return cls(severity or kind.severity, code, params)

    def at(self, **where: Any) -> Problem:
        """The same problem located (``file``, ``sheet``, ``cell``, ``commune``, ``period``,
        ``indicator``)."""
        return replace(self, **where)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def message(self) -> str:
        return self.text()

    def text(self, lang: str | None = None) -> str:
        lang = lang or language()
        try:
            kind = kind_of(self.code)
        except KeyError:
            return self.stored or self.code
        # a template may name the problem's own fields (cell, indicator...) as well as its params
        context = {name: getattr(self, name) for name in ("file", "sheet", "cell", "commune", "period", "indicator")}
        context.update(self.params)
        try:
            return _render(kind.template(lang, self.params.get("variant")), context, lang)
        except (KeyError, IndexError, ValueError):
            if self.stored:  # a row of an older store: no parameters, its sentence kept
                return self.stored
            raise

    def to_json(self, lang: str | None = None) -> dict[str, Any]:
        found: dict[str, Any] = {name: getattr(self, name) for name in PROBLEM_FIELDS if name != "message"}
        found["message"] = self.text(lang)
        found = {name: found[name] for name in PROBLEM_FIELDS}
        found["params"] = dict(self.params)
        return found

    def params_json(self) -> str:
        return json.dumps(dict(self.params), ensure_ascii=False, sort_keys=True, default=str)

    def where(self) -> str:
        """``file › sheet › cell`` for messages."""
        return " › ".join(p for p in (self.file, self.sheet, self.cell) if p)


# ------------------------------------------------------------------ wording


def format_decimal(value: float, decimals: int, lang: str, *, strip: bool = False) -> str:
    """A number grouped the language's way: ``1.234,5`` (vi) or ``1,234.5`` (en)."""
    text = f"{value:,.{decimals}f}"
    if strip and "." in text:
        text = text.rstrip("0").rstrip(".")
    if lang == "en":
        return text
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


class _Formatter(string.Formatter):
    """``{x:nK}``: K decimals; ``{x:gK}``: at most K decimals (zeros stripped); ``{x:list}``:
    a list joined by commas; ``{x:month}``: ``2024-01`` as ``01/2024`` (vi) or ``2024-01``
    (en); anything else as :func:`format`."""

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec[:1] in ("n", "g") and format_spec[1:].isdigit() and isinstance(value, int | float):
            return format_decimal(float(value), int(format_spec[1:]), self.lang, strip=format_spec[0] == "g")
        if format_spec == "list":
            return ", ".join(str(v) for v in value)
        if format_spec == "month":
            match = re.fullmatch(r"(\d{4})-(\d{2})", str(value))
            if match and self.lang != "en":
                return f"{match.group(2)}/{match.group(1)}"
            return str(value)
        return super().format_field(value, format_spec)


_OPTIONAL = re.compile(r"\[\[(.*?)\]\]", re.S)


def _render(template: str, params: Mapping[str, Any], lang: str) -> str:
    formatter = _Formatter(lang)

    def optional(match: re.Match[str]) -> str:
        part = match.group(1)
        names = [name for _, name, _, _ in string.Formatter().parse(part) if name]
        if any(not params.get(name.split(".")[0].split("[")[0]) for name in names):
            return ""
        return formatter.vformat(part, (), params)

    return formatter.vformat(_OPTIONAL.sub(optional, template), (), params)


# ------------------------------------------------------------------ the registry

_RESEND_VI = "hãy mở lại bằng Excel/LibreOffice, lưu lại rồi gửi lại."
_RESEND_EN = "open it in Excel/LibreOffice, save it again and resend it."
_NUMBER_HINT_VI = "Viết số như 1.700 hoặc 12,5; «-» nghĩa là 0; để trống nếu không báo cáo."
_NUMBER_HINT_EN = "Write numbers like 1.700 or 12,5 (Vietnamese style); '-' means 0; leave empty if not reported."

# -- files

register(ProblemType(
    "unreadable-file", "error",
    "Không mở được tệp: {reason}.",
    "Cannot open the file: {reason}.",
    ("reason",), about="The file could not be opened (permissions, a folder, a broken link).",
))
register(ProblemType(
    "file-too-large", "error",
    "Tệp quá lớn ({size_mb:n0} MB, giới hạn {limit_mb:n0} MB): không đọc.",
    "The file is too large ({size_mb:n0} MB, limit {limit_mb:n0} MB): not read.",
    ("size_mb", "limit_mb"), about="Larger than the file size limit.",
))
register(ProblemType(
    "empty-file", "error",
    "Tệp trống (0 byte hoặc chỉ có khoảng trắng): không có báo cáo nào.",
    "The file is empty (0 bytes or only blanks): it holds no return.",
    variants={"csv": (
        "Tệp CSV chỉ có dòng trống (hoặc chỉ có dấu phân cách): không có báo cáo nào.",
        "The CSV file has only blank lines (or only separators): it holds no return.",
    )},
    about="Nothing in the file.",
))
register(ProblemType(
    "corrupt-file", "error",
    "Tệp bị hỏng hoặc không đầy đủ[[ ({detail})]]: có thể tệp chép hoặc tải về chưa xong, "
    "hãy lưu lại và gửi lại.",
    "The file is damaged or incomplete[[ ({detail})]]: it may not have been copied or downloaded "
    "whole; save it again and resend it.",
    ("detail", "kind", "error", "line"),
    variants={
        "reader": (
            "Tệp {kind} bị hỏng hoặc không đầy đủ, không đọc được ({error}): " + _RESEND_VI,
            "The {kind} file is damaged or incomplete and cannot be read ({error}): " + _RESEND_EN,
        ),
        "unexpected": (
            "Tệp bị hỏng, không đọc được ({kind}, {error}): " + _RESEND_VI,
            "The file is damaged and cannot be read ({kind}, {error}): " + _RESEND_EN,
        ),
        "csv": (
            "Tệp CSV sai cấu trúc ở dòng {line}: {error}.",
            "The CSV file is malformed at line {line}: {error}.",
        ),
    },
    about="The file is damaged: the reader could not read it.",
))
register(ProblemType(
    "not-a-spreadsheet", "error",
    "Tệp không phải bảng tính (xlsx, xls, ods) hay CSV (nội dung là dữ liệu nhị phân lạ): không đọc được.",
    "The file is not a spreadsheet (xlsx, xls, ods) or a CSV (its content is unknown binary data): "
    "it cannot be read.",
    ("what", "what_en", "suffix"),
    variants={
        "known": (
            "Tệp này thực ra là {what}[[ (dù tên tệp có đuôi {suffix})]], không phải bảng tính "
            "(xlsx, xls, ods) hay CSV: không đọc được.",
            "This file is really {what_en}[[ (although its name ends in {suffix})]], not a "
            "spreadsheet (xlsx, xls, ods) or a CSV: it cannot be read.",
        ),
    },
    about="The bytes are another kind of file (a PDF, a picture, a Word file...).",
))
register(ProblemType(
    "unsupported-format", "error",
    "Tệp Excel dạng nhị phân (xlsb): hãy mở bằng Excel, lưu lại dạng .xlsx rồi gửi lại.",
    "A binary Excel workbook (xlsb): open it in Excel, save it as .xlsx and resend it.",
    ("part", "method", "suffix"),
    variants={"compression": (
        "Phần «{part}» của tệp nén theo cách bảng tính không dùng (kiểu {method}): không đọc.",
        "Part '{part}' is compressed in a way spreadsheets do not use (method {method}): not read.",
    ), "html": (
        "Tệp này là một trang web (HTML)[[ dù tên tệp có đuôi {suffix}]], không phải bảng tính Excel "
        "(nhiều phần mềm xuất «Excel» theo cách này): không đọc. Hãy mở tệp bằng Excel hoặc "
        "LibreOffice, lưu lại dạng .xlsx rồi gửi lại.",
        "This file is a web page (HTML)[[ although its name ends in {suffix}]], not an Excel "
        "workbook (many systems export 'Excel' this way): not read. Open it in Excel or "
        "LibreOffice, save it as .xlsx and resend it.",
    ), "spreadsheetml": (
        "Tệp này là bảng tính XML kiểu Excel 2003 (SpreadsheetML)[[ dù tên tệp có đuôi {suffix}]]: "
        "không đọc. Hãy mở tệp bằng Excel hoặc LibreOffice, lưu lại dạng .xlsx rồi gửi lại.",
        "This file is an Excel 2003 XML spreadsheet (SpreadsheetML)[[ although its name ends in "
        "{suffix}]]: not read. Open it in Excel or LibreOffice, save it as .xlsx and resend it.",
    ), "nested-table": (
        "Phần «{part}» có bảng lồng trong ô: không đọc được. Hãy chép số liệu sang một trang tính "
        "thường rồi lưu lại.",
        "Part '{part}' holds a table inside a cell: it cannot be read. Copy the figures to a plain "
        "sheet and save again.",
    )},
    about="A spreadsheet format the tool does not read (xlsb, tables nested in cells, HTML or "
    "SpreadsheetML 2003 saved with a spreadsheet's name).",
))
register(ProblemType(
    "password-protected", "error",
    "Tệp có đặt mật khẩu: hãy mở tệp, lưu lại không có mật khẩu rồi gửi lại.",
    "The file is password-protected: open it, save it without a password and resend it.",
    about="Encrypted xlsx, xls or ods.",
))
register(ProblemType(
    "decompression-bomb", "error",
    "Tệp giải nén ra hơn {size_mb:n0} MB, quá giới hạn {limit_mb:n0} MB: có thể là «bom giải nén», "
    "không đọc. Nếu tệp đáng tin, chạy lại với --max-expanded-mb.",
    "The file unpacks to more than {size_mb:n0} MB, over the {limit_mb:n0} MB limit: it may be a "
    "'zip bomb', not read. If you trust the file, run again with --max-expanded-mb.",
    ("size_mb", "limit_mb", "part", "ratio", "size"),
    variants={"larger": (
        "Phần «{part}» của tệp giải nén ra nhiều hơn kích thước nó khai báo ({size} byte): tệp nén bị "
        "làm giả, có thể là «bom giải nén», không đọc.",
        "Part '{part}' unpacks to more than the size it declares ({size} bytes): a forged zip, maybe a "
        "'zip bomb'; not read.",
    ), "ratio": (
        "Tệp nén bất thường: phần «{part}» nén {ratio}:1 (giải nén ra {size_mb:n0} MB). Có thể là "
        "«bom giải nén»: không đọc. Nếu tệp đáng tin, chạy lại với --max-expanded-mb.",
        "An abnormal zip: part '{part}' is compressed {ratio}:1 (unpacks to {size_mb:n0} MB). It may "
        "be a 'zip bomb': not read. If you trust the file, run again with --max-expanded-mb.",
    )},
    about="A zipped workbook that unpacks to too much.",
))
register(ProblemType(
    "unsafe-xml", "error",
    "Phần «{part}» của tệp có khai báo DOCTYPE/ENTITY (kiểu tấn công «XML bomb» hoặc đọc trộm tệp): "
    "bảng tính thật không bao giờ có, không đọc.",
    "Part '{part}' of the file declares a DOCTYPE/ENTITY ('XML bomb' or file-stealing attacks): "
    "real spreadsheets never do; not read.",
    ("part",), about="XML with a DTD or entities inside a workbook.",
))
register(ProblemType(
    "too-many-cells", "error",
    "Bảng tính trải trên quá nhiều ô (hơn {limit:n0} ô tính từ ô A1; có thể có ô bị gõ nhầm ở rất xa, "
    "như ô XFD1048576): không đọc. Hãy xoá các hàng, cột thừa rồi lưu lại.",
    "The sheets span too many cells (more than {limit:n0} counted from A1; a cell may have been typed "
    "far away by mistake, such as XFD1048576): not read. Delete the extra rows and columns and save again.",
    ("limit",), about="Sheets spanning more cells than --max-cells.",
))
register(ProblemType(
    "too-many-parts", "error",
    "Tệp nén có hơn {limit:n0} phần: không phải bảng tính bình thường, không đọc.",
    "The zip has more than {limit:n0} parts: not an ordinary spreadsheet, not read.",
    ("limit",), about="A zip with an absurd number of parts.",
))
register(ProblemType(
    "too-many-columns", "error",
    "Dòng {line} của tệp CSV có {columns} cột, quá giới hạn {limit} cột: không đọc.",
    "Line {line} of the CSV file has {columns} columns, over the limit of {limit}: not read.",
    ("line", "columns", "limit"), about="A CSV line with more fields than a sheet has columns.",
))
register(ProblemType(
    "line-too-long", "error",
    "Dòng {line} của tệp CSV dài hơn {limit:n0} ký tự: đây không phải bảng số liệu báo cáo, không đọc.",
    "Line {line} of the CSV file is longer than {limit:n0} characters: this is not a table of "
    "figures, not read.",
    ("line", "limit"), about="A CSV line longer than any table's.",
))
register(ProblemType(
    "binary-content", "error",
    "Tệp CSV chứa ký tự NUL (dòng {line}): không phải tệp văn bản, có thể là tệp hỏng hoặc tệp khác "
    "đổi đuôi thành .csv.",
    "The CSV file holds a NUL character (line {line}): not a text file; it may be damaged or another "
    "file renamed to .csv.",
    ("line",), about="NUL bytes in a CSV.",
))
register(ProblemType(
    "bad-encoding", "error",
    "Không đọc được bảng mã của tệp CSV ({error}). Hãy lưu lại dạng UTF-8, hoặc chỉ rõ bằng --encoding.",
    "Cannot decode the CSV file ({error}). Save it as UTF-8, or name its encoding with --encoding.",
    ("error",), about="A CSV in an encoding that cannot be decoded.",
))
register(ProblemType(
    "no-return", "error",
    "Tệp không có báo cáo nào: không thấy biểu mẫu (ô «Xã:», «Kỳ báo cáo:», hàng tiêu đề "
    "«Mã chỉ tiêu/Chỉ tiêu … Số lượng»), bảng ngang hay bảng dọc.",
    "The file holds no return: no form (cells 'Xã:', 'Kỳ báo cáo:', a header row 'Mã chỉ tiêu/Chỉ "
    "tiêu … Số lượng'), no wide table, no long table.",
    about="A readable file in which no layout was recognised.",
))

# -- the layout: rows and columns

register(ProblemType(
    "unknown-indicator", "error",
    "Chỉ tiêu «{named}» không có trong danh mục nhưng có số liệu: số liệu này sẽ bị bỏ sót."
    "[[ Có phải: {hints:list}?]]",
    "Indicator '{named}' is not in the catalog but holds a value: that value would be lost."
    "[[ Did you mean: {hints:list}?]]",
    ("named", "hints", "variant"),
    variants={"unnamed": (
        "Chỉ tiêu (không ghi tên) không có trong danh mục nhưng có số liệu: số liệu này sẽ bị bỏ sót.",
        "An indicator with no name holds a value: that value would be lost.",
    )},
    about="A row or column holding a number names no indicator of the catalog.",
))
register(ProblemType(
    "duplicate-indicator", "error",
    "Chỉ tiêu «{label}» có hai giá trị khác nhau trong cùng một báo cáo (ô {first_cell} và ô {cell}).",
    "Indicator '{label}' has two different values in one return (cells {first_cell} and {cell}).",
    ("label", "first_cell"),
    about="The same indicator twice in one return, with two values.",
))

register(ProblemType(
    "ambiguous-column", "error",
    "Cột «{header}» chia thành nhiều cột con ({columns:list}): không biết cột nào là số của tháng "
    "báo cáo. Hãy để một cột «Trong tháng» (hoặc cột của đúng tháng đó) rồi gửi lại.",
    "Column '{header}' is split into sub-columns ({columns:list}): which one holds the month's "
    "figures is not said. Keep one 'Trong tháng' column (or the month's own) and resend.",
    ("header", "columns"),
    about="A value header over several sub-columns, none of them marked as the month's.",
))
register(ProblemType(
    "conflicting-identity", "error",
    "Mã xã «{given}» là {given_name} nhưng tên ghi «{name}» ({name_name}): không biết báo cáo của xã nào.",
    "Commune code '{given}' is {given_name} but the name says '{name}' ({name_name}): which commune "
    "sent this return?",
    ("variant", "given", "given_name", "name", "name_name", "label", "given_label", "label_code"),
    variants={"indicator": (
        "Mã chỉ tiêu «{given}» là «{given_label}» nhưng tên chỉ tiêu ghi «{label}» (mã {label_code}): "
        "không biết số này của chỉ tiêu nào.",
        "Indicator code '{given}' is '{given_label}' but the label says '{label}' (code {label_code}): "
        "which indicator is this figure for?",
    )},
    about="A code and a name on one line name two different indicators, or two different communes.",
))
register(ProblemType(
    "hidden-cell", "warning",
    "{count} ô trong hàng, cột bị ẩn có số (như {cells:list}): số trong ô ẩn không được tính. Nếu "
    "cần báo cáo số đó, hãy bỏ ẩn hàng, cột rồi gửi lại.",
    "{count} cell(s) in hidden rows or columns hold numbers (such as {cells:list}): hidden cells are "
    "not counted. If such a figure belongs to the return, unhide it and resend.",
    ("count", "cells"),
    about="Numbers in hidden rows or columns: what the person sees is what is read.",
))
register(ProblemType(
    "number-in-note", "warning",
    "Ô ghi chú {cell} có số «{text}» nhưng ô số lượng của «{label}» để trống: số này có phải số "
    "liệu báo cáo?",
    "Note cell {cell} holds the number '{text}' while the value cell of '{label}' is empty: "
    "is that the figure?",
    ("text", "label"),
    about="A number typed in the note column beside an empty value cell.",
))

# -- identity

register(ProblemType(
    "missing-commune", "error",
    "Báo cáo không ghi xã/thị trấn nào (ô «Xã:» hoặc «Đơn vị báo cáo:»).",
    "The return names no commune (a cell 'Xã:' or 'Đơn vị báo cáo:').",
    about="No commune cell or column value.",
))
register(ProblemType(
    "unknown-commune", "error",
    "Không có xã/thị trấn «{text}» trong danh mục.[[ Có phải: {hints:list}?]]",
    "There is no commune '{text}' in the catalog.[[ Did you mean: {hints:list}?]]",
    ("text", "hints"), about="The commune named matches no unit of the catalog.",
))
register(ProblemType(
    "missing-period", "error",
    "Báo cáo không ghi kỳ báo cáo (ô «Kỳ báo cáo:» hoặc «Tháng:»).",
    "The return names no period (a cell 'Kỳ báo cáo:' or 'Tháng:').",
    about="No period cell or column value.",
))
register(ProblemType(
    "invalid-period", "error",
    "Không đọc được kỳ báo cáo «{text}»: hãy ghi dạng 10/2023 hoặc 2023-10.",
    "Cannot read the period '{text}': write it like 10/2023 or 2023-10.",
    ("text",), about="The period is not a readable month.",
))
register(ProblemType(
    "future-period", "error",
    "Kỳ báo cáo {period} ở sau tháng hiện tại ({today}).",
    "The period {period} is after the current month ({today}).",
    ("period", "today"), about="A month later than the current month.",
))

# -- cells

register(ProblemType(
    "invalid-number", "error",
    "«{text}» không phải là số (ô giá trị của «{label}»). " + _NUMBER_HINT_VI,
    "'{text}' is not a number (the value cell of '{label}'). " + _NUMBER_HINT_EN,
    ("text", "label", "variant"),
    variants={
        "type": (
            "Ô giá trị của «{label}» không phải là số («{text}»).",
            "The value cell of '{label}' is not a number ('{text}').",
        ),
        "infinite": ("Giá trị không hữu hạn.", "The value is not finite."),
    },
    about="A value cell holding text that is not a number, a date, a boolean.",
))
register(ProblemType(
    "formula-text", "error",
    "Ô giá trị của «{label}» chứa văn bản dạng công thức «{text}»: không nhận làm số liệu.",
    "The value cell of '{label}' holds formula-like text '{text}': not taken as a figure.",
    ("text", "label"), about="Text starting like a formula (=, +, @) in a value cell.",
))
register(ProblemType(
    "negative-value", "error",
    "{label}: số âm ({value:g2}) không hợp lệ.",
    "{label}: a negative number ({value:g2}) is not valid.",
    ("label", "value"), about="A negative value.",
))
register(ProblemType(
    "fraction-for-integer", "error",
    "{label} phải là số nguyên ({unit}), không phải {value:g9}.",
    "{label} must be a whole number ({unit}), not {value:g9}.",
    ("label", "unit", "value"), about="A fraction for an indicator counted in whole units.",
))
register(ProblemType(
    "error-cell", "error",
    "Ô {cell}[[ («{label}»)]] hiện lỗi «{text}» của bảng tính (công thức tính ra lỗi): không có số để "
    "lấy. Hãy sửa công thức hoặc ghi số rồi gửi lại.",
    "Cell {cell}[[ ('{label}')]] shows the spreadsheet error '{text}' (a formula that failed): there "
    "is no figure to take. Fix the formula or type the figure, and resend.",
    ("text", "label"),
    about="A cell showing #DIV/0!, #REF!, #N/A, #VALUE!, #NAME?... where a value, commune or month is read.",
))
register(ProblemType(
    "formula-no-value", "error",
    "Ô {cell}[[ («{label}»)]] chứa công thức «{formula}» chưa được tính (tệp do chương trình tạo ra, "
    "chưa mở bằng Excel/LibreOffice): hãy mở tệp, lưu lại rồi gửi lại.",
    "Cell {cell}[[ ('{label}')]] holds the formula '{formula}' with no computed value (a file written "
    "by a program, never opened in Excel/LibreOffice): open the file, save it and resend.",
    ("formula", "label"),
    about="A formula with no saved result: the number a person would see is not in the file.",
))
register(ProblemType(
    "mixed-number-style", "error",
    "Tệp ghi số theo hai kiểu: «{comma}» (dấu phẩy thập phân) và «{dot}» (dấu chấm thập phân): không "
    "biết đọc «{text}» thế nào. Hãy ghi số theo một kiểu rồi gửi lại.",
    "The file writes numbers two ways: '{comma}' (decimal comma) and '{dot}' (decimal point): "
    "'{text}' cannot be read either way for sure. Write all numbers one way and resend.",
    ("text", "comma", "dot"),
    about="A text number that reads differently in each of the two number styles a file mixes.",
))
register(ProblemType(
    "number-style", "warning",
    "Tệp ghi số kiểu tiếng Anh (dấu chấm thập phân, như «{evidence}»): «{text}» ({label}) được đọc "
    "là {value:g3}.",
    "The file writes numbers the English way (decimal point, as in '{evidence}'): '{text}' ({label}) "
    "is read as {value:g3}.",
    ("text", "value", "evidence", "label"),
    about="A text number read the English way because the file's other numbers show that style.",
))
register(ProblemType(
    "over-maximum", "error",
    "{label} = {value:g3} vượt mức tối đa {max:g3} ({unit}) của danh mục: hãy kiểm tra lại.",
    "{label} = {value:g3} is above the catalog's maximum of {max:g3} ({unit}): please check.",
    ("label", "value", "max", "unit"),
    about="A value above the indicator's maximum (column max of indicators.csv).",
))
register(ProblemType(
    "mostly-empty", "warning",
    "{empty}/{total} chỉ tiêu để trống: có thể báo cáo chưa điền xong.",
    "{empty} of {total} indicators are empty: the return may not be finished.",
    ("empty", "total"),
    about="A return listing its indicators with most of their value cells empty.",
))
register(ProblemType(
    "duplicate-in-batch", "error",
    "Xã này, tháng này có hai báo cáo khác số liệu trong cùng đợt nhận: {other} và bản này. Không "
    "biết bản nào đúng: hãy bỏ bản sai rồi nhận lại.",
    "This commune and month come twice with different figures in one batch: {other} and this one. "
    "Which is right? Remove the wrong one and ingest again.",
    ("other", "variant"),
    variants={"earlier": (
        "Xã này, tháng này đã có một báo cáo khác số liệu trong cùng đợt nhận ({other}, đã lưu): bản "
        "này không được lưu. Nếu bản này mới đúng, hãy nhận lại nó với --replace.",
        "This commune and month came earlier in this batch with other figures ({other}, stored): "
        "this one is not stored. If this one is right, ingest it again with --replace.",
    )},
    about="One commune and month twice in one batch with different figures (both named).",
))
register(ProblemType(
    "no-values", "error",
    "Báo cáo không có số liệu nào (mọi ô giá trị đều để trống).",
    "The return holds no figure (every value cell is empty).",
    about="Every value cell of the return is empty.",
))

# -- judgement

register(ProblemType(
    "rule", "warning",
    "{message}: {left} = {left_value:g3}, {right} = {right_value:g3}.",
    "{message}: {left} = {left_value:g3}, {right} = {right_value:g3}.",
    ("message", "rule", "left", "left_value", "right", "right_value", "variant"),
    variants={
        ">=": ("{message}: {left} ({left_value:g3}) nhỏ hơn {right} ({right_value:g3}).",
               "{message}: {left} ({left_value:g3}) is less than {right} ({right_value:g3})."),
        ">": ("{message}: {left} ({left_value:g3}) không lớn hơn {right} ({right_value:g3}).",
              "{message}: {left} ({left_value:g3}) is not more than {right} ({right_value:g3})."),
        "<=": ("{message}: {left} ({left_value:g3}) lớn hơn {right} ({right_value:g3}).",
               "{message}: {left} ({left_value:g3}) is more than {right} ({right_value:g3})."),
        "<": ("{message}: {left} ({left_value:g3}) không nhỏ hơn {right} ({right_value:g3}).",
              "{message}: {left} ({left_value:g3}) is not less than {right} ({right_value:g3})."),
        "==": ("{message}: {left} ({left_value:g3}) khác {right} ({right_value:g3}).",
               "{message}: {left} ({left_value:g3}) differs from {right} ({right_value:g3})."),
        "=": ("{message}: {left} ({left_value:g3}) khác {right} ({right_value:g3}).",
              "{message}: {left} ({left_value:g3}) differs from {right} ({right_value:g3})."),
    },
    about="rule-<code>: a rule of the catalog's rules.csv is broken (its severity is the rule's).",
))
register(ProblemType(
    "stock-decreased", "warning",
    "{label} giảm từ {earlier:n{decimals}} ({earlier_period}) xuống {value:n{decimals}}: "
    "đây là số tồn, thường không giảm.",
    "{label} went down from {earlier:n{decimals}} ({earlier_period}) to {value:n{decimals}}: "
    "it is a stock, which does not usually fall.",
    ("label", "earlier", "earlier_period", "value", "decimals"),
    about="A stock lower than the commune's previous month.",
))
register(ProblemType(
    "outlier", "warning",
    "{label} = {value:n{decimals}} lớn gấp {ratio:.0f} lần mức thường thấy của xã "
    "(trung vị {median:n{decimals}}): hãy kiểm tra lại.",
    "{label} = {value:n{decimals}} is {ratio:.0f} times the commune's usual level "
    "(median {median:n{decimals}}): please check.",
    ("label", "value", "median", "ratio", "decimals"),
    about="A value more than 10 times the median of the commune's own history (at least 6 months).",
))

# -- the store

register(ProblemType(
    "already-stored", "error",
    "Đã có báo cáo của xã này cho kỳ {period} với số liệu khác (nhận trước đó[[ ngày {received_at}]]"
    "[[ từ tệp {stored_file}]]). Dùng --replace để thay bằng báo cáo này.",
    "A return of this commune for {period} with other figures was received before[[ on {received_at}]]"
    "[[ from {stored_file}]]. Use --replace to replace it with this one.",
    ("period", "stored_file", "received_at"), about="Other figures are stored for that commune and month (without --replace).",
))

# -- units over time

register(ProblemType(
    "unit-not-active", "error",
    "{unit} đã nhập vào {others:list} từ tháng {since:month}: báo cáo tháng {month:month} phải do "
    "{others:list} gửi.",
    "{unit} was merged into {others:list} from {since:month}: the return for {month:month} must "
    "come from {others:list}.",
    ("variant", "unit", "unit_code", "since", "month", "others", "other_codes"),
    variants={
        "ended": (
            "{unit} ({unit_code}) không còn từ tháng {since:month}: không nhận báo cáo tháng "
            "{month:month} của đơn vị này.",
            "{unit} ({unit_code}) no longer exists from {since:month}: no return for {month:month} "
            "is taken from it.",
        ),
        "not-begun": (
            "{unit} chỉ có từ tháng {since:month}: báo cáo tháng {month:month} phải do {others:list} gửi.",
            "{unit} exists only from {since:month}: the return for {month:month} must come from "
            "{others:list}.",
        ),
        "not-begun-alone": (
            "{unit} ({unit_code}) chỉ có từ tháng {since:month}: chưa có báo cáo tháng {month:month} "
            "của đơn vị này.",
            "{unit} ({unit_code}) exists only from {since:month}: there is no return of it for "
            "{month:month}.",
        ),
    },
    about="The commune named is a unit of the catalog, but not in the return's month (merged, "
    "split or not yet created): the message names the unit that reports that month.",
))


# -- the reader's worker process (issue 12: containment, docs/SECURITY.md)

register(ProblemType(
    "reader-out-of-memory", "error",
    "Đọc tệp này cần quá nhiều bộ nhớ (quá giới hạn {limit_mb:n0} MB[[; bộ đọc xin {asked_mb:n0} MB]]): "
    "không đọc. Có thể có ô bị gõ nhầm ở rất xa (như ô XFD1048576), hoặc tệp bị làm giả. Nếu tệp "
    "đáng tin, chạy lại với --max-memory-mb.",
    "Reading this file takes too much memory (over the {limit_mb:n0} MB limit[[; the reader asked "
    "for {asked_mb:n0} MB]]): not read. A cell may have been typed far away by mistake (such as "
    "XFD1048576), or the file forged. If you trust the file, run again with --max-memory-mb.",
    ("limit_mb", "asked_mb"),
    about="The worker process reading a workbook ran out of its memory limit (--max-memory-mb).",
))
register(ProblemType(
    "reader-timeout", "error",
    "Đọc tệp này mất hơn {seconds:n0} giây máy (CPU): đã dừng, không đọc. Tệp có thể quá lớn hoặc "
    "bị làm giả. Nếu tệp đáng tin, chạy lại với --max-seconds.",
    "Reading this file took more than {seconds:n0} seconds of CPU time: stopped, not read. The file "
    "may be too large or forged. If you trust the file, run again with --max-seconds.",
    ("seconds",),
    variants={"wall": (
        "Đọc tệp này quá {seconds:n0} giây mà chưa xong: đã dừng, không đọc. Tệp có thể quá lớn "
        "hoặc bị làm giả. Nếu tệp đáng tin, chạy lại với --max-seconds.",
        "Reading this file did not finish within {seconds:n0} seconds: stopped, not read. The file "
        "may be too large or forged. If you trust the file, run again with --max-seconds.",
    )},
    about="The worker process reading a workbook ran out of its CPU time or wall-clock time "
    "(--max-seconds).",
))
register(ProblemType(
    "reader-crashed", "error",
    "Bộ đọc bảng tính dừng đột ngột khi đọc tệp này ({detail}): tệp có thể bị hỏng hoặc bị làm giả. "
    + _RESEND_VI[0].upper() + _RESEND_VI[1:],
    "The spreadsheet reader stopped abruptly on this file ({detail}): it may be damaged or forged. "
    + _RESEND_EN[0].upper() + _RESEND_EN[1:],
    ("detail",),
    about="The worker process reading a workbook died otherwise (a crash).",
))

def reference_markdown() -> str:
    """The reference list of problem codes (docs/PROBLEMS.md), from the registry."""
    lines = [
        "# Problem codes / Mã vấn đề",
        "",
        "Generated from `ncctd_cli/problems.py` by `python docs/make_reference.py`: do not edit.",
        "Every problem carries a stable `code`, its `params`, and a `message` in the chosen language.",
        "",
        "| code | severity | when | message (vi) | message (en) |",
        "|---|---|---|---|---|",
    ]
    for kind in REGISTRY.values():
        code = "rule-&lt;code&gt;" if kind.code == "rule" else kind.code
        cells = [f"`{code}`", kind.severity, kind.about, kind.vi, kind.en]
        lines.append("| " + " | ".join(c.replace("|", "\\|").replace("\n", " ") for c in cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(reference_markdown(), end="")
