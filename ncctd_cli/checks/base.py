"""What every check shares: the :class:`Check` entry, the batch being checked
(:class:`Checking`, with what is derived from the frame once for all checks: each return's
commune and month, each cell's number), and :func:`run_checks`.

Stages order the problems of one return as a clerk reads them: what the layout found, the
commune, the month, the value cells (by cell), an empty return, the catalog's rules, the
commune's history, the store. Within a stage problems follow the cells' order.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..cellfacts import CellError, NoValue
from ..problems import Problem, Severity
from ..vietnamese import (
    COMMA_DECIMAL,
    COMMA_GROUPS,
    DOT_DECIMAL,
    NumberTextError,
    Period,
    file_number_style,
    number_style_of,
    parse_number_text,
    parse_period,
)

if TYPE_CHECKING:
    import numpy as np

    from ..catalog import Catalog, Commune, NotActive
    from ..frame import Frame
    from ..history import History, Known

_UNSEEN: Any = object()  # not looked up yet (None is an answer: no such unit)

STRUCTURE, COMMUNE, PERIOD, VALUES, COMPLETE, DUPLICATES, RULES, HISTORY, STORE = 10, 20, 30, 40, 50, 55, 60, 70, 80

# How a raw cell reads as a number (Checking.reads)
EMPTY, NUMBER, NOT_NUMBER, FORMULA_TEXT, OTHER_TYPE, NOT_FINITE, ERROR_CELL, NO_VALUE = 0, 1, 2, 3, 4, 5, 6, 7

# How a file writes text numbers (Checking.styles)
VIETNAMESE, ENGLISH, MIXED = 0, 1, 2


@dataclass(frozen=True)
class Check:
    """One registered check.

    ``run(batch)`` reports what it finds with :meth:`Checking.report`. ``clean_before``: the
    check looks only at returns that have no error from a stage before that one (the rules
    and the history judge only returns whose cells are all right)."""

    name: str
    codes: tuple[str, ...]
    stage: int
    run: Callable[[Checking], None]
    clean_before: int | None = None


@dataclass
class CheckOptions:
    today: Period
    decimal_point: bool = False


@dataclass
class _Found:
    ret: int
    stage: int
    order: int
    problem: Problem


@dataclass
class Checking:
    """A batch of returns being checked: the frame, and what is derived from it once.

    ``accept``: given the returns judged so far without error (a bool per return), which of
    them go into the history the later returns are checked against (the ingest decides,
    against the store, which are refused as already stored); default: all of them."""

    frame: Frame
    catalog: Catalog
    options: CheckOptions
    history: History | None = None
    accept: Callable[[Checking, np.ndarray], np.ndarray] | None = None
    # what the batch's earlier chunks held: (commune, month) → (content hash, where it came from)
    seen: dict[tuple[str, int], tuple[str, str]] | None = None
    # how each file writes numbers and the cells that show it, when decided on more than this
    # batch (a piece of a file's returns: the whole file's, see :meth:`file_styles`)
    known_styles: dict[str, tuple[int, dict[int, str]]] | None = None
    found: list[_Found] = field(default_factory=list)
    gate: Any = None  # of each return: the running check looks at it (see Check.clean_before)
    _digests: dict[int, str] = field(default_factory=dict)
    _error_stage: dict[int, int] = field(default_factory=dict)  # return → earliest error stage

    # ---------------------------------------------------------------- reporting

    def report(
        self,
        r: int,
        stage: int,
        code: str,
        *,
        order: int = -1,
        cell: str | None = None,
        indicator: str | None = None,
        severity: Severity | None = None,
        **params: Any,
    ) -> None:
        """A problem of return ``r`` (``order``: the value it is about, to keep the cells'
        order). Nothing is reported for a return refused before checking (an unreadable file)."""
        ret = self.frame.returns[r]
        if not self.active[r]:
            return
        problem = Problem.of(code, severity=severity, **params).at(
            file=ret.file,
            sheet=ret.sheet,
            cell=cell,
            commune=ret.commune_label,
            period=ret.period_label,
            indicator=indicator,
        )
        self.found.append(_Found(r, stage, order, problem))
        if problem.is_error:
            earliest = self._error_stage.get(r)
            if earliest is None or stage < earliest:
                self._error_stage[r] = stage

    def clean_before(self, stage: int) -> np.ndarray:
        """Of each return: active, and no error found in a stage before ``stage``."""

        clean = self.active.copy()
        for r, earliest in self._error_stage.items():
            if earliest < stage:
                clean[r] = False
        return clean

    @property
    def n_returns(self) -> int:
        return len(self.frame.returns)

    @cached_property
    def active(self) -> np.ndarray:
        """Returns to check (not those refused before: an unreadable file's)."""
        import numpy as np

        return np.array([ret.status != "rejected" for ret in self.frame.returns], dtype=bool)

    def finish(self) -> None:
        """Each return's problems, in the order a clerk reads them: what the checks found,
        then what the store said while they ran (``already-stored``)."""
        self.found.sort(key=lambda f: (f.ret, f.stage, f.order))
        by_return: dict[int, list[Problem]] = {}
        for item in self.found:
            by_return.setdefault(item.ret, []).append(item.problem)
        returns = self.frame.returns
        for r, problems in by_return.items():
            returns[r].problems[:0] = problems
        self.found = []

    # ---------------------------------------------------------------- identity

    @cached_property
    def resolved(self) -> tuple[list[str | None], dict[int, NotActive]]:
        """The unit of each return, resolved in the return's month (codes are reused: 04456
        is one unit in 2024 and another in 2026): its key, None when not named, naming no
        unit, or naming one not valid in that month; and those last ones by return, with
        what the catalog says of them (ended: its successors; not begun: its
        predecessors). A return naming no readable month is resolved whatever the month
        (the first unit the text names), as a catalog without months always is: its month
        is its problem. Each spelling is looked up once, each (spelling, month) once."""
        catalog = self.catalog
        over_time = catalog.has_validity
        named: dict[tuple[type, Any], list[Commune]] = {}
        cache: dict[tuple[type, Any, Period | None], str | NotActive | None] = {}
        keys: list[str | None] = []
        inactive: dict[int, NotActive] = {}
        for r, (ret, period) in enumerate(zip(self.frame.returns, self.parsed_periods, strict=True)):
            text = ret.commune_text
            if text is None:
                keys.append(None)
                continue
            spelling = (type(text), text)
            when = period if over_time else None
            found = cache.get((*spelling, when), _UNSEEN)
            if found is _UNSEEN:
                units = named.get(spelling)
                if units is None:
                    exact, stripped = catalog.timeline.candidates(text)
                    units = named[spelling] = list(dict.fromkeys((*exact, *stripped)))
                if not units:
                    found = None
                elif when is None:
                    found = units[0].key
                else:
                    valid = next((u for u in units if u.valid_in(when)), None)
                    found = valid.key if valid is not None else catalog.resolve(text, when)
                cache[(*spelling, when)] = found
            if isinstance(found, str):
                keys.append(found)
                ret.commune = found
            else:
                keys.append(None)
                if found is not None:
                    inactive[r] = found
        return keys, inactive

    @property
    def communes(self) -> list[str | None]:
        """The unit key of each return (see :attr:`resolved`; the code itself for a unit
        that is the first of its code, so every unit of a catalog without months). Sets
        ``Return.commune``."""
        return self.resolved[0]

    @property
    def not_active(self) -> dict[int, NotActive]:
        """The returns naming a unit that is not valid in their month, with what the
        catalog says of it (problem ``unit-not-active``)."""
        return self.resolved[1]

    @cached_property
    def parsed_periods(self) -> list[Period | None]:
        """The month each return names (None: not named, or not a month); each spelling read
        once."""
        cache: dict[tuple[type, Any], Period | None] = {}
        found: list[Period | None] = []
        for ret in self.frame.returns:
            text = ret.period_text
            period = None
            if text is not None:
                key = (type(text), text)
                if key in cache:
                    period = cache[key]
                else:
                    period = cache[key] = parse_period(text)
            found.append(period)
        return found

    @cached_property
    def periods(self) -> list[Period | None]:
        """The month of each return, None for a month to come too. Sets ``Return.period``."""
        today = self.options.today
        found = [None if p is None or p > today else p for p in self.parsed_periods]
        for ret, period in zip(self.frame.returns, found, strict=True):
            if period is not None:
                ret.period = period
        return found

    @cached_property
    def month(self) -> np.ndarray:
        """Of each return, its month's index (-1: none)."""
        import numpy as np

        return np.array([-1 if p is None else p.index for p in self.periods], dtype=np.int64)

    @cached_property
    def commune_numbers(self) -> tuple[np.ndarray, list[str]]:
        """Of each return, a number for its commune (-1: none), and the codes numbered."""
        import numpy as np

        named = sorted({c for c in self.communes if c is not None})
        number = {c: n for n, c in enumerate(named)}
        return np.array([-1 if c is None else number[c] for c in self.communes], dtype=np.int64), named

    # ---------------------------------------------------------------- cells

    @cached_property
    def codes(self) -> list[str]:
        return [i.code for i in self.catalog.indicators]

    def _read_raws(self, decimal_point: bool) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Each distinct raw cell read once: (how it reads: EMPTY, NUMBER, NOT_NUMBER...; the
        number; the text a message quotes). The last entry stands for an empty cell (-1)."""
        import numpy as np

        raws = self.frame.raws
        reads = np.zeros(len(raws) + 1, dtype=np.int8)
        numbers = np.zeros(len(raws) + 1)
        texts = [""] * (len(raws) + 1)
        for n, raw in enumerate(raws):
            if type(raw) is float:
                if math.isfinite(raw):
                    reads[n], numbers[n] = NUMBER, raw
                else:
                    reads[n] = NOT_FINITE
                continue
            if isinstance(raw, CellError):
                reads[n], texts[n] = ERROR_CELL, raw.text
                continue
            if isinstance(raw, NoValue):
                reads[n], texts[n] = NO_VALUE, raw.formula
                continue
            if isinstance(raw, bool | _dt.date | _dt.time | _dt.timedelta):
                reads[n], texts[n] = OTHER_TYPE, str(raw)
                continue
            if isinstance(raw, int | float):
                if math.isfinite(raw):
                    reads[n], numbers[n] = NUMBER, float(raw)
                else:
                    reads[n] = NOT_FINITE
                continue
            try:
                number = parse_number_text(raw if isinstance(raw, str) else str(raw), decimal_point=decimal_point)
            except NumberTextError as error:
                reads[n] = FORMULA_TEXT if error.code == "formula-text" else NOT_NUMBER
                texts[n] = error.text
                continue
            if number is not None:
                reads[n], numbers[n] = NUMBER, number
        return reads, numbers, texts

    @cached_property
    def raw_reads(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Each distinct raw cell read the Vietnamese way (or with ``--decimal-point``)."""
        return self._read_raws(self.options.decimal_point)

    @cached_property
    def english_reads(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """Each distinct raw cell read the English way (decimal point, comma groups)."""
        return self._read_raws(True) if not self.options.decimal_point else self.raw_reads

    @cached_property
    def text_styles(self) -> np.ndarray:
        """Of each distinct raw cell: what its text shows of its number style (the bits of
        :func:`ncctd_cli.vietnamese.number_style_of`); 0 for anything else."""
        import numpy as np

        styles = np.zeros(len(self.frame.raws) + 1, dtype=np.int8)
        for n, raw in enumerate(self.frame.raws):
            if isinstance(raw, str):
                styles[n] = number_style_of(raw)
        return styles

    @cached_property
    def file_numbers(self) -> tuple[np.ndarray, list[str]]:
        """Of each return, a number for its file; the files."""
        import numpy as np

        files: dict[str, int] = {}
        numbers = [files.setdefault(ret.file, len(files)) for ret in self.frame.returns]
        return np.array(numbers, dtype=np.int64), list(files)

    @cached_property
    def styles(self) -> np.ndarray:
        """Of each file (see :attr:`file_numbers`): how it writes text numbers, from the
        evidence of all its value cells (:func:`ncctd_cli.vietnamese.file_number_style`):
        VIETNAMESE (the default), ENGLISH or MIXED."""
        import numpy as np

        file_of_return, files = self.file_numbers
        frame = self.frame
        if self.options.decimal_point:
            return np.full(len(files), ENGLISH, dtype=np.int8)
        if self.known_styles is not None:
            return np.array([self.known_styles[f][0] for f in files], dtype=np.int8)
        shown = np.where(frame.indicator >= 0, self.text_styles[frame.raw], 0).astype(np.int64)
        together = np.zeros(len(files), dtype=np.int64)
        np.bitwise_or.at(together, file_of_return[frame.ret], shown)
        kinds = {"vi": VIETNAMESE, "en": ENGLISH, "mixed": MIXED}
        return np.array([kinds[file_number_style(int(s))] for s in together.tolist()], dtype=np.int8)

    @cached_property
    def style_evidence(self) -> dict[tuple[int, int], str]:
        """(file, style bit: ``COMMA_DECIMAL``, ``DOT_DECIMAL``, ``COMMA_GROUPS``) → the text
        of the file's first value cell written so: what its style was decided on."""
        import numpy as np

        file_of_return, files = self.file_numbers
        if self.known_styles is not None:
            return {(f, bit): text for f, name in enumerate(files) for bit, text in self.known_styles[name][1].items()}
        frame = self.frame
        shown = np.where(frame.indicator >= 0, self.text_styles[frame.raw], 0)
        found: dict[tuple[int, int], str] = {}
        for bit in (COMMA_DECIMAL, DOT_DECIMAL, COMMA_GROUPS):
            values = np.flatnonzero(shown & bit)
            of_file = file_of_return[frame.ret[values]]
            if len(of_file) and (of_file[1:] >= of_file[:-1]).all():  # a file's returns together
                first = np.flatnonzero(np.diff(of_file, prepend=-1))
                first_files = of_file[first]
            else:
                first_files, first = np.unique(of_file, return_index=True)
            for f, v in zip(first_files.tolist(), values[first].tolist(), strict=True):
                found[(f, bit)] = str(frame.raws[int(frame.raw[v])]).strip()
        return found

    def file_styles(self) -> dict[str, tuple[int, dict[int, str]]]:
        """By file name: :attr:`styles` and :attr:`style_evidence` (for the pieces of this
        batch: ``known_styles``)."""
        evidence: dict[int, dict[int, str]] = {}
        for (f, bit), text in self.style_evidence.items():
            evidence.setdefault(f, {})[bit] = text
        _, files = self.file_numbers
        return {name: (style, evidence.get(f, {})) for f, (name, style) in enumerate(zip(files, self.styles.tolist(), strict=True))}

    @cached_property
    def english(self) -> np.ndarray:
        """Of each value: its text is read the English way (its file writes numbers so)."""
        file_of_return, _ = self.file_numbers
        frame = self.frame
        return (self.styles[file_of_return[frame.ret]] == ENGLISH) & (self.text_styles[frame.raw] > 0)

    @cached_property
    def reads(self) -> np.ndarray:
        """Of each value: how its cell reads (EMPTY, NUMBER, NOT_NUMBER, ...)."""
        import numpy as np

        raw = self.frame.raw
        return np.where(self.english, self.english_reads[0][raw], self.raw_reads[0][raw])

    @cached_property
    def numbers(self) -> np.ndarray:
        """Of each value: its cell's number (0 where it holds none)."""
        import numpy as np

        raw = self.frame.raw
        return np.where(self.english, self.english_reads[1][raw], self.raw_reads[1][raw])

    def digests(self, rets: list[int]) -> dict[int, str]:
        """The content hash of each of some returns (its reported values), each once."""
        import numpy as np

        from ..hashing import content_hashes

        cache = self._digests
        wanted = [r for r in rets if r not in cache]
        if wanted:
            chosen = np.zeros(self.n_returns, dtype=bool)
            chosen[wanted] = True
            frame = self.frame
            values = np.flatnonzero(self.reported & chosen[frame.ret])
            number = np.full(self.n_returns, -1, dtype=np.int64)
            number[wanted] = np.arange(len(wanted))
            found = content_hashes(
                number[frame.ret[values]], frame.indicator[values], self.values[values], self.codes, len(wanted)
            )
            cache.update(zip(wanted, found, strict=True))
        return {r: cache[r] for r in rets}

    @cached_property
    def kept(self) -> np.ndarray:
        """Of each value: the first cell of its return naming its indicator (a later one
        with the same number is not counted twice; with another, it is an error)."""
        import numpy as np

        frame = self.frame
        kept = np.zeros(len(frame), dtype=bool)
        known = np.flatnonzero(frame.indicator >= 0)
        if not len(known):
            return kept
        slot = frame.ret[known] * len(self.codes) + frame.indicator[known]
        _, first = np.unique(slot, return_index=True)
        kept[known[first]] = True
        return kept

    @cached_property
    def integer(self) -> np.ndarray:
        """Of each value of a known indicator: whether the indicator counts whole units."""
        import numpy as np

        integer = np.array([i.is_integer for i in self.catalog.indicators] + [False], dtype=bool)
        return integer[self.frame.indicator]

    @cached_property
    def values(self) -> np.ndarray:
        """Of each value: the number stored (an integer indicator's rounded; -0 is 0)."""
        import numpy as np

        numbers = self.numbers
        return np.where(self.integer, np.round(numbers), numbers) + 0.0

    @cached_property
    def reported(self) -> np.ndarray:
        """Of each value: a reported number the return keeps (kept, a number, not negative,
        not a fraction of an integer indicator)."""
        import numpy as np

        numbers = self.numbers
        ok = self.kept & (self.reads == NUMBER) & (numbers >= 0)
        with np.errstate(invalid="ignore"):
            ok &= ~(self.integer & (np.abs(numbers - np.round(numbers)) > 1e-9))
        return ok

    # ---------------------------------------------------------------- judgement

    @cached_property
    def judged(self) -> np.ndarray:
        """Of each return: its rules and history are judged (no error before the rules)."""
        return self.clean_before(RULES)

    @cached_property
    def accepted(self) -> np.ndarray:
        """Of each return: it goes into the history the returns after it are checked against
        (no error from the cells or the rules, and taken by the store)."""
        candidates = self.clean_before(HISTORY)
        return self.accept(self, candidates) if self.accept is not None else candidates

    @cached_property
    def known(self) -> Known:
        """What each reported value of a judged return is compared with: the commune's
        earlier values of that indicator (:func:`ncctd_cli.history.known_values`)."""
        from ..history import known_values

        return known_values(self)
