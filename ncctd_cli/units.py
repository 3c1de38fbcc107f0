"""Communes over time: units with months of validity, successions, areas above communes.

Administrative units change (from 1 July 2025 Vietnam's communes were merged and districts
abolished), and three facts make a code alone ambiguous: codes are reused (04456 was Thị trấn
Mù Cang Chải until 2025-06 and is Xã Mù Cang Chải since 2025-07), names are reused (the old and
the new Xã Trạm Tấu have different codes), and new units straddle old borders. So:

- A **unit** is one row of ``communes.csv``: a code, a name, and the months it is valid
  (``since``/``until``, inclusive, ``None`` = open). A code may appear on several rows whose
  months do not overlap. A code *and a month* name a unit.
- Every unit has a stable **key**, distinct from its code because codes are reused: the
  earliest unit of a code has its code as key (``04456``), every later unit of that code has
  ``code@YYYY-MM`` (its first month: ``04456@2025-07``). So a catalog without validity columns
  keys every unit by its code (exactly as before), returns already stored under a code stay
  under the old unit when later units are added, and adding a first month to the earliest
  row changes nothing. What a store keeps per return should be the key.
- A **change** (``changes.csv``: ``month,from,to[,share]``) says that on ``month`` (the
  successor's first month) ``share`` (default 1) of the area of unit ``from`` (as it was the
  month before) passes into unit ``to`` (as it is in ``month``). What a unit's changes do not
  pass on stays with it: an old unit with no change (e.g. a partial merge whose shares are not
  known) keeps its history, and is its own "current unit".
- An **area** (``areas.csv``: ``code,name,level,parent[,from][,to]``) is a unit above communes
  (former district, province), with months of validity too (province code 15 was Yên Bái until
  2025-06 and is the new Lào Cai since 2025-07). A unit's ``parent`` is an area code, resolved
  as the area of that code valid over all the unit's months.

The statistics office's conversion table (``Bảng chuyển đổi ĐVHC mới - cũ``) can be read as
the source of changes (:func:`read_conversion_table`).

This module returns facts, not sentences (except :meth:`ConversionNote.text_vi` and the
:class:`CatalogError` messages): the problem registry words what users read.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import ClassVar, Literal, TypeVar

from .vietnamese import Period, commune_spellings, fold, nfc, strip_commune_prefix

SHARE_EPS = 1e-6
NSO_CHANGE_MONTH = Period(2025, 7)  # new local governments began on 1 July 2025


class CatalogError(ValueError):
    """A catalog folder that cannot be used (missing file, bad column, bad rule)."""


def month_vi(period: Period) -> str:
    """``Period(2025, 7)`` → ``07/2025``: how a month is written in a Vietnamese message."""
    return f"{period.month:02d}/{period.year}"


def _open_key(code: str, since: Period | None) -> str:
    return code if since is None else f"{code}@{since}"


def code_of_key(key: str) -> str:
    """The code a unit key names: ``04456@2025-07`` → ``04456``, ``04462`` → ``04462``."""
    return key.split("@", 1)[0]


@dataclass(frozen=True)
class Commune:
    """A unit: a commune-level unit valid from ``since`` to ``until`` (months, inclusive,
    ``None`` = open), under the area ``parent`` (a code of ``areas.csv``, or empty).

    ``key`` is the stable internal identity (see the module docstring); the catalog sets it
    (the earliest unit of a code is keyed by the bare code). It does not take part in
    equality: two units are the same when code, name, aliases, months and parent are."""

    code: str
    name: str
    aliases: tuple[str, ...] = ()
    since: Period | None = None
    until: Period | None = None
    parent: str = ""
    key: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", _open_key(self.code, self.since))

    def valid_in(self, period: Period) -> bool:
        """Is the unit valid (does it report) in this month?"""
        return (self.since is None or self.since <= period) and (
            self.until is None or period <= self.until
        )

    @property
    def has_validity(self) -> bool:
        return self.since is not None or self.until is not None


Unit = Commune  # the same thing: the word the time-aware API uses


@dataclass(frozen=True)
class Area:
    """A unit above communes (a former district, a province), valid from ``since`` to
    ``until``. ``level`` is free text (the bundled catalog uses ``district`` and
    ``province``); ``parent`` is the code of the area above it, or empty."""

    code: str
    name: str
    level: str
    parent: str = ""
    since: Period | None = None
    until: Period | None = None
    key: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", _open_key(self.code, self.since))

    def valid_in(self, period: Period) -> bool:
        return (self.since is None or self.since <= period) and (
            self.until is None or period <= self.until
        )


@dataclass(frozen=True)
class ChangeRow:
    """A row of ``changes.csv`` as written: ``source`` and ``target`` are codes (or names),
    resolved by month when the catalog is built (``source`` in the month before ``month``)."""

    month: Period
    source: str
    target: str
    share: float = 1.0
    line: int = 0  # the line of changes.csv, for messages (0: not from a file)


@dataclass(frozen=True)
class Change:
    """On ``month`` (the successor's first month), ``share`` of the area of ``source``
    passes into ``target``."""

    month: Period
    source: Commune
    target: Commune
    share: float = 1.0

    def as_row(self) -> ChangeRow:
        return ChangeRow(self.month, self.source.code, self.target.code, self.share)


@dataclass(frozen=True)
class NotActive:
    """A text names a known unit, but not one valid in ``period`` (problem ``unit-not-active``).

    ``ended``: the month is after the unit's last month; ``since`` is then the month its area
    passed on (its last month + 1) and ``successors`` the units valid in ``period`` that hold
    its area (empty when its history stayed with it, e.g. a partial merge without shares).
    Otherwise the month is before the unit's first month; ``since`` is that first month and
    ``predecessors`` the units valid in ``period`` whose area it later took.

    E.g. «Xã Hồ Bốn đã nhập vào Xã Khao Mang từ tháng 07/2025: báo cáo tháng 08/2025 phải do
    Xã Khao Mang gửi» is ``NotActive(unit=Hồ Bốn, period=2025-08, ended=True,
    since=2025-07, successors=(Khao Mang,))``."""

    code: ClassVar[str] = "unit-not-active"

    unit: Commune
    period: Period
    ended: bool
    since: Period
    successors: tuple[Commune, ...] = ()
    predecessors: tuple[Commune, ...] = ()


def parse_month(text: str, where: str) -> Period | None:
    """A ``from``/``to``/``month`` cell: ``YYYY-MM``, or ``None`` when empty (open)."""
    text = text.strip()
    if not text:
        return None
    try:
        return Period.parse_iso(text)
    except ValueError:
        raise CatalogError(f"{where}: tháng không đọc được: {text!r} (viết YYYY-MM, ví dụ 2025-07)") from None


def _validity_vi(since: Period | None, until: Period | None) -> str:
    if since is None and until is None:
        return "mọi tháng"
    if since is None:
        return f"đến tháng {month_vi(until)}"  # type: ignore[arg-type]
    if until is None:
        return f"từ tháng {month_vi(since)}"
    return f"từ tháng {month_vi(since)} đến tháng {month_vi(until)}"


def _overlap(a_since: Period | None, a_until: Period | None, b_since: Period | None, b_until: Period | None) -> bool:
    return (a_until is None or b_since is None or b_since <= a_until) and (
        b_until is None or a_since is None or a_since <= b_until
    )


def _covers(outer: Commune | Area, inner: Commune | Area) -> bool:
    """Is ``outer`` valid in every month ``inner`` is?"""
    starts = outer.since is None or (inner.since is not None and outer.since <= inner.since)
    ends = outer.until is None or (inner.until is not None and inner.until <= outer.until)
    return starts and ends


_Item = TypeVar("_Item", Commune, Area)


def keyed(items: Sequence[_Item], what: str) -> list[_Item]:
    """The units (or areas) with their keys set (the earliest of a code: the code; later
    ones: code@first-month), after checking that the rows of one code do not overlap."""
    by_code: dict[str, list[_Item]] = defaultdict(list)
    for item in items:
        if isinstance(item, Area) and not item.level.strip():
            raise CatalogError(f"{what}: {item.code} {item.name}: thiếu cấp (cột level)")
        if item.since is not None and item.until is not None and item.until < item.since:
            raise CatalogError(
                f"{what}: {item.code} {item.name}: tháng kết thúc {month_vi(item.until)} "
                f"trước tháng bắt đầu {month_vi(item.since)}"
            )
        for other in by_code[item.code]:
            if _overlap(item.since, item.until, other.since, other.until):
                raise CatalogError(
                    f"{what}: mã {item.code} có hai dòng trùng thời gian: {other.name} "
                    f"({_validity_vi(other.since, other.until)}) và {item.name} "
                    f"({_validity_vi(item.since, item.until)}); mỗi mã chỉ thuộc một đơn vị trong một tháng"
                )
        by_code[item.code].append(item)
    first = {code: min(rows, key=_start_index) for code, rows in by_code.items()}
    return [
        replace(item, key=item.code if first[item.code] is item else f"{item.code}@{item.since}")
        for item in items
    ]


def _start_index(item: Commune | Area) -> int:
    return -1 if item.since is None else item.since.index


class Timeline:
    """The units of a catalog over time: look-ups by spelling and month, successions, areas.

    Built once per catalog (:class:`~ncctd_cli.catalog.Catalog` delegates to it); every
    answer is in catalog order where an order is asked for."""

    def __init__(
        self,
        units: Sequence[Commune],
        changes: Sequence[Change | ChangeRow] = (),
        areas: Sequence[Area] = (),
    ) -> None:
        self.units: list[Commune] = keyed(units, "communes.csv")
        self.areas: list[Area] = keyed(areas, "areas.csv")
        self.by_key: dict[str, Commune] = {u.key: u for u in self.units}
        self._position = {u.key: n for n, u in enumerate(self.units)}
        self.by_code: dict[str, list[Commune]] = defaultdict(list)
        for unit in self.units:
            self.by_code[unit.code].append(unit)
        for same_code in self.by_code.values():
            same_code.sort(key=_start_index)  # earliest first
        digits = {len(u.code) for u in self.units if u.code.isdigit()}
        self.code_width = digits.pop() if len(digits) == 1 else None
        self._units_on: dict[Period, list[Commune]] = {}
        self._area_by_code: dict[str, list[Area]] = defaultdict(list)
        for area in self.areas:
            self._area_by_code[area.code].append(area)
        self._area_parent: dict[str, Area | None] = {}
        for area in self.areas:
            self._area_parent[area.key] = self._parent_area(area, f"areas.csv: {area.code} {area.name}")
        self._unit_parent: dict[str, Area | None] = {}
        for unit in self.units:
            self._unit_parent[unit.key] = self._parent_area(unit, f"communes.csv: {unit.code} {unit.name}")
        self._out: dict[str, list[Change]] = defaultdict(list)
        self._in: dict[str, list[Change]] = defaultdict(list)
        self.changes: list[Change] = self._resolve_changes(changes)
        for change in self.changes:
            self._out[change.source.key].append(change)
            self._in[change.target.key].append(change)
        self.change_months: list[Period] = sorted({c.month for c in self.changes})
        self._current: dict[str, dict[Commune, float]] = {}  # asked for every unit of a roll-up
        self._former: dict[str, dict[Commune, float]] = {}

    @cached_property
    def spellings(self) -> dict[str, list[Commune]]:
        """Spelling (folded) → units, in the order today's look-up (first match wins) would
        find them. Built when a text is first looked up (a roll-up never does: 10,000
        communes' names folded for nothing took a fifth of it)."""
        found: dict[str, list[Commune]] = {}
        for unit in self.units:
            for spelling in (unit.code, unit.name, *unit.aliases):
                folded = fold(spelling)
                for key in (folded, strip_commune_prefix(folded)):
                    named = found.setdefault(key, [])
                    if unit not in named:
                        named.append(unit)
        return found

    # ---------------------------------------------------------------- units and months

    def units_on(self, period: Period) -> list[Commune]:
        """The units valid in a month, in catalog order."""
        found = self._units_on.get(period)
        if found is None:
            found = self._units_on[period] = [u for u in self.units if u.valid_in(period)]
        return list(found)

    def first_units(self) -> list[Commune]:
        """The units of the catalog's first month: those without a first month, or, when
        every unit has one, those valid in the earliest."""
        if any(u.since is None for u in self.units):
            return [u for u in self.units if u.since is None]
        if not self.units:
            return []
        return self.units_on(min(u.since for u in self.units if u.since is not None))

    def unit_with_code(self, code: str, period: Period) -> Commune | None:
        """The unit holding a code in a month (zero padding added as the catalog's codes have it)."""
        code = self._pad(nfc(str(code)).strip())
        for unit in self.by_code.get(code, ()):
            if unit.valid_in(period):
                return unit
        return None

    def _pad(self, raw: str) -> str:
        if raw.isdigit() and self.code_width and len(raw) < self.code_width:
            return raw.zfill(self.code_width)
        return raw

    def candidates(self, text: object) -> tuple[list[Commune], list[Commune]]:
        """The units a text may name, whatever the month: (by the spelling as written, by the
        spelling without its prefix). Same rules as ``Catalog.commune``: code with or
        without zero padding, name with or without ``Xã``/``Thị trấn``/``Phường``, any case
        or diacritics, NFC or NFD, aliases."""
        if isinstance(text, float) and text.is_integer():
            text = int(text)
        raw = self._pad(nfc(str(text)).strip())
        if not raw:
            return [], []
        folded = fold(raw)
        exact = list(self.spellings.get(folded, ()))
        stripped = list(self.spellings.get(strip_commune_prefix(folded), ()))
        if not exact and not stripped:
            for other in commune_spellings(raw):  # «04462 - Xã Nậm Có», «UBND xã …», «…, huyện …»
                folded = fold(self._pad(other))
                exact = list(self.spellings.get(folded, ())) or list(
                    self.spellings.get(strip_commune_prefix(folded), ())
                )
                if exact:
                    break
        return exact, stripped

    def resolve(self, text: object, period: Period) -> Commune | NotActive | None:
        """The unit valid in ``period`` that ``text`` names; :class:`NotActive` when the text
        names only units of other months; ``None`` when it names no unit at all."""
        exact, stripped = self.candidates(text)
        for unit in (*exact, *stripped):
            if unit.valid_in(period):
                return unit
        known = exact or stripped
        if not known:
            return None
        unit = min(known, key=lambda u: self._distance(u, period))
        if unit.until is not None and unit.until < period:
            successors = tuple(
                u for u in self.holders_on(unit, period) if u.valid_in(period) and u != unit
            )
            return NotActive(unit, period, True, unit.until.shift(1), successors=successors)
        assert unit.since is not None  # not valid, not ended: not yet begun
        predecessors = tuple(u for u in self.former_units(unit) if u.valid_in(period))
        return NotActive(unit, period, False, unit.since, predecessors=predecessors)

    @staticmethod
    def _distance(unit: Commune, period: Period) -> int:
        if unit.until is not None and unit.until < period:
            return period.index - unit.until.index
        if unit.since is not None and period < unit.since:
            return unit.since.index - period.index
        return 0

    # ---------------------------------------------------------------- successions

    def successors(self, unit: Commune) -> list[Change]:
        """The changes by which (part of) the unit's area passed to other units."""
        return list(self._out.get(unit.key, ()))

    def predecessors(self, unit: Commune) -> list[Change]:
        """The changes by which the unit received the area of other units."""
        return list(self._in.get(unit.key, ()))

    def _spread(
        self,
        unit: Commune,
        last: Period | None = None,
        absorb: Commune | None = None,
        after: Period | None = None,
    ) -> tuple[dict[str, float], float]:
        """Follow the unit's area forward through the changes (up to month ``last``):
        ``{unit key: share}``; with ``absorb``, what reaches that unit stops there and is
        returned apart. ``after``: only the changes after that month (default: after the
        unit's first month, i.e. all of its own)."""
        dist: dict[str, float] = {unit.key: 1.0}
        absorbed = 0.0
        start = unit.since if after is None else after
        for month in self.change_months:
            if (start is not None and month <= start) or (last is not None and month > last):
                continue
            moved: dict[str, float] = defaultdict(float)
            for key, weight in dist.items():
                outs = [c for c in self._out.get(key, ()) if c.month == month]
                kept = 1.0 - sum(c.share for c in outs)
                for change in outs:
                    moved[change.target.key] += weight * change.share
                if kept > SHARE_EPS:
                    moved[key] += weight * kept
            if absorb is not None and absorb.key in moved:
                absorbed += moved.pop(absorb.key)
            dist = {k: w for k, w in moved.items() if w > SHARE_EPS}
        return dist, absorbed

    def _ordered(self, dist: dict[str, float]) -> dict[Commune, float]:
        return {
            self.by_key[k]: dist[k] for k in sorted(dist, key=lambda k: self._position[k])
        }

    def current_units(self, unit: Commune) -> dict[Commune, float]:
        """The latest units holding the unit's area, with the share of its area each holds
        (chains followed forward; shares multiplied along a chain, summed over paths). The
        unit itself is among them when (part of) its area was not passed on."""
        found = self._current.get(unit.key)
        if found is None:
            found = self._current[unit.key] = self._ordered(self._spread(unit)[0])
        return dict(found)

    def holders_on(self, unit: Commune, period: Period) -> dict[Commune, float]:
        """Like :meth:`current_units`, following only the changes up to ``period``."""
        return self._ordered(self._spread(unit, last=period)[0])

    def holders_of_month(self, unit: Commune, month: Period, last: Period) -> dict[str, float]:
        """Who holds in month ``last`` the area a unit's figures of ``month`` covered:
        ``{unit key: share}``, following the changes after ``month`` up to ``last``. A month
        past the unit's last month (figures a store kept from before its catalog knew of the
        change) counts as its last month: its area has passed on since. A unit that keeps
        part of its area through a change holds its own later months whole."""
        after = month if unit.until is None or month <= unit.until else unit.until
        if unit.since is not None and after < unit.since:
            after = unit.since
        return self._spread(unit, last=last, after=after)[0]

    def change_months_between(self, first: Period, last: Period) -> list[Period]:
        """The months of changes in ``first`` + 1 … ``last``: what makes figures of the window's
        months belong, in ``last``, to other units than the ones that reported them."""
        return [m for m in self.change_months if first < m <= last]

    def former_units(self, unit: Commune) -> dict[Commune, float]:
        """Every unit whose area (or part of it) passed into this one, transitively, with the
        share of its area that did; the unit itself is not among them."""
        cached = self._former.get(unit.key)
        if cached is not None:
            return dict(cached)
        ancestors: list[str] = []
        todo = [unit.key]
        while todo:
            key = todo.pop()
            for change in self._in.get(key, ()):
                source = change.source.key
                if source != unit.key and source not in ancestors:
                    ancestors.append(source)
                    todo.append(source)
        found: dict[str, float] = {}
        for key in ancestors:
            share = self._spread(self.by_key[key], absorb=unit)[1]
            if share > SHARE_EPS:
                found[key] = share
        self._former[unit.key] = self._ordered(found)
        return dict(self._former[unit.key])

    def _resolve_changes(self, rows: Sequence[Change | ChangeRow]) -> list[Change]:
        changes: list[Change] = []
        seen: set[tuple[Period, str, str]] = set()
        for row in rows:
            if isinstance(row, Change):
                change = self._check_change(row)
            else:
                found = self._resolve_row(row)
                if found is None:
                    continue
                change = found
            ident = (change.month, change.source.key, change.target.key)
            if ident in seen:
                raise CatalogError(
                    f"changes.csv: {self._where(change.month, change.source, change.target)}: dòng lặp lại"
                )
            seen.add(ident)
            changes.append(change)
        totals: dict[tuple[str, Period], float] = defaultdict(float)
        for change in changes:
            totals[(change.source.key, change.month)] += change.share
        for (key, month), total in totals.items():
            if total > 1 + SHARE_EPS:
                unit = self.by_key[key]
                shown = f"{total:g}".replace(".", ",")
                raise CatalogError(
                    f"changes.csv: tháng {month_vi(month)}: tổng tỷ lệ chuyển đi của {unit.name} "
                    f"({unit.code}) là {shown}, lớn hơn 1"
                )
        return changes

    @staticmethod
    def _where(month: Period, source: Commune | str, target: Commune | str, line: int = 0) -> str:
        def name(x: Commune | str) -> str:
            return f"{x.name} ({x.code})" if isinstance(x, Commune) else x

        at = f"dòng {line}: " if line else ""
        return f"{at}{month_vi(month)} {name(source)} → {name(target)}"

    def _resolve_row(self, row: ChangeRow) -> Change | None:
        before = row.month.shift(-1)
        where = self._where(row.month, row.source, row.target, row.line)
        source = self._lookup(row.source, before, where, "chuyển đi", ", tháng trước khi chuyển")
        target = self._lookup(row.target, row.month, where, "nhận", "")
        if source == target:
            return None  # the same unit continuing: nothing passes
        return self._check_change(Change(row.month, source, target, row.share), where)

    def _lookup(self, text: str, period: Period, where: str, role: str, note: str) -> Commune:
        """A unit of ``changes.csv`` by code (or name) in a month, or a clear error."""
        unit = self.unit_with_code(text, period)
        if unit is not None:
            return unit
        exact, stripped = self.candidates(text)
        for candidate in (*exact, *stripped):
            if candidate.valid_in(period):
                return candidate
        known = self.by_code.get(self._pad(text.strip())) or exact or stripped
        if not known:
            raise CatalogError(f"changes.csv: {where}: không có đơn vị {text!r} trong danh mục xã")
        spans = "; ".join(f"{u.name}: {_validity_vi(u.since, u.until)}" for u in known)
        raise CatalogError(
            f"changes.csv: {where}: đơn vị {role} {text!r} phải có hiệu lực tháng "
            f"{month_vi(period)}{note} ({spans})"
        )

    def _own(self, unit: Commune, where: str) -> Commune:
        """The catalog's own copy of a unit (with its key)."""
        for candidate in self.by_code.get(unit.code, ()):
            if candidate == unit:
                return candidate
        raise CatalogError(f"changes.csv: {where}: {unit.name} ({unit.code}) không có trong danh mục xã")

    def _check_change(self, change: Change, where: str = "") -> Change:
        where = where or self._where(change.month, change.source, change.target)
        if not 0 <= change.share <= 1 + SHARE_EPS:
            shown = f"{change.share:g}".replace(".", ",")
            raise CatalogError(f"changes.csv: {where}: tỷ lệ phải từ 0 đến 1, không phải {shown}")
        change = replace(
            change, source=self._own(change.source, where), target=self._own(change.target, where)
        )
        before = change.month.shift(-1)
        if not change.source.valid_in(before):
            raise CatalogError(
                f"changes.csv: {where}: đơn vị chuyển đi {change.source.name} phải có hiệu lực tháng "
                f"{month_vi(before)}, tháng trước khi chuyển ({_validity_vi(change.source.since, change.source.until)})"
            )
        if not change.target.valid_in(change.month):
            raise CatalogError(
                f"changes.csv: {where}: đơn vị nhận {change.target.name} phải có hiệu lực tháng "
                f"{month_vi(change.month)} ({_validity_vi(change.target.since, change.target.until)})"
            )
        if change.source == change.target:
            raise CatalogError(f"changes.csv: {where}: một đơn vị không chuyển sang chính nó")
        return change

    # ---------------------------------------------------------------- areas

    def _parent_area(self, item: Commune | Area, where: str) -> Area | None:
        if not item.parent:
            return None
        areas = self._area_by_code.get(item.parent)
        if not areas:
            raise CatalogError(f"{where}: cấp trên {item.parent!r} không có trong areas.csv")
        for area in areas:
            if _covers(area, item) and area is not item:
                return area
        spans = "; ".join(f"{a.name}: {_validity_vi(a.since, a.until)}" for a in areas)
        raise CatalogError(
            f"{where} ({_validity_vi(item.since, item.until)}): cấp trên {item.parent!r} "
            f"không có hiệu lực suốt thời gian đó ({spans})"
        )

    def area(self, code: str, period: Period) -> Area | None:
        """The area holding a code in a month."""
        for area in self._area_by_code.get(code.strip(), ()):
            if area.valid_in(period):
                return area
        return None

    def areas_of(self, unit: Commune | Area, level: str | None = None) -> list[Area]:
        """The areas above a unit (or an area), nearest first; only those of ``level`` if given
        (compared without case)."""
        chain: list[Area] = []
        parent = (
            self._area_parent.get(unit.key) if isinstance(unit, Area) else self._unit_parent.get(unit.key)
        )
        while parent is not None and parent not in chain:
            chain.append(parent)
            parent = self._area_parent.get(parent.key)
        if level is None:
            return chain
        wanted = level.strip().casefold()
        return [a for a in chain if a.level.strip().casefold() == wanted]

    def units_under(self, area: Area) -> list[Commune]:
        """The units below an area (at any depth), in catalog order."""
        return [u for u in self.units if area in self.areas_of(u)]

    def levels(self) -> list[str]:
        """The levels of the areas (``district``, ``province``…), as first written, in order."""
        found: dict[str, str] = {}
        for area in self.areas:
            found.setdefault(area.level.strip().casefold(), area.level.strip())
        return list(found.values())

    def areas_at_level(self, unit: Commune, level: str) -> list[Area]:
        """The area(s) of ``level`` a unit's figures go under: its own (from its ``parent``
        chain), else, for a unit above which that level no longer exists (a new commune and
        the former districts), the areas of that level of the units whose area it took
        (its former units), in catalog order: one when they all lay in one area, several
        when the unit straddles an old border (Xã Tú Lệ), none when nothing is known."""
        own = self.areas_of(unit, level)
        if own:
            return own[:1]
        found: list[Area] = []
        for former in self.former_units(unit):
            for area in self.areas_of(former, level)[:1]:
                if area not in found:
                    found.append(area)
        position = {a.key: n for n, a in enumerate(self.areas)}
        return sorted(found, key=lambda a: position[a.key])


# ==================================================================== conversion table


NoteKind = Literal[
    "partial-kept",  # a partial merge without shares: no change, history stays with the old unit
    "split-kept",  # whole rows to several new units for one old unit: contradictory, no change
    "successor-outside",  # an old unit of the catalog goes to a new unit not in the catalog
    "predecessor-outside",  # a new unit of the catalog takes an old unit not in the catalog
    "name-differs",  # the table spells a unit otherwise than the catalog (the code is trusted)
]


@dataclass(frozen=True)
class ConversionNote:
    """A fact met reading the conversion table that did not (fully) become a change."""

    kind: NoteKind
    old_code: str
    old_name: str
    new_code: str
    new_name: str
    detail: str = ""  # the table's own note (Ghi chú), or the catalog's spelling

    def text_vi(self) -> str:
        old = f"{self.old_name} ({self.old_code})"
        new = f"{self.new_name} ({self.new_code})"
        if self.kind == "partial-kept":
            return f"{old} → {new}: «{self.detail}» không có tỷ lệ: số liệu cũ giữ nguyên ở {self.old_name}"
        if self.kind == "split-kept":
            return f"{old}: bảng ghi nhập toàn bộ vào nhiều xã mới ({self.detail}): số liệu cũ giữ nguyên ở {self.old_name}"
        if self.kind == "successor-outside":
            return f"{old} → {new}: xã mới không có trong danh mục: số liệu cũ giữ nguyên ở {self.old_name}"
        if self.kind == "predecessor-outside":
            return f"{new} nhận cả {old}, đơn vị không có trong danh mục: số liệu trước đây của phần này không có"
        return f"{old} → {new}: bảng viết tên khác danh mục ({self.detail}); theo mã"


@dataclass
class Conversion:
    """What a conversion table gives for a catalog: change rows and notes."""

    rows: list[ChangeRow]
    notes: list[ConversionNote]


_HEADERS = {
    "new_name": ("ten xa moi",),
    "new_code": ("ma xa moi",),
    "old_name": ("ten xa cu",),
    "old_code": ("ma xa cu",),
    "note": ("ghi chu",),
    "share": ("ty le", "share", "ti le"),
}


def looks_like_conversion_table(text: str) -> bool:
    """Does the beginning of a CSV look like the statistics office's conversion table?"""
    head = fold(text[:2000])
    return "ma xa moi" in head and "ma xa cu" in head


def _table_rows(source: Path | str) -> list[list[str]]:
    """The cells of a conversion table: a CSV (UTF-8, the NSO copy) or an .xlsx workbook
    (the NSO's own download), as text."""
    if isinstance(source, Path) and source.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(source, read_only=True, data_only=True)
        except Exception as exc:  # a broken workbook: say so, no traceback
            raise CatalogError(f"{source}: không đọc được bảng chuyển đổi ({exc})") from exc
        try:
            sheet = book.worksheets[0]
            return [
                ["" if v is None else nfc(str(v)) for v in row]
                for row in sheet.iter_rows(values_only=True)
            ]
        finally:
            book.close()
    if isinstance(source, Path):
        try:
            text = source.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CatalogError(f"không có bảng chuyển đổi: {source}") from None
        except UnicodeDecodeError as exc:
            raise CatalogError(f"{source}: bảng chuyển đổi phải là UTF-8 ({exc.reason})") from exc
    else:
        text = source
    return list(csv.reader(io.StringIO(nfc(text))))


def _is_partial(note: str) -> bool:
    folded = fold(note)
    return "mot phan" in folded or "phan con lai" in folded


def _same_name(table_name: str, unit: Commune) -> bool:
    wanted = strip_commune_prefix(fold(table_name))
    return any(
        strip_commune_prefix(fold(spelling)) == wanted for spelling in (unit.name, *unit.aliases)
    )


def read_conversion_table(
    source: Path | str, timeline: Timeline, month: Period = NSO_CHANGE_MONTH
) -> Conversion:
    """Turn the statistics office's conversion table («Bảng chuyển đổi ĐVHC mới - cũ»: two
    header lines, province title rows, notes ``Nhập toàn bộ``, ``Giữ nguyên``, ``Nhập một
    phần``…) into change rows for the units of a catalog.

    Only rows whose old code is a unit of the catalog in the month before ``month`` give
    changes (the national table is filtered to the catalog). An old unit merged whole into
    one new unit gives one row of share 1 (none when old and new are the same unit of the
    catalog). A partial merge without shares (an optional ``Tỷ lệ``/``share`` column may give
    them) gives no row: the old unit keeps its history, and a note says so. ``source`` is a
    path (.csv UTF-8 or .xlsx) or the CSV text itself."""
    rows = _table_rows(source)
    columns: dict[str, int] = {}
    start = 0
    for n, row in enumerate(rows[:20]):
        folded = [fold(c) for c in row]
        if "ma xa moi" in folded and "ma xa cu" in folded:
            for name, spellings in _HEADERS.items():
                for i, heading in enumerate(folded):
                    if heading in spellings:
                        columns.setdefault(name, i)
            start = n + 1
            break
    where = source if isinstance(source, Path) else "bảng chuyển đổi"
    if "new_code" not in columns or "old_code" not in columns:
        raise CatalogError(f"{where}: không phải bảng chuyển đổi ĐVHC (thiếu cột Mã Xã mới, Mã Xã cũ)")
    before = month.shift(-1)

    def cell(row: list[str], name: str) -> str:
        i = columns.get(name)
        return " ".join(row[i].split()) if i is not None and i < len(row) else ""

    by_old: dict[str, list[tuple[Commune | None, list[str]]]] = {}
    old_units: dict[str, Commune] = {}
    notes: list[ConversionNote] = []
    for row in rows[start:]:
        old_code, new_code = cell(row, "old_code"), cell(row, "new_code")
        if not old_code or not new_code:
            continue  # a province title, or a district that became a special zone whole
        old = timeline.unit_with_code(old_code, before)
        new = timeline.unit_with_code(new_code, month)
        if old is None:
            if new is not None:
                notes.append(
                    ConversionNote(
                        "predecessor-outside", old_code, cell(row, "old_name"), new.code, new.name, cell(row, "note")
                    )
                )
            continue
        old_units[old.key] = old
        by_old.setdefault(old.key, []).append((new, row))
    changes: list[ChangeRow] = []
    for key, entries in by_old.items():
        old = old_units[key]
        first_row = entries[0][1]
        table_old_name = cell(first_row, "old_name")
        if table_old_name and not _same_name(table_old_name, old):
            notes.append(
                ConversionNote("name-differs", old.code, table_old_name, cell(first_row, "new_code"),
                               cell(first_row, "new_name"), old.name)
            )
        shares: list[float | None] = []
        for _new, row in entries:
            text = cell(row, "share").replace(",", ".")
            try:
                shares.append(float(text) if text else None)
            except ValueError:
                raise CatalogError(f"{where}: {old.code}: tỷ lệ không đọc được: {text!r}") from None
        partial = [_is_partial(cell(row, "note")) for _new, row in entries]
        known_shares = all(s is not None for s in shares)
        if any(partial) and not known_shares:
            for _new, row in entries:
                notes.append(
                    ConversionNote("partial-kept", old.code, old.name, cell(row, "new_code"),
                                   cell(row, "new_name"), cell(row, "note"))
                )
            continue
        targets = {cell(row, "new_code") for _new, row in entries}
        if not known_shares and len(targets) > 1:
            notes.append(
                ConversionNote("split-kept", old.code, old.name, "", "", ", ".join(sorted(targets)))
            )
            continue
        for (new, row), share in zip(entries, shares, strict=True):
            if new is None:
                notes.append(
                    ConversionNote("successor-outside", old.code, old.name, cell(row, "new_code"),
                                   cell(row, "new_name"), cell(row, "note"))
                )
                continue
            table_new_name = cell(row, "new_name")
            if table_new_name and not _same_name(table_new_name, new):
                notes.append(
                    ConversionNote("name-differs", old.code, old.name, new.code, table_new_name, new.name)
                )
            if new == old:
                continue  # the same unit of the catalog continues: no row
            changes.append(ChangeRow(month, old.code, new.code, 1.0 if share is None else share))
    return Conversion(changes, list(dict.fromkeys(notes)))


def write_changes_csv(path: Path, changes: Iterable[Change | ChangeRow]) -> None:
    """``changes.csv``: ``month,from,to`` and ``share`` when any share is not 1."""
    rows = [c.as_row() if isinstance(c, Change) else c for c in changes]
    with_share = any(abs(r.share - 1.0) > SHARE_EPS for r in rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(("month", "from", "to", "share") if with_share else ("month", "from", "to"))
        for r in rows:
            base = [str(r.month), r.source, r.target]
            writer.writerow([*base, repr(r.share)] if with_share else base)
