"""Click's own words (usage line, headings, error messages) in Vietnamese.

Click words its messages with ``_ = gettext.gettext`` (and ``ngettext``) bound in each of its
modules at import, and ships no Vietnamese catalogue. :func:`install` rebinds those names in
the loaded click modules to :func:`gettext` / :func:`ngettext` below, which look Click's
English message ids up in :data:`VI` when the current language (:mod:`ncctd_cli.i18n`) is
Vietnamese, at the moment the message is made, and leave them as they are in English. So
«Usage:», «Error: Invalid value for …», «Missing argument», «[default: table]» follow
``--lang`` like our own messages, and an error never comes out half in each language.

The ids were taken from the installed click's source (``grep -n '_(\\|ngettext(' click/*.py``,
click 8.1–8.5); an id click adds later is simply shown in English. Programmer errors
(a badly declared option) are left in English: users never see them.
"""

from __future__ import annotations

import gettext as _gettext
import sys
from typing import Any

from .i18n import VIETNAMESE, language

# Click's English message id → Vietnamese. Placeholders are kept as they are.
VI: dict[str, str] = {
    # usage and help (formatting.py, core.py, decorators.py)
    "Usage:": "Cách dùng:",
    "Options": "Tuỳ chọn",
    "Commands": "Lệnh",
    "Positional arguments": "Đối số",
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    "Show the version and exit.": "Hiện phiên bản rồi thoát.",
    "%(prog)s, version %(version)s": "%(prog)s, phiên bản %(version)s",
    "env var: {var}": "biến môi trường: {var}",
    "default: {default}": "mặc định: {default}",
    "required": "bắt buộc",
    "(dynamic)": "(tuỳ lúc chạy)",
    "deprecated": "không còn dùng",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}": (
        "Cảnh báo: lệnh {name!r} không còn được dùng.{extra_message}"
    ),
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}": (
        "Cảnh báo: {param_type} {name!r} không còn được dùng.{extra_message}"
    ),
    "Do you want to continue?": "Tiếp tục?",
    "Confirm the action without prompting.": "Xác nhận luôn, không hỏi lại.",
    # errors (exceptions.py, core.py, parser.py)
    "Error: {message}": "Lỗi: {message}",
    "Try '{command} {option}' for help.": "Gõ '{command} {option}' để xem hướng dẫn.",
    "Aborted!": "Đã dừng!",
    "Missing command.": "Thiếu lệnh.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "No such option {name!r}.": "Không có tuỳ chọn {name!r}.",
    "No such option: {name}": "Không có tuỳ chọn {name}",  # click 8.1
    "Did you mean {possibility}?": "Có phải ý bạn là {possibility}?",
    "(Did you mean one of: {possibilities}?)": "(Có phải ý bạn là một trong: {possibilities}?)",
    "(Possible options: {possibilities})": "(Các tuỳ chọn gần giống: {possibilities})",  # 8.1
    "Got unexpected extra argument ({args})": "Thừa đối số ({args})",
    "Got unexpected extra arguments ({args})": "Thừa các đối số ({args})",
    "Missing argument": "Thiếu đối số",
    "Missing option": "Thiếu tuỳ chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing {param_type}": "Thiếu {param_type}",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ cho {param_hint}: {message}",
    "unknown error": "lỗi không rõ",
    "Could not open file {filename!r}: {message}": "Không mở được tệp {filename!r}: {message}",
    "Option {name!r} does not take a value.": "Tuỳ chọn {name!r} không nhận giá trị.",
    "Option {name!r} requires an argument.": "Tuỳ chọn {name!r} cần một giá trị.",
    "Option {name!r} requires {nargs} arguments.": "Tuỳ chọn {name!r} cần {nargs} giá trị.",
    "Argument {name!r} takes {nargs} values.": "Đối số {name!r} cần {nargs} giá trị.",
    "Takes {nargs} values but 1 was given.": "Cần {nargs} giá trị nhưng chỉ có 1.",
    "Takes {nargs} values but {len} were given.": "Cần {nargs} giá trị nhưng có {len}.",
    "Value must be an iterable.": "Giá trị phải là một dãy.",
    "Invalid start character for option ({option})": "Tuỳ chọn bắt đầu bằng ký tự không hợp lệ ({option})",
    # parameter types (types.py)
    "Choose from:\n\t{choices}": "Chọn một trong:\n\t{choices}",
    "{value!r} is not {choice}.": "{value!r} không phải là {choice}.",
    "{value!r} is not one of {choices}.": "{value!r} không phải là một trong {choices}.",
    "{value!r} does not match the format {format}.": "{value!r} không đúng dạng {format}.",
    "{value!r} does not match the formats {formats}.": "{value!r} không đúng dạng nào trong {formats}.",
    "{value!r} is not a valid {number_type}.": "{value!r} không phải là {number_type} hợp lệ.",
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng {range}.",
    "{value!r} is not a valid boolean. Recognized values: {states}": (
        "{value!r} không phải giá trị đúng/sai. Các giá trị được nhận: {states}"
    ),
    "{value!r} is not a valid UUID.": "{value!r} không phải UUID hợp lệ.",
    "{len_type} values are required, but {len_value} was given.": "Cần {len_type} giá trị nhưng có {len_value}.",
    "{len_type} values are required, but {len_value} were given.": "Cần {len_type} giá trị nhưng có {len_value}.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} không tồn tại.",
    "{name} {filename!r} is a file.": "{name} {filename!r} là một tệp.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} là một thư mục.",
    "{name} {filename!r} is not readable.": "Không đọc được {name_lower} {filename!r}.",
    "{name} {filename!r} is not writable.": "Không ghi được vào {name_lower} {filename!r}.",
    "{name} {filename!r} is not executable.": "Không chạy được {name_lower} {filename!r}.",
    # prompts and terminal (termui.py, _termui_impl.py, _winconsole.py, shell_completion.py)
    "Repeat for confirmation": "Nhập lại để xác nhận",
    "Error: The two entered values do not match.": "Lỗi: hai lần nhập không khớp nhau.",
    "Error: invalid input": "Lỗi: nhập không hợp lệ",
    "Press any key to continue...": "Nhấn một phím bất kỳ để tiếp tục...",
    "Unknown color {colour!r}": "Không biết màu {colour!r}",
    "{editor}: Editing failed": "{editor}: sửa không được",
    "{editor}: Editing failed: {e}": "{editor}: sửa không được: {e}",
    "Windows error: {error}": "Lỗi Windows: {error}",
    "Shell completion is not supported for Bash versions older than 4.4.": (
        "Không hỗ trợ gợi ý lệnh cho Bash cũ hơn 4.4."
    ),
    "Couldn't detect Bash version, shell completion is not supported.": (
        "Không nhận ra phiên bản Bash, không hỗ trợ gợi ý lệnh."
    ),
}

