"""The catalog: which indicators and communes exist, and the rules between indicators.

The catalog is data, not code: a folder of UTF-8 CSV files (``indicators.csv``,
``communes.csv``, optional ``rules.csv`` and ``settings.csv``). The default one, for
Mù Cang Chải, ships inside the package.
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

from .vietnamese import fold, nfc, strip_commune_prefix

if TYPE_CHECKING:
    import numpy as np

OverTime = Literal["sum", "last"]
IndicatorType = Literal["integer", "decimal"]


class CatalogError(ValueError):
    """A catalog folder that cannot be used (missing file, bad column, bad rule)."""


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    unit: str
    type: IndicatorType
    over_time: OverTime
    aliases: tuple[str, ...] = ()
    group: str = ""  # the heading it goes under on the form (optional ``group`` column)

    @property
    def is_integer(self) -> bool:
        return self.type == "integer"

    @property
    def is_stock(self) -> bool:
        return self.over_time == "last"

    @property
    def decimals(self) -> int:
        return 0 if self.is_integer else 1


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    aliases: tuple[str, ...] = ()


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
    indicators: list[Indicator]
    communes: list[Commune]
    rules: list[Rule] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.indicator_by_code = {i.code: i for i in self.indicators}
        self.position = {i.code: n for n, i in enumerate(self.indicators)}  # in the catalog's order
        self.commune_by_code = {c.code: c for c in self.communes}
        self._indicator_index: dict[str, str] = {}
        for ind in self.indicators:
            for spelling in (ind.code, ind.label, *ind.aliases):
                self._indicator_index.setdefault(fold(spelling), ind.code)
                self._indicator_index.setdefault(fold(spelling).replace(" ", ""), ind.code)
        self._commune_index: dict[str, str] = {}
        for com in self.communes:
            for spelling in (com.code, com.name, *com.aliases):
                folded = fold(spelling)
                self._commune_index.setdefault(folded, com.code)
                self._commune_index.setdefault(strip_commune_prefix(folded), com.code)
        digits = {len(c.code) for c in self.communes if c.code.isdigit()}
        self._code_width = digits.pop() if len(digits) == 1 else None
        day = self.settings.get("deadline_day", "5").strip()
        if not day.isdigit() or not 1 <= int(day) <= 31:
            raise CatalogError(f"settings.csv: deadline_day phải là một ngày từ 1 đến 31, không phải {day!r}")
        for rule in self.rules:
            unknown = [c for c in rule.codes if c not in self.indicator_by_code]
            if unknown:
                raise CatalogError(f"rules.csv: {rule.code}: chỉ tiêu không có: {', '.join(unknown)}")

    # -- look-ups

    @property
    def deadline_day(self) -> int:
        """Day of the following month by which a return is on time (default the 5th)."""
        return int(self.settings.get("deadline_day", "5"))

    @property
    def has_groups(self) -> bool:
        return any(i.group for i in self.indicators)

    def indicator(self, text: str) -> str | None:
        """An indicator's code from its code, label or alias, in any case or accents."""
        folded = fold(nfc(str(text)))
        if not folded:
            return None
        return self._indicator_index.get(folded) or self._indicator_index.get(
            folded.replace(" ", "")
        )

    def commune(self, text: object) -> str | None:
        """A commune's code from its code, name (with or without prefix) or alias."""
        if isinstance(text, float) and text.is_integer():
            text = int(text)
        raw = nfc(str(text)).strip()
        if not raw:
            return None
        if raw.isdigit() and self._code_width and len(raw) < self._code_width:
            raw = raw.zfill(self._code_width)
        folded = fold(raw)
        return self._commune_index.get(folded) or self._commune_index.get(
            strip_commune_prefix(folded)
        )

    def suggest_communes(self, text: str, n: int = 3) -> list[str]:
        """The closest commune names, for "did you mean"."""
        folded = strip_commune_prefix(fold(nfc(text)))
        by_key = {strip_commune_prefix(fold(c.name)): c.name for c in self.communes}
        for c in self.communes:
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
        found = self.commune_by_code.get(code)
        return found.name if found else code

    # -- files

    @classmethod
    def from_folder(cls, folder: Path | str) -> Catalog:
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
            )
            for row in _read_csv(folder / "indicators.csv", ("code", "label", "type", "over_time"))
        ]
        communes = [
            Commune(code=row["code"], name=row["name"], aliases=_aliases(row.get("aliases")))
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
        if not indicators or not communes:
            raise CatalogError(f"{folder}: danh mục chỉ tiêu hoặc danh mục xã trống")
        return cls(indicators, communes, rules, settings)

    def write_folder(self, folder: Path) -> None:
        """Write the catalog as the CSV files :meth:`from_folder` reads."""
        folder.mkdir(parents=True, exist_ok=True)
        _write_csv(
            folder / "indicators.csv",
            ("code", "label", "unit", "type", "over_time", "aliases", "group"),
            (
                (i.code, i.label, i.unit, i.type, i.over_time, "|".join(i.aliases), i.group)
                for i in self.indicators
            ),
        )
        _write_csv(
            folder / "communes.csv",
            ("code", "name", "aliases"),
            ((c.code, c.name, "|".join(c.aliases)) for c in self.communes),
        )
        _write_csv(
            folder / "rules.csv",
            ("code", "rule", "severity", "message"),
            ((r.code, r.text, r.severity, r.message) for r in self.rules),
        )
        _write_csv(folder / "settings.csv", ("key", "value"), self.settings.items())


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


def _choice(row: dict[str, str], column: str, allowed: tuple[str, ...], name: str) -> str:
    value = (row.get(column) or "").strip().lower()
    if value not in allowed:
        raise CatalogError(
            f"{name}: {row.get('code')}: cột {column} phải là {' hoặc '.join(allowed)}, không phải {value!r}"
        )
    return value


def _read_csv(path: Path, required: Iterable[str]) -> list[dict[str, str]]:
    if not path.exists():
        raise CatalogError(f"thiếu tệp danh mục: {path}")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path}: tệp danh mục phải là UTF-8 ({exc.reason})") from exc
    reader = csv.DictReader(io.StringIO(nfc(text)))
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
