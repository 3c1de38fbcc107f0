"""The catalog: which indicators and communes exist, and the rules between indicators.

The catalog is data, not code: a folder of UTF-8 CSV files (``indicators.csv``,
``communes.csv``, optional ``rules.csv``, ``settings.csv``, ``changes.csv`` and
``areas.csv``). The default one, for Mù Cang Chải, ships inside the package.

Communes change over time (see :mod:`ncctd_cli.units`): each row of ``communes.csv`` is a
*unit*, valid in the months of its optional ``from``/``to`` columns. ``Catalog.units`` is
every unit in catalog order; ``Catalog.communes`` is the time-unaware view that code-keyed
callers have always used: the units of the catalog's first month (before any change), in
catalog order. For a catalog without the new columns both are every commune, as before.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from .units import (
    NSO_CHANGE_MONTH,
    Area,
    CatalogError,
    Change,
    ChangeRow,
    Commune,
    ConversionNote,
    NotActive,
    Timeline,
    Unit,
    looks_like_conversion_table,
    parse_month,
    read_conversion_table,
    write_changes_csv,
)
from .vietnamese import Period, fold, nfc, strip_commune_prefix

__all__ = [
    "Area",
    "Catalog",
    "CatalogError",
    "Change",
    "ChangeRow",
    "Commune",
    "ConversionNote",
    "Indicator",
    "NotActive",
    "Rule",
    "Unit",
    "bundled_catalog_folder",
    "default_catalog",
]

if TYPE_CHECKING:
    import numpy as np

OverTime = Literal["sum", "last"]
IndicatorType = Literal["integer", "decimal"]


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    unit: str
    type: IndicatorType
    over_time: OverTime
    aliases: tuple[str, ...] = ()
    group: str = ""  # the heading it goes under on the form (optional ``group`` column)
    max: float | None = None  # the largest value a return may give (optional ``max`` column)

    @property
    def is_integer(self) -> bool:
        return self.type == "integer"

    @property
    def is_stock(self) -> bool:
        return self.over_time == "last"

    @property
    def decimals(self) -> int:
        return 0 if self.is_integer else 1


_EPS = 1e-9  # a comparison is true within this tolerance (sums of decimals)


@dataclass(frozen=True)
class Rule:
    """``left_a + left_b >= right_a``: compares two sums of indicator codes."""

    code: str
    text: str
    severity: Literal["error", "warning"]
    message: str
    left: tuple[str, ...]
    comparator: str
    right: tuple[str, ...]

    def holds(self, values: dict[str, float]) -> bool | None:
        """True/False, or None when an indicator the rule needs was not reported.

        A term is an indicator code or a number (``wells <= 100``)."""
        import numpy as np

        if any(code not in values for code in self.codes):
            return None
        position = {code: n for n, code in enumerate(self.codes)}
        matrix = np.array([[values[code] for code in self.codes]], dtype=float)
        return not bool(self.broken(matrix, position)[0])

    def broken(self, matrix: np.ndarray, position: dict[str, int]) -> np.ndarray:
        """Of each row of ``matrix`` (returns × indicators at ``position``, NaN: not
        reported): whether the rule is broken (False where it cannot be judged)."""
        import numpy as np

        present = np.ones(matrix.shape[0], dtype=bool)
        for code in self.codes:
            present &= ~np.isnan(matrix[:, position[code]])

        def total(terms: tuple[str, ...]) -> np.ndarray:
            found = np.zeros(matrix.shape[0])  # term by term from 0, as sum() adds
            for term in terms:
                found = found + (matrix[:, position[term]] if term in position else float(term))
            return found

        with np.errstate(invalid="ignore"):
            diff = total(self.left) - total(self.right)
            holds = {
                ">=": diff >= -_EPS,
                ">": diff > _EPS,
                "<=": diff <= _EPS,
                "<": diff < -_EPS,
                "==": np.abs(diff) <= _EPS,
                "=": np.abs(diff) <= _EPS,
            }[self.comparator]
        return present & ~holds

    @cached_property  # asked for every return a batch checks
    def codes(self) -> list[str]:
        """The indicator codes the rule names (numbers left out)."""
        return [t for t in (*self.left, *self.right) if not _is_number(t)]

    @classmethod
    def parse(cls, code: str, text: str, severity: str, message: str) -> Rule:
        match = re.fullmatch(r"\s*(.+?)\s*(>=|<=|==|=|>|<)\s*(.+?)\s*", text)
        if not match or severity not in ("error", "warning"):
            raise CatalogError(f"rules.csv: quy tắc không đọc được: {code}: {text!r}")
        left = tuple(part.strip() for part in match.group(1).split("+"))
        right = tuple(part.strip() for part in match.group(3).split("+"))
        return cls(code, text, severity, message, left, match.group(2), right)  # type: ignore[arg-type]


@dataclass
class Catalog:
    """Indicators, units (communes over time), rules, settings, changes and areas.

    ``units`` is every unit in catalog order (the rows of ``communes.csv``); the constructor
    also takes a plain list of communes (as before). ``changes`` are resolved changes
    (:meth:`with_changes` takes rows of codes); ``change_notes`` are the notes of the
    conversion table the changes were read from, if any."""

    indicators: list[Indicator]
    units: list[Commune]
    rules: list[Rule] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)
    change_notes: list[ConversionNote] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.timeline = Timeline(self.units, self.changes, self.areas)
        self.units = self.timeline.units  # with their keys
        self.areas = self.timeline.areas
        self.changes = self.timeline.changes
        self.unit_by_key: dict[str, Commune] = self.timeline.by_key
        self._communes = self.timeline.first_units()
        self.indicator_by_code = {i.code: i for i in self.indicators}
        self.position = {i.code: n for n, i in enumerate(self.indicators)}  # in the catalog's order
        # code → unit, time-unaware: the first month's unit of the code, else its earliest unit
        self.commune_by_code = {c.code: c for c in self.communes}
        for unit in self.units:
            self.commune_by_code.setdefault(unit.code, self.timeline.by_code[unit.code][0])
        self._indicator_index: dict[str, str] = {}
        self._indicator_of: dict[str, str | None] = {}  # texts already looked up
        for ind in self.indicators:
            for spelling in (ind.code, ind.label, *ind.aliases):
                self._indicator_index.setdefault(fold(spelling), ind.code)
                self._indicator_index.setdefault(fold(spelling).replace(" ", ""), ind.code)
        day = self.settings.get("deadline_day", "5").strip()
        if not day.isdigit() or not 1 <= int(day) <= 31:
            raise CatalogError(f"settings.csv: deadline_day phải là một ngày từ 1 đến 31, không phải {day!r}")
        for rule in self.rules:
            unknown = [c for c in rule.codes if c not in self.indicator_by_code]
            if unknown:
                raise CatalogError(f"rules.csv: {rule.code}: chỉ tiêu không có: {', '.join(unknown)}")

    # -- look-ups

    @property
    def communes(self) -> list[Commune]:
        """The units of the catalog's first month (as it was before any change), in catalog
        order. The view of callers that know communes by code only: each of these units is
        the earliest of its code and keyed by it, so data stored under a bare code belongs
        to them. Time-aware callers use :attr:`units` and :meth:`units_on`. Without
        validity columns: every commune, as before."""
        return self._communes

    @property
    def has_validity(self) -> bool:
        """Do units change over time (any ``from``/``to``, or any change)?"""
        return bool(self.changes) or any(u.has_validity for u in self.units)

    @property
    def deadline_day(self) -> int:
        """Day of the following month by which a return is on time (default the 5th)."""
        return int(self.settings.get("deadline_day", "5"))

    @property
    def has_groups(self) -> bool:
        return any(i.group for i in self.indicators)

    @cached_property
    def folded_groups(self) -> frozenset[str]:
        """The indicators' groups, folded (a form's group headings are told by them)."""
        return frozenset(fold(i.group) for i in self.indicators if i.group)

    def indicator(self, text: str) -> str | None:
        """An indicator's code from its code, label or alias, in any case or accents."""
        known = self._indicator_of.get(text, self)  # (a batch of forms names the same rows)
        if known is not self:
            return known  # type: ignore[return-value]
        folded = fold(nfc(str(text)))
        code = self._indicator_index.get(folded) or self._indicator_index.get(folded.replace(" ", "")) if folded else None
        if type(text) is str and len(self._indicator_of) < 65536:
            self._indicator_of[text] = code
        return code

    def commune(self, text: object) -> str | None:
        """A commune's code from its code, name (with or without prefix) or alias, whatever
        the month (the first unit in catalog order that the text names). Time-aware callers
        use :meth:`resolve`."""
        exact, stripped = self.timeline.candidates(text)
        found = exact or stripped
        return found[0].code if found else None

    # -- units over time

    def units_on(self, period: Period) -> list[Commune]:
        """The units valid in a month, in catalog order (the returns expected that month)."""
        return self.timeline.units_on(period)

    def resolve(self, text: object, period: Period) -> Commune | NotActive | None:
        """The unit valid in ``period`` named by ``text`` (code with or without zero padding,
        name with or without prefix, any case or diacritics, NFC/NFD, aliases); a
        :class:`NotActive` (problem ``unit-not-active``) when the text names a unit of other
        months only; ``None`` when it names no unit."""
        return self.timeline.resolve(text, period)

    def unit(self, key: str) -> Commune | None:
        """A unit by its key (``04456``, ``04456@2025-07``)."""
        return self.unit_by_key.get(key)

    def successors(self, unit: Commune) -> list[Change]:
        """The changes passing (part of) the unit's area to other units."""
        return self.timeline.successors(unit)

    def predecessors(self, unit: Commune) -> list[Change]:
        """The changes bringing other units' area into the unit."""
        return self.timeline.predecessors(unit)

    def current_units(self, unit: Commune) -> dict[Commune, float]:
        """The latest units holding the unit's area, with shares (chains followed forward)."""
        return self.timeline.current_units(unit)

    def holders_on(self, unit: Commune, period: Period) -> dict[Commune, float]:
        """The units holding the unit's area in a month (changes up to that month followed)."""
        return self.timeline.holders_on(unit, period)

    def former_units(self, unit: Commune) -> dict[Commune, float]:
        """Every unit whose area passed (in part) into this one, transitively, with shares."""
        return self.timeline.former_units(unit)

    def area(self, code: str, period: Period) -> Area | None:
        """The area (district, province…) holding a code in a month."""
        return self.timeline.area(code, period)

    def areas_of(self, unit: Commune | Area, level: str | None = None) -> list[Area]:
        """The areas above a unit, nearest first (only those of ``level`` if given)."""
        return self.timeline.areas_of(unit, level)

    def units_under(self, area: Area) -> list[Commune]:
        """The units below an area, in catalog order."""
        return self.timeline.units_under(area)

    def with_changes(
        self, changes: Iterable[Change | ChangeRow], notes: list[ConversionNote] | None = None
    ) -> Catalog:
        """The same catalog with other changes: rows of ``changes.csv`` (codes resolved by
        month) or changes; checked (:class:`CatalogError` in Vietnamese)."""
        resolved = Timeline(self.units, list(changes), self.areas).changes
        return Catalog(
            self.indicators, self.units, self.rules, self.settings, resolved, self.areas,
            notes if notes is not None else [],
        )

    def with_conversion_table(
        self, table: Path | str, month: Period = NSO_CHANGE_MONTH
    ) -> Catalog:
        """The same catalog with its changes read from the statistics office's conversion
        table (see :func:`~ncctd_cli.units.read_conversion_table`); the notes of the reading
        (partial merges kept under the old unit…) are in ``change_notes``."""
        conversion = read_conversion_table(table, self.timeline, month)
        return self.with_changes(conversion.rows, conversion.notes)

    # -- suggestions and names

    def suggest_communes(self, text: str, n: int = 3, period: Period | None = None) -> list[str]:
        """The closest commune names, for "did you mean" (among the units of ``period`` if given)."""
        units = self.units if period is None else self.units_on(period)
        folded = strip_commune_prefix(fold(nfc(text)))
        by_key = {strip_commune_prefix(fold(c.name)): c.name for c in units}
        for c in units:
            for alias in c.aliases:
                by_key.setdefault(strip_commune_prefix(fold(alias)), c.name)
        found = difflib.get_close_matches(folded, list(by_key), n=n * 2, cutoff=0.5)
        names: list[str] = []
        for key in found:
            if by_key[key] not in names:
                names.append(by_key[key])
        return names[:n]

    def suggest_indicators(self, text: str, n: int = 3) -> list[str]:
        keys = {fold(i.label): i.code for i in self.indicators}
        keys.update({fold(i.code): i.code for i in self.indicators})
        found = difflib.get_close_matches(fold(nfc(text)), list(keys), n=n, cutoff=0.6)
        return list(dict.fromkeys(keys[k] for k in found))

    def commune_name(self, code: str) -> str:
        """The name of the unit of a key (a bare code: the earliest unit of that code)."""
        found = self.unit_by_key.get(code)
        return found.name if found else code

    # -- files

    @classmethod
    def from_folder(
        cls,
        folder: Path | str,
        *,
        changes_table: Path | None = None,
        changes_month: Period = NSO_CHANGE_MONTH,
    ) -> Catalog:
        """Read a catalog folder. The changes come from ``changes_table`` (the statistics
        office's conversion table) when given, else from ``changes.csv``, which may itself
        be such a table (recognised by its ``Mã Xã mới``/``Mã Xã cũ`` columns)."""
        folder = Path(folder)
        if not folder.is_dir():
            raise CatalogError(f"không có thư mục danh mục: {folder}")
        indicators = [
            Indicator(
                code=row["code"],
                label=row["label"],
                unit=row.get("unit") or "",
                type=_choice(row, "type", ("integer", "decimal"), "indicators.csv"),  # type: ignore[arg-type]
                over_time=_choice(row, "over_time", ("sum", "last"), "indicators.csv"),  # type: ignore[arg-type]
                aliases=_aliases(row.get("aliases")),
                group=row.get("group") or "",
                max=_maximum(row),
            )
            for row in _read_csv(folder / "indicators.csv", ("code", "label", "type", "over_time"))
        ]
        communes = [
            Commune(
                code=row["code"],
                name=row["name"],
                aliases=_aliases(row.get("aliases")),
                since=parse_month(row.get("from") or "", f"communes.csv: {row['code']}: cột from"),
                until=parse_month(row.get("to") or "", f"communes.csv: {row['code']}: cột to"),
                parent=row.get("parent") or "",
            )
            for row in _read_csv(folder / "communes.csv", ("code", "name"))
        ]
        rules_path = folder / "rules.csv"
        rules = (
            [
                Rule.parse(r["code"], r["rule"], r["severity"], r.get("message") or r["rule"])
                for r in _read_csv(rules_path, ("code", "rule", "severity"))
            ]
            if rules_path.exists()
            else []
        )
        settings_path = folder / "settings.csv"
        settings = (
            {r["key"]: r["value"] for r in _read_csv(settings_path, ("key", "value"))}
            if settings_path.exists()
            else {}
        )
        areas_path = folder / "areas.csv"
        areas = (
            [
                Area(
                    code=r["code"],
                    name=r["name"],
                    level=r["level"],
                    parent=r.get("parent") or "",
                    since=parse_month(r.get("from") or "", f"areas.csv: {r['code']}: cột from"),
                    until=parse_month(r.get("to") or "", f"areas.csv: {r['code']}: cột to"),
                )
                for r in _read_csv(areas_path, ("code", "name", "level"))
            ]
            if areas_path.exists()
            else []
        )
        if not indicators or not communes:
            raise CatalogError(f"{folder}: danh mục chỉ tiêu hoặc danh mục xã trống")
        changes_path = folder / "changes.csv"
        table = changes_table
        rows: list[ChangeRow] = []
        if table is None and changes_path.exists():
            if looks_like_conversion_table(_read_text(changes_path)):
                table = changes_path
            else:
                rows = _read_changes(changes_path)
        catalog = cls(indicators, communes, rules, settings, areas=areas)
        if rows:
            catalog = catalog.with_changes(rows)
        if table is not None:
            catalog = catalog.with_conversion_table(table, changes_month)
        return catalog

    def write_folder(self, folder: Path) -> None:
        """Write the catalog as the CSV files :meth:`from_folder` reads. The validity columns,
        ``changes.csv`` and ``areas.csv`` are written only when there is something to say (a
        plain catalog is written as before, and a stale ``changes.csv``/``areas.csv`` removed)."""
        folder.mkdir(parents=True, exist_ok=True)
        _write_csv(
            folder / "indicators.csv",
            ("code", "label", "unit", "type", "over_time", "aliases", "max", "group"),
            (
                (i.code, i.label, i.unit, i.type, i.over_time, "|".join(i.aliases),
                 "" if i.max is None else f"{i.max:g}", i.group)
                for i in self.indicators
            ),
        )
        if any(u.has_validity or u.parent for u in self.units):
            _write_csv(
                folder / "communes.csv",
                ("code", "name", "aliases", "from", "to", "parent"),
                (
                    (c.code, c.name, "|".join(c.aliases), _month(c.since), _month(c.until), c.parent)
                    for c in self.units
                ),
            )
        else:
            _write_csv(
                folder / "communes.csv",
                ("code", "name", "aliases"),
                ((c.code, c.name, "|".join(c.aliases)) for c in self.units),
            )
        _write_csv(
            folder / "rules.csv",
            ("code", "rule", "severity", "message"),
            ((r.code, r.text, r.severity, r.message) for r in self.rules),
        )
        _write_csv(folder / "settings.csv", ("key", "value"), self.settings.items())
        changes_path, areas_path = folder / "changes.csv", folder / "areas.csv"
        if self.changes:
            write_changes_csv(changes_path, self.changes)
        else:
            changes_path.unlink(missing_ok=True)
        if self.areas:
            _write_csv(
                areas_path,
                ("code", "name", "level", "parent", "from", "to"),
                (
                    (a.code, a.name, a.level, a.parent, _month(a.since), _month(a.until))
                    for a in self.areas
                ),
            )
        else:
            areas_path.unlink(missing_ok=True)