# Words click passes *into* a message rather than through ``_()`` when the message is made:
# a path type's name («File», from ``_("file")`` when the type was built, i.e. at import, in
# whatever language was current then — so those ids are deliberately not translated), a
# number type's name, a parameter's kind. Translated in the Vietnamese message only.
WORDS: dict[str, str] = {
    "File": "Tệp",
    "Directory": "Thư mục",
    "Path": "Đường dẫn",
    "integer": "số nguyên",
    "float": "số thực",
    "integer range": "số nguyên",
    "float range": "số thực",
    "argument": "đối số",
    "option": "tuỳ chọn",
    "parameter": "tham số",
}

# Click's metavars (the placeholder after an option in help, the usage line's pieces), made
# from type names, in Vietnamese (words joined by «_», as in GNU's Vietnamese catalogues).
METAVARS: dict[str, str] = {
    "[OPTIONS]": "[TUỲ_CHỌN]",
    "COMMAND [ARGS]...": "LỆNH [ĐỐI_SỐ]...",
    "FILE": "TỆP",
    "DIRECTORY": "THƯ_MỤC",
    "PATH": "ĐƯỜNG_DẪN",
    "TEXT": "CHỮ",
    "INTEGER": "SỐ_NGUYÊN",
    "INTEGER RANGE": "SỐ_NGUYÊN",
    "FLOAT": "SỐ",
    "FLOAT RANGE": "SỐ",
    "BOOLEAN": "ĐÚNG/SAI",
    "FILENAME": "TỆP",
}


class _Wording(str):
    """A Vietnamese message whose ``format`` also translates the click words passed in
    (:data:`WORDS`) under the names click uses for them."""

    _KEYS = ("name", "number_type", "param_type")

    def format(self, *args: Any, **kwargs: Any) -> str:
        for key in self._KEYS:
            value = kwargs.get(key)
            if isinstance(value, str):
                kwargs[key] = WORDS.get(value, value)
        name = kwargs.get("name")
        if isinstance(name, str):
            kwargs.setdefault("name_lower", name.lower())
        return str.format(self, *args, **kwargs)


_WITH_WORDS = {msgid for msgid in VI if "{name}" in msgid or "{number_type}" in msgid or "{param_type}" in msgid}


def gettext(message: str) -> str:
    """Click's ``_()``: ``message`` in Vietnamese when that is the current language."""
    if language() != VIETNAMESE:
        return message
    translated = VI.get(message)
    if translated is None:
        return message
    return _Wording(translated) if message in _WITH_WORDS else translated


def ngettext(singular: str, plural: str, n: int) -> str:
    """Click's ``ngettext()``: the English form for ``n``, then translated."""
    return gettext(singular if n == 1 else plural)


def metavar(text: str) -> str:
    """A click metavar (``FILE``, ``[OPTIONS]``…) in the current language."""
    return METAVARS.get(text, text) if language() == VIETNAMESE else text


def install() -> None:
    """Make the loaded click modules word their messages through :func:`gettext` /
    :func:`ngettext`. Idempotent; only names still bound to the standard library's functions
    are replaced, so nothing else a module calls ``_`` is touched."""
    for name, module in list(sys.modules.items()):
        if name != "click" and not name.startswith("click."):
            continue
        if getattr(module, "_", None) is _gettext.gettext:
            setattr(module, "_", gettext)  # noqa: B010 (a module's global)
        if getattr(module, "ngettext", None) is _gettext.ngettext:
            setattr(module, "ngettext", ngettext)  # noqa: B010
