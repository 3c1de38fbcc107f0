"""Validator: reads each located cell as what it must be, and judges the return.

Errors refuse the return whole; warnings let it in and tell the clerk (docs/RETURNS.md §3).
"""

from __future__ import annotations

import datetime as _dt
import math
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .catalog import Catalog, Rule
from .model import Return
from .vietnamese import NumberTextError, Period, format_number, parse_number_text, parse_period

# A value is "far outside" a commune's own history when it is more than OUTLIER_FACTOR times
# the median of at least OUTLIER_MIN_HISTORY earlier reported values (median > 0).
OUTLIER_FACTOR = 10.0
OUTLIER_MIN_HISTORY = 6
TEXT_CACHE_SIZE = 200_000  # distinct number texts remembered by one validator


class _Unread:
    """Marks a text not read yet (``None`` means "read: empty")."""


_UNREAD = _Unread()
_UNREAD_PERIOD = Period(1900, 1)  # a month no cache holds: "not read yet"


class _Series:
    """One commune's values of one indicator, month by month, kept sorted two ways: by month
    (for "the latest value before") and by value (for the median), so neither check walks
    the whole history."""

    __slots__ = ("by_index", "indexes", "ordered")

    def __init__(self) -> None:
        self.by_index: dict[int, float] = {}
        self.indexes: list[int] = []  # sorted months
        self.ordered: list[float] = []  # sorted values

    def put(self, index: int, value: float) -> None:
        if index in self.by_index:
            self.drop(index)
        self.by_index[index] = value
        if not self.indexes or index > self.indexes[-1]:
            self.indexes.append(index)  # months mostly come in order
        else:
            insort(self.indexes, index)
        insort(self.ordered, value)

    def drop(self, index: int) -> None:
        value = self.by_index.pop(index)
        del self.indexes[bisect_left(self.indexes, index)]
        del self.ordered[bisect_left(self.ordered, value)]

    def before(self, index: int) -> tuple[int, float] | None:
        pos = bisect_left(self.indexes, index)
        if pos == 0:
            return None
        found = self.indexes[pos - 1]
        return found, self.by_index[found]

    def median_without(self, index: int) -> tuple[int, float | None]:
        """(count, median) of the values of every month but ``index``: the same number
        ``statistics.median`` gives for that list."""
        ordered = self.ordered
        n = len(ordered)
        skip = n  # no value left out
        if index in self.by_index:
            skip = bisect_left(ordered, self.by_index[index])
            n -= 1
        if n <= 0:
            return 0, None

        def at(i: int) -> float:
            return ordered[i] if i < skip else ordered[i + 1]

        if n % 2 == 1:
            return n, at(n // 2)
        return n, (at(n // 2 - 1) + at(n // 2)) / 2


@dataclass
class History:
    """What the store (and the batch so far) knows of each commune's earlier returns.

    ``loader(commune)`` gives ``{period_index: {indicator: value}}`` for one commune; it is
    called once per commune (``bulk_loader(communes)`` gives many at once, see
    :meth:`prefetch`), then returns accepted in the batch are added with :meth:`add`.
    """

    loader: Callable[[str], dict[int, dict[str, float]]] | None = None
    bulk_loader: Callable[[list[str]], dict[str, dict[int, dict[str, float]]]] | None = None
    _cache: dict[str, dict[int, dict[str, float]]] = field(default_factory=dict)
    _series: dict[str, dict[str, _Series]] = field(default_factory=dict)

    def of(self, commune: str) -> dict[int, dict[str, float]]:
        if commune not in self._cache:
            self._load(commune, self.loader(commune) if self.loader else {})
        return self._cache[commune]

    def prefetch(self, communes: Iterable[str]) -> None:
        """Load the history of many communes with one query per few hundred communes."""
        missing = list(dict.fromkeys(c for c in communes if c not in self._cache))
        if not missing:
            return
        if self.bulk_loader is None:
            for commune in missing:
                self.of(commune)
            return
        found = self.bulk_loader(missing)
        for commune in missing:
            self._load(commune, found.get(commune, {}))

    def _load(self, commune: str, months: dict[int, dict[str, float]]) -> None:
        self._cache[commune] = months
        series: dict[str, _Series] = {}
        for index, values in months.items():
            for code, value in values.items():
                one = series.get(code)
                if one is None:
                    one = series[code] = _Series()
                one.put(index, value)
        self._series[commune] = series

    def series_of(self, commune: str) -> dict[str, _Series]:
        self.of(commune)
        return self._series[commune]

    def forget(self, communes: Iterable[str]) -> None:
        """Drop what is known of these communes: the next use reads the store again (after
        a long table is stored, that is cheaper than adding its returns one by one)."""
        for commune in communes:
            self._cache.pop(commune, None)
            self._series.pop(commune, None)

    def add(self, ret: Return, values: dict[str, float] | None = None) -> None:
        """Count an accepted return in (``values``: its ``reported``, if already at hand)."""
        if ret.commune and ret.period:
            months = self.of(ret.commune)
            series = self._series[ret.commune]
            index = ret.period.index
            for code in months.get(index, {}):
                series[code].drop(index)
            values = ret.reported if values is None else values
            months[index] = values
            for code, value in values.items():
                one = series.get(code)
                if one is None:
                    one = series[code] = _Series()
                # _Series.put, inlined for a month not there yet (a batch adds millions)
                indexes = one.indexes
                if not indexes or index > indexes[-1]:
                    one.by_index[index] = value
                    indexes.append(index)
                    insort(one.ordered, value)
                else:
                    one.put(index, value)

    def previous(self, commune: str, period: Period, indicator: str) -> tuple[Period, float] | None:
        """The latest value of an indicator reported before ``period``."""
        one = self.series_of(commune).get(indicator)
        found = one.before(period.index) if one else None
        return (Period.from_index(found[0]), found[1]) if found else None

    def series(self, commune: str, period: Period, indicator: str) -> list[float]:
        """The values of an indicator in every other month."""
        one = self.series_of(commune).get(indicator)
        if one is None:
            return []
        return [v for index, v in one.by_index.items() if index != period.index]


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
        # Each distinct text is read as a number once (a national file repeats a few
        # thousand spellings millions of times).
        self._texts: dict[str, float | NumberTextError | None] = {}
        self._integer = {i.code: i.is_integer for i in catalog.indicators}
        self._stock = {i.code: i.is_stock for i in catalog.indicators}
        self._communes: dict[str, str | None] = {}
        self._periods: dict[str, Period | None] = {}

    def check(self, ret: Return) -> Return:
        """Resolve commune, period and values; add every problem found. Returns ``ret``."""
        self._commune(ret)
        self._period(ret)
        self._values(ret)
        if not ret.refused:
            reported = ret.reported
            if not reported:
                ret.problem(
                    "error",
                    "no-values",
                    "Báo cáo không có số liệu nào (mọi ô giá trị đều để trống).",
                )
                return ret
            self._rules(ret, reported)
            self._against_history(ret, reported)
        return ret

    # -- identity

    def commune_code(self, text: object) -> str | None:
        """The commune a cell names (``Catalog.commune``), each spelling looked up once."""
        if type(text) is not str:
            return self.catalog.commune(text)
        code = self._communes.get(text, "")
        if code == "":
            code = self._communes[text] = self.catalog.commune(text)
        return code

    def _commune(self, ret: Return) -> None:
        if ret.commune_text is None:
            ret.problem(
                "error",
                "missing-commune",
                "Báo cáo không ghi xã/thị trấn nào (ô «Xã:» hoặc «Đơn vị báo cáo:»).",
                cell=ret.commune_cell,
            )
            return
        code = self.commune_code(ret.commune_text)
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

    def period_of(self, text: object) -> Period | None:
        """The month a cell names (``parse_period``), each spelling read once."""
        if type(text) is not str:
            return parse_period(text)
        period = self._periods.get(text, _UNREAD_PERIOD)
        if period is _UNREAD_PERIOD:
            period = self._periods[text] = parse_period(text)
        return period

    def _period(self, ret: Return) -> None:
        if ret.period_text is None:
            ret.problem(
                "error",
                "missing-period",
                "Báo cáo không ghi kỳ báo cáo (ô «Kỳ báo cáo:» hoặc «Tháng:»).",
                cell=ret.period_cell,
            )
            return
        period = self.period_of(ret.period_text)
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
        texts, integer = self._texts, self._integer
        for code, value in ret.values.items():
            raw = value.raw
            if raw is None:
                continue
            # the common cases first: a finite number cell, or a text read before
            number: float | None
            if type(raw) is float and math.isfinite(raw):
                number = raw
            elif type(raw) is str and type(found := texts.get(raw)) is float:
                number = found
            else:
                number = self._number(ret, raw, value.cell, code)
            if number is None:
                continue
            if number >= 0 and (not integer[code] or number.is_integer()):
                value.value = number + 0.0 if integer[code] else number  # -0 is 0 (round())
                continue
            indicator = self.catalog.indicator_by_code[code]
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
        if isinstance(raw, str):
            found = self._texts.get(raw, _UNREAD)
            if found is _UNREAD:
                try:
                    found = parse_number_text(raw, decimal_point=self.decimal_point)
                except NumberTextError as error:
                    found = error
                if len(self._texts) < TEXT_CACHE_SIZE:
                    self._texts[raw] = found
        else:
            try:
                found = parse_number_text(str(raw), decimal_point=self.decimal_point)
            except NumberTextError as error:
                found = error
        if isinstance(found, NumberTextError):
            exc: NumberTextError = found
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
        assert not isinstance(found, _Unread)
        return found

    # -- judgement

    def _rules(self, ret: Return, values: dict[str, float] | None = None) -> None:
        values = ret.reported if values is None else values
        for rule in self.catalog.rules:
            if rule.holds(values) is False:
                self.rule_broken(ret, rule)

    def rule_broken(self, ret: Return, rule: Rule) -> None:
        ret.problem(rule.severity, f"rule-{rule.code}", f"{rule.message} ({rule.text}).", indicator=rule.left[0])

    def _against_history(self, ret: Return, reported: dict[str, float] | None = None) -> None:
        assert ret.commune and ret.period
        series_of = self.history.series_of(ret.commune)
        if not series_of:
            return  # nothing known of this commune yet
        index = ret.period.index
        stock = self._stock
        for code, number in (ret.reported if reported is None else reported).items():
            one = series_of.get(code)
            if one is None:
                continue  # no earlier value of this indicator: nothing to compare with
            if stock[code]:
                earlier = one.before(index)
                if earlier and number < earlier[1] - 1e-9:
                    self.stock_decreased(ret, code, number, earlier, ret.values[code].cell)
            ordered = one.ordered
            n = len(ordered)
            if n < OUTLIER_MIN_HISTORY:
                continue
            if index in one.by_index:  # the month is being sent again: left out
                n, median = one.median_without(index)
            else:  # _Series.median_without, inlined for the common case
                half = n // 2
                median = ordered[half] if n % 2 else (ordered[half - 1] + ordered[half]) / 2
            if (
                n >= OUTLIER_MIN_HISTORY
                and median is not None
                and median > 0
                and number > OUTLIER_FACTOR * median
            ):
                self.outlier(ret, code, number, median, ret.values[code].cell)

    # The history's two warnings, worded once (tables.py finds them by columns).

    def stock_decreased(
        self, ret: Return, code: str, number: float, earlier: tuple[int, float], cell: str | None
    ) -> None:
        """``earlier``: (month index, value) of the latest earlier value."""
        indicator = self.catalog.indicator_by_code[code]
        ret.problem(
            "warning",
            "stock-decreased",
            f"{indicator.label} giảm từ {_fmt(earlier[1], indicator.decimals)} "
            f"({Period.from_index(earlier[0])}) xuống {_fmt(number, indicator.decimals)}: "
            "đây là số tồn, thường không giảm.",
            cell=cell,
            indicator=code,
        )

    def outlier(self, ret: Return, code: str, number: float, median: float, cell: str | None) -> None:
        indicator = self.catalog.indicator_by_code[code]
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
