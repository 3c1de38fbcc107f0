"""The domain records that flow through the pipeline.

file → sheet reader → layout parser → :class:`Return` (values with their source cell)
→ validator (adds :class:`Problem` records) → store → roll-up → renderers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .vietnamese import Period

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


@dataclass(frozen=True)
class Problem:
    """Something wrong with a file, a return or a value. Problems are values, not exceptions."""

    severity: Severity
    code: str
    message: str
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    commune: str | None = None
    period: str | None = None
    indicator: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in PROBLEM_FIELDS}

    def where(self) -> str:
        """``file › sheet › cell`` for messages."""
        parts = [p for p in (self.file, self.sheet, self.cell) if p]
        return " › ".join(parts)


@dataclass
class Value:
    """One indicator's value in one return, with the cell it came from."""

    indicator: str
    raw: Any  # the cell as read: a number, text, a date or None
    cell: str | None = None
    value: float | None = None  # set by the validator; None: empty, "not reported"


@dataclass
class Return:
    """One commune's return for one month, as read from one sheet (or CSV rows).

    ``commune_text``/``period_text`` are what the file said; ``commune``/``period`` are what
    they resolved to (``None`` when they could not be resolved: the return is refused).
    """

    file: str
    sheet: str | None
    layout: str
    commune_text: Any = None  # a cell value: text, or a number for a commune code
    commune_cell: str | None = None
    period_text: Any = None  # a cell value: text, or a date
    period_cell: str | None = None
    commune: str | None = None
    period: Period | None = None
    values: dict[str, Value] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    file_sha256: str | None = None
    status: str = "pending"  # stored | replaced | unchanged | rejected | valid

    def problem(
        self,
        severity: Severity,
        code: str,
        message: str,
        *,
        cell: str | None = None,
        indicator: str | None = None,
    ) -> Problem:
        """Record a problem located in this return."""
        found = Problem(
            severity=severity,
            code=code,
            message=message,
            file=self.file,
            sheet=self.sheet,
            cell=cell,
            commune=self.commune_label,
            period=self.period_label,
            indicator=indicator,
        )
        self.problems.append(found)
        return found

    @property
    def commune_label(self) -> str | None:
        """The resolved commune code, else what the file said."""
        if self.commune:
            return self.commune
        return None if self.commune_text is None else _cell_text(self.commune_text)

    @property
    def period_label(self) -> str | None:
        if self.period:
            return str(self.period)
        return None if self.period_text is None else _cell_text(self.period_text)

    @property
    def refused(self) -> bool:
        return any(p.is_error for p in self.problems)

    @property
    def reported(self) -> dict[str, float]:
        """The reported values (empty cells left out)."""
        return {code: v.value for code, v in self.values.items() if v.value is not None}

    def to_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "commune": self.commune_label,
            "period": self.period_label,
            "status": self.status,
            "problems": [p.to_json() for p in self.problems],
        }


def cell_ref(row: int, col: int) -> str:
    """Zero-based (row, col) → A1 reference."""
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
