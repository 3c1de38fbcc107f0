"""The domain records that flow through the pipeline.

file → sheet reader → layout parser → :class:`Return` records, their value cells in a
:class:`~ncctd_cli.frame.Frame` → checks (add :class:`~ncctd_cli.problems.Problem` records)
→ store → roll-up → renderers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .problems import PROBLEM_FIELDS, Problem, Severity
from .units import code_of_key
from .vietnamese import Period

__all__ = ["PROBLEM_FIELDS", "Problem", "Return", "Severity", "Value", "cell_ref"]


@dataclass
class Value:
    """One indicator's value in one return, with the cell it came from (what
    :func:`ncctd_cli.api.read_file` gives; a batch keeps its values in a frame)."""

    indicator: str
    raw: Any  # the cell as read: a number, text, a date or None
    cell: str | None = None
    value: float | None = None  # the number read; None: empty, "not reported"


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
    # a second cell naming the commune (a name column beside a code column): (text, cell)
    commune_alt: tuple[Any, str] | None = None
    # what the layout parser found wrong or worth saying: (problem code, cell, parameters)
    findings: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)
    commune: str | None = None  # the unit's key: its code, or code@YYYY-MM for a reused code
    period: Period | None = None
    values: dict[str, Value] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    file_sha256: str | None = None
    received_at: str | None = None  # the day it arrived (ISO), when not the time of the import
    arrival_known: bool = True  # False: loaded from an archive, the day it arrived is unknown
    status: str = "pending"  # stored | replaced | unchanged | rejected | valid | cancelled

    def problem(
        self,
        code: str,
        *,
        cell: str | None = None,
        indicator: str | None = None,
        severity: Severity | None = None,
        **params: Any,
    ) -> Problem:
        """Record a problem located in this return."""
        found = Problem.of(code, severity=severity, **params).at(
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
        """The resolved commune's code (with the return's month it names one unit, even a
        code reused after an administrative change), else what the file said."""
        if self.commune:
            return code_of_key(self.commune)
        return None if self.commune_text is None else cell_text(self.commune_text)

    @property
    def period_label(self) -> str | None:
        if self.period:
            return str(self.period)
        return None if self.period_text is None else cell_text(self.period_text)

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


def parse_cell_ref(ref: str) -> tuple[int, int]:
    """A1 reference → zero-based (row, col); ``("E13")`` → ``(12, 4)``."""
    letters = ref.rstrip("0123456789")
    col = 0
    for ch in letters.upper():
        col = col * 26 + ord(ch) - 64
    return int(ref[len(letters) :]) - 1, col - 1


def cell_text(value: Any) -> str:
    """A cell as text: ``4456.0`` → ``4456``, a date in ISO form, anything else ``str``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
