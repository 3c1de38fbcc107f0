"""When returns arrived: the day a clerk gives, «không rõ», a file's modification time, or a
manifest of files and days (CSV: file, day). What ``ingest --received-at``/``--arrivals``
read; the ingest stores each return's arrival (``returns.received_at``/``arrival_known``) and
``status`` judges on time, late or unknown from it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from .i18n import tr
from .vietnamese import fold_keep_separators, is_unknown_word, parse_day

UNKNOWN = "unknown"
MTIME = "mtime"
_MTIME_WORDS = {"mtime", "ngay sua", "ngay sua file", "file"}


class ArrivalError(ValueError):
    """A day or a manifest line that cannot be read; the message is for the person."""


def noon_of(day: dt.date, today: dt.date | None = None) -> str:
    """The ISO time stored for a day (noon, local time); a day after today is refused."""
    today = today or dt.date.today()
    if day > today:
        raise ArrivalError(
            tr(
                f"ngày {day:%d/%m/%Y} ở sau hôm nay ({today:%d/%m/%Y}).",
                f"{day:%Y-%m-%d} is after today ({today:%Y-%m-%d}).",
            )
        )
    return dt.datetime(day.year, day.month, day.day, 12).astimezone().isoformat(timespec="seconds")


def parse_received_at(text: str) -> tuple[str, str | None]:
    """``--received-at``: (how, ISO time): ("given", time), ("unknown", None), ("mtime", None)."""
    if is_unknown_word(text):
        return UNKNOWN, None
    if fold_keep_separators(text) in _MTIME_WORDS:
        return MTIME, None
    day = parse_day(text)
    if day is None:
        raise ArrivalError(
            tr(
                f"«{text}» không phải một ngày (viết 03/02/2024 hoặc 2024-02-03), «không rõ» hay «mtime».",
                f"'{text}' is not a day (write 2024-02-03 or 03/02/2024), 'unknown' or 'mtime'.",
            )
        )
    return "given", noon_of(day)


def read_manifest(path: Path) -> dict[str, str | None]:
    """A manifest of arrivals: one line per file, ``file,day`` (a header line is allowed; the
    separator may be , ; or a tab; the day 03/02/2024, 2024-02-03 or «không rõ»).
    Keys are file paths with / separators, as written (matched against a file's last parts)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ArrivalError(
            tr(
                f"không đọc được {path}: {exc.strerror or exc}",
                f"cannot read {path}: {exc.strerror or exc}",
            )
        ) from None
    text = raw.decode("utf-8-sig", errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = "\t" if "\t" in first else ";" if ";" in first and "," not in first else ","
    found: dict[str, str | None] = {}
    for number, row in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if len(cells) < 2:
            raise ArrivalError(
                tr(
                    f"{path}, dòng {number}: cần hai cột, tên file và ngày nhận.",
                    f"{path}, line {number}: two columns needed, file and day received.",
                )
            )
        name, day_text = cells[0], cells[1]
        if is_unknown_word(day_text) or not day_text:
            when: str | None = None
        else:
            day = parse_day(day_text)
            if day is None:
                if number == 1:
                    continue  # a header line
                raise ArrivalError(
                    tr(
                        f"{path}, dòng {number}: «{day_text}» không phải một ngày (03/02/2024, 2024-02-03 hoặc «không rõ»).",
                        f"{path}, line {number}: '{day_text}' is not a day (2024-02-03, 03/02/2024 or 'unknown').",
                    )
                )
            try:
                when = noon_of(day)
            except ArrivalError as exc:
                raise ArrivalError(
                    tr(f"{path}, dòng {number}: {exc}", f"{path}, line {number}: {exc}")
                ) from None
        key = name.replace("\\", "/")
        found[key[2:] if key.startswith("./") else key] = when
    if not found:
        raise ArrivalError(
            tr(
                f"{path}: không có dòng nào (mỗi dòng: tên file, ngày nhận).",
                f"{path}: no lines (each line: file, day received).",
            )
        )
    return found
