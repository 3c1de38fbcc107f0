"""Honest figures for incomplete periods: how a window's completeness is said, and when a
change between two periods is not shown.

One place for these rules; the terminal roll-up, the narrative, the report workbook and the
official document all word them from here (in the current language, :mod:`ncctd_cli.i18n`).

- A window is **incomplete** when fewer returns are in than expected; every output that gives
  its figures says so («mới nhận 1/168 báo cáo tháng»).
- Stocks of units that have not reported are **carried** from their latest earlier return
  (:mod:`ncctd_cli.rollup`); the outputs say from which month («số tháng 12/2023»).
- A **change** between two periods (the workbook's «Tăng/giảm») is left empty, and the reason
  said, when the two periods' completeness differs by more than :data:`MATERIAL_POINTS`
  percentage points: 4 enterprises against 54 is not a fall of 92,6 % when 13 communes have
  not reported yet.
"""

from __future__ import annotations

from collections.abc import Iterable

from .i18n import tr
from .vietnamese import Period

MATERIAL_POINTS = 10.0  # completeness differing by more than this many points: no change shown


def rate(received: int, expected: int) -> float:
    """The share of expected returns received, in percent (100 when none was expected)."""
    return 100.0 if expected <= 0 else 100.0 * min(received, expected) / expected


def comparable(this: tuple[int, int], previous: tuple[int, int]) -> bool:
    """Whether a change between two periods ((received, expected) each) may be shown: their
    completeness differs by at most :data:`MATERIAL_POINTS` points."""
    return abs(rate(*this) - rate(*previous)) <= MATERIAL_POINTS


def months_words(months: Iterable[Period]) -> str:
    """«tháng 12/2023», or «tháng 03/2023–12/2023» for several (the earliest and latest)."""
    found = sorted(set(months))
    if not found:
        return ""
    if len(found) == 1:
        return tr(f"tháng {found[0].month:02d}/{found[0].year}", f"{found[0].month:02d}/{found[0].year}")
    a, b = found[0], found[-1]
    return tr(
        f"tháng {a.month:02d}/{a.year}–{b.month:02d}/{b.year}",
        f"{a.month:02d}/{a.year} to {b.month:02d}/{b.year}",
    )


def carried_words(months: Iterable[Period]) -> str:
    """«số tháng 12/2023»: what a carried stock is marked with."""
    words = months_words(months)
    return tr(f"số {words}", f"figure of {words}") if words else ""


def incomplete_note(received: int, expected: int, carried_months: Iterable[Period] = ()) -> str:
    """The sentence an incomplete window's figures come with ("" when it is complete)."""
    if received >= expected:
        return ""
    carried = months_words(carried_months)
    return tr(
        f"Số liệu chưa đầy đủ: mới nhận {received}/{expected} báo cáo tháng của kỳ này"
        + (f"; số luỹ kế của các xã chưa báo cáo lấy theo số {carried} (số đã báo cáo gần nhất)" if carried else "")
        + ".",
        f"Incomplete figures: only {received}/{expected} monthly returns received for this window"
        + (f"; the running totals of communes that have not reported are their latest figures ({carried})"
           if carried else "")
        + ".",
    )


def carried_sentence(units: int, months: Iterable[Period]) -> str:
    """A complete window whose stocks still hold carried figures (a return that left a stock
    empty): which, from when ("" when none)."""
    words = months_words(months)
    if not units or not words:
        return ""
    return tr(
        f"Chỉ tiêu tồn của {units} xã chưa có số trong kỳ lấy theo số đã báo cáo gần nhất ({words}).",
        f"The running totals of {units} commune(s) with no figure in the window are their latest "
        f"figures ({words}).",
    )


def change_withheld_note(this: tuple[int, int], previous: tuple[int, int]) -> str:
    """Why a change is left empty: the two periods' completeness ("" when comparable)."""
    if comparable(this, previous):
        return ""
    return tr(
        f"Không tính tăng/giảm: kỳ này mới nhận {this[0]}/{this[1]} báo cáo ({rate(*this):.0f}%), "
        f"kỳ trước {previous[0]}/{previous[1]} ({rate(*previous):.0f}%); so sánh khi hai kỳ đủ báo cáo "
        f"như nhau (chênh không quá {MATERIAL_POINTS:.0f} điểm %).",
        f"No change shown: this period has {this[0]}/{this[1]} returns ({rate(*this):.0f}%), the "
        f"previous one {previous[0]}/{previous[1]} ({rate(*previous):.0f}%); changes are shown when "
        f"both are equally complete (within {MATERIAL_POINTS:.0f} points).",
    )