def _month(period: Period | None) -> str:
    return "" if period is None else str(period)


def _read_changes(path: Path) -> list[ChangeRow]:
    """The rows of ``changes.csv`` (``month,from,to[,share]``), unresolved."""
    rows: list[ChangeRow] = []
    for line, row in enumerate(_read_csv(path, ("month", "from", "to")), start=2):
        if not any(row.values()):
            continue
        month = parse_month(row["month"], f"changes.csv: dòng {line}")
        if month is None or not row["from"] or not row["to"]:
            raise CatalogError(f"changes.csv: dòng {line}: cần đủ tháng, đơn vị cũ (from) và đơn vị mới (to)")
        text = (row.get("share") or "").replace(",", ".")
        try:
            share = float(text) if text else 1.0
        except ValueError:
            raise CatalogError(f"changes.csv: dòng {line}: tỷ lệ không đọc được: {text!r}") from None
        rows.append(ChangeRow(month, row["from"], row["to"], share, line))
    return rows


def _is_number(term: str) -> bool:
    try:
        float(term)
    except ValueError:
        return False
    return True


def bundled_catalog_folder() -> Path:
    """The default (Mù Cang Chải) catalog: inside the wheel, or ``data/`` in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_catalog", here.parent / "data"):
        if (candidate / "indicators.csv").exists():
            return candidate
    raise CatalogError("không tìm thấy danh mục mặc định (data/indicators.csv)")


def default_catalog() -> Catalog:
    return Catalog.from_folder(bundled_catalog_folder())


def _aliases(text: str | None) -> tuple[str, ...]:
    return tuple(nfc(a).strip() for a in (text or "").split("|") if a.strip())


def _maximum(row: dict[str, str]) -> float | None:
    """The optional ``max`` column of indicators.csv: a number ≥ 0, or empty."""
    text = (row.get("max") or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise CatalogError(f"indicators.csv: {row.get('code')}: cột max phải là một số ≥ 0, không phải {text!r}")
    return value


def _choice(row: dict[str, str], column: str, allowed: tuple[str, ...], name: str) -> str:
    value = (row.get(column) or "").strip().lower()
    if value not in allowed:
        raise CatalogError(
            f"{name}: {row.get('code')}: cột {column} phải là {' hoặc '.join(allowed)}, không phải {value!r}"
        )
    return value


def _read_text(path: Path) -> str:
    if not path.exists():
        raise CatalogError(f"thiếu tệp danh mục: {path}")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path}: tệp danh mục phải là UTF-8 ({exc.reason})") from exc


def _read_csv(path: Path, required: Iterable[str]) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(nfc(_read_text(path))))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [c for c in required if c not in header]
    if missing:
        raise CatalogError(f"{path}: thiếu cột {', '.join(missing)}")
    rows = list(reader)
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in rows]


def _write_csv(path: Path, header: tuple[str, ...], rows: Iterable[Iterable[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
