"""Validator: reads each located cell as what it must be, and judges the return.

Errors refuse the return whole; warnings let it in and tell the clerk (RETURNS.md §3).
"""

from __future__ import annotations

import datetime as _dt
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field

from .catalog import Catalog
from .model import Return
from .vietnamese import NumberTextError, Period, format_number, parse_number_text, parse_period

# A value is "far outside" a commune's own history when it is more than OUTLIER_FACTOR times
# the median of at least OUTLIER_MIN_HISTORY earlier reported values (median > 0).
OUTLIER_FACTOR = 10.0
OUTLIER_MIN_HISTORY = 6


@dataclass
class History:
    """What the store (and the batch so far) knows of each commune's earlier returns.

    ``loader(commune)`` gives ``{period_index: {indicator: value}}`` for one commune; it is
    called once per commune, then returns accepted in the batch are added with :meth:`add`.
    """

    loader: Callable[[str], dict[int, dict[str, float]]] | None = None
    _cache: dict[str, dict[int, dict[str, float]]] = field(default_factory=dict)

    def of(self, commune: str) -> dict[int, dict[str, float]]:
        if commune not in self._cache:
            self._cache[commune] = self.loader(commune) if self.loader else {}
        return self._cache[commune]

    def add(self, ret: Return) -> None:
        if ret.commune and ret.period:
            self.of(ret.commune)[ret.period.index] = ret.reported

    def previous(self, commune: str, period: Period, indicator: str) -> tuple[Period, float] | None:
        """The latest value of an indicator reported before ``period``."""
        best: tuple[int, float] | None = None
        for index, values in self.of(commune).items():
            if index < period.index and indicator in values and (best is None or index > best[0]):
                best = (index, values[indicator])
        return (Period.from_index(best[0]), best[1]) if best else None

    def series(self, commune: str, period: Period, indicator: str) -> list[float]:
        return [
            values[indicator]
            for index, values in self.of(commune).items()
            if index != period.index and indicator in values
        ]


class Validator:
    def __init__(
        self,
        catalog: Catalog,
        history: History | None = None,
        *,
        today: Period | None = None,
        decimal_point: bool = False,
    ) -> None:
        self.catalog = catalog
        self.history = history or History()
        self.today = today or Period.today()
        self.decimal_point = decimal_point

    def check(self, ret: Return) -> Return:
        """Resolve commune, period and values; add every problem found. Returns ``ret``."""
        self._commune(ret)
        self._period(ret)
        self._values(ret)
        if not ret.refused:
            self._rules(ret)
            self._against_history(ret)
        return ret

    # -- identity

    def _commune(self, ret: Return) -> None:
        if ret.commune_text is None:
            ret.problem(
                "error",
                "missing-commune",
                "Báo cáo không ghi xã/thị trấn nào (ô «Xã:» hoặc «Đơn vị báo cáo:»).",
                cell=ret.commune_cell,
            )
            return
        code = self.catalog.commune(ret.commune_text)
        if code is None:
            text = str(ret.commune_text)
            hints = self.catalog.suggest_communes(text)
            hint = f" Có phải: {', '.join(hints)}?" if hints else ""
            ret.problem(
                "error",
                "unknown-commune",
                f"Không có xã/thị trấn «{text}» trong danh mục.{hint}",
                cell=ret.commune_cell,
            )
            return
        ret.commune = code

    def _period(self, ret: Return) -> None:
        if ret.period_text is None:
            ret.problem(
                "error",
                "missing-period",
                "Báo cáo không ghi kỳ báo cáo (ô «Kỳ báo cáo:» hoặc «Tháng:»).",
                cell=ret.period_cell,
            )
            return
        period = parse_period(ret.period_text)
        if period is None:
            ret.problem(
                "error",
                "invalid-period",
                f"Không đọc được kỳ báo cáo «{ret.period_label}»: hãy ghi dạng 10/2023 hoặc 2023-10.",
                cell=ret.period_cell,
            )
            return
        if period > self.today:
            ret.problem(
                "error",
                "future-period",
                f"Kỳ báo cáo {period} ở sau tháng hiện tại ({self.today}).",
                cell=ret.period_cell,
            )
            return
        ret.period = period

    # -- cells

    def _values(self, ret: Return) -> None:
        for code, value in ret.values.items():
            indicator = self.catalog.indicator_by_code[code]
            number = self._number(ret, value.raw, value.cell, code)
            if number is None:
                continue
            if number < 0:
                ret.problem(
                    "error",
                    "negative-value",
                    f"{indicator.label}: số âm ({format_number(number, 2).rstrip('0').rstrip(',')}) "
                    "không hợp lệ.",
                    cell=value.cell,
                    indicator=code,
                )
                continue
            if indicator.is_integer and abs(number - round(number)) > 1e-9:
                ret.problem(
                    "error",
                    "fraction-for-integer",
                    f"{indicator.label} phải là số nguyên ({indicator.unit}), "
                    f"không phải {str(number).replace('.', ',')}.",
                    cell=value.cell,
                    indicator=code,
                )
                continue
            value.value = float(round(number)) if indicator.is_integer else number
        if not ret.refused and not ret.reported:
            ret.problem(
                "error",
                "no-values",
                "Báo cáo không có số liệu nào (mọi ô giá trị đều để trống).",
            )

    def _number(self, ret: Return, raw: object, cell: str | None, code: str) -> float | None:
        if raw is None:
            return None
        if isinstance(raw, bool | _dt.date | _dt.time | _dt.timedelta):
            ret.problem(
                "error",
                "invalid-number",
                f"Ô giá trị của {code} không phải là số («{raw}»).",
                cell=cell,
                indicator=code,
            )
            return None
        if isinstance(raw, int | float):
            if math.isfinite(raw):
                return float(raw)
            ret.problem("error", "invalid-number", "Giá trị không hữu hạn.", cell=cell, indicator=code)
            return None
        try:
            return parse_number_text(str(raw), decimal_point=self.decimal_point)
        except NumberTextError as exc:
            if exc.code == "formula-text":
                message = (
                    f"Ô giá trị của {code} chứa văn bản dạng công thức «{_short(exc.text)}»: "
                    "không nhận làm số liệu."
                )
            else:
                message = (
                    f"«{_short(exc.text)}» không phải là số (ô giá trị của {code}). "
                    "Viết số như 1.700 hoặc 12,5; «-» nghĩa là 0; để trống nếu không báo cáo."
                )
            ret.problem("error", exc.code, message, cell=cell, indicator=code)
            return None

    # -- judgement

    def _rules(self, ret: Return) -> None:
        values = ret.reported
        for rule in self.catalog.rules:
            if rule.holds(values) is False:
                ret.problem(
                    rule.severity,
                    f"rule-{rule.code}",
                    f"{rule.message} ({rule.text}).",
                    indicator=rule.left[0],
                )

    def _against_history(self, ret: Return) -> None:
        assert ret.commune and ret.period
        for code, number in ret.reported.items():
            indicator = self.catalog.indicator_by_code[code]
            cell = ret.values[code].cell
            if indicator.is_stock:
                earlier = self.history.previous(ret.commune, ret.period, code)
                if earlier and number < earlier[1] - 1e-9:
                    ret.problem(
                        "warning",
                        "stock-decreased",
                        f"{indicator.label} giảm từ {_fmt(earlier[1], indicator.decimals)} "
                        f"({earlier[0]}) xuống {_fmt(number, indicator.decimals)}: "
                        "đây là số tồn, thường không giảm.",
                        cell=cell,
                        indicator=code,
                    )
            series = self.history.series(ret.commune, ret.period, code)
            if len(series) >= OUTLIER_MIN_HISTORY:
                median = statistics.median(series)
                if median > 0 and number > OUTLIER_FACTOR * median:
                    ret.problem(
                        "warning",
                        "outlier",
                        f"{indicator.label} = {_fmt(number, indicator.decimals)} lớn gấp "
                        f"{number / median:.0f} lần mức thường thấy của xã "
                        f"(trung vị {_fmt(median, indicator.decimals)}): hãy kiểm tra lại.",
                        cell=cell,
                        indicator=code,
                    )


def _fmt(value: float, decimals: int) -> str:
    return format_number(value, decimals)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
