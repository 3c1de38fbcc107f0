"""Long tables by columns: the national path through the pipeline.

A long CSV (a row per commune, month, indicator and value) of tens of thousands of lines or
more (a province's or a country's year: millions of rows) is not turned into a Python object
per cell. It is read column by column (pandas' C reader; each column as categories, so each
distinct spelling is held once), and checked a column at a time:

- each distinct spelling of a commune, a month, an indicator or a number is read once, by
  the same functions the row path uses (``Catalog.commune``, ``parse_period``,
  ``Catalog.indicator``, ``parse_number_text``);
- rows are grouped into returns by (commune, month) spelling, in the order they first
  appear, as ``layouts._parse_long`` does;
- the rules, and the checks against each commune's history (a stock that falls, a value far
  above the commune's median), are array arithmetic over many returns at once;
- the accepted returns go to the store with their content hashes computed in bulk, a piece
  of the table (all the months of some communes) being checked while the store's thread
  commits the piece before.

The results are those of the row path: the same returns in the same order, the same
statuses, the same problems (worded by the :class:`Validator`), the same rows in the store.
``tests/test_tables.py`` compares the two paths on tables full of faults. What the columns
cannot judge exactly, they hand back:

- a return with a fault in its rows (a commune or month not read, a number that is not one,
  a negative value, an unknown indicator with a value, no value at all, two different values
  of one indicator) is rebuilt from its lines by the layout parser and checked by the
  Validator like any return. Those faults are errors, so such a return is refused: it
  touches neither the store nor the history the other returns are checked against (were
  one not refused, the table would go row by row);
- a table whose history checks depend on the order of its returns is read row by row:
  a commune's months out of order, a month before the commune's latest stored one that is
  not stored itself, a stored month sent with other values (replacing is decided return by
  return), or ``--strict`` (a warning then refuses a return, so the history depends on
  the checks). A stored month sent again with the same values (a script's re-run) is
  judged by columns: it is checked against the commune's other months, as the row path
  checks it, and is ``unchanged``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .guards import Limits
from .layouts import TOTAL_WORDS, _parse_long, _same_number, _text, long_columns
from .model import Return, cell_ref
from .sheets import Cell, Sheet, SourceFile, read_csv_rows
from .store import canonical_part, hash_of_parts
from .validate import OUTLIER_FACTOR, OUTLIER_MIN_HISTORY, History, Validator, _Series
from .vietnamese import NumberTextError, fold, fold_header, parse_number_text

if TYPE_CHECKING:
    import numpy as np


HEADER_SCAN_LINES = 60  # the header row is within the first lines (as for a form)


@dataclass
class Column:
    """One column of a table: a code per row (-1: an empty cell) into its spellings."""

    codes: np.ndarray
    spellings: list[str]


@dataclass
class LongTable:
    """A long CSV read by columns: the commune, period, indicator and value of each row that
    holds anything, with the line each row is on."""

    file: str
    text: str  # the decoded text: the row path reads it again if the columns cannot judge
    delimiter: str
    limits: Limits
    header_line: int  # 1-based
    positions: tuple[int, int, int, int]  # columns (0-based) of commune, period, indicator, value
    commune: Column
    period: Column
    indicator: Column
    value: Column
    lines: np.ndarray  # the line of each row (1-based)
    sha256: str | None = None

    def __len__(self) -> int:
        return len(self.lines)

    def row_source(self) -> SourceFile:
        """The same file read row by row, as the row path reads it."""
        return read_csv_rows(self.text, self.delimiter, SourceFile(self.file, "csv", self.sha256), self.limits)

    def sheet_of_lines(self, lines: list[int]) -> Sheet:
        """A sheet holding the header row and the given lines (ascending), read as the row
        reader reads them: what the layout parser rebuilds returns from."""
        text_lines = self.text.split("\n")
        wanted = [self.header_line, *lines]
        rows: list[list[Cell]] = []
        for number in wanted:
            record = next(csv.reader([text_lines[number - 1].removesuffix("\r")], delimiter=self.delimiter), [])
            rows.append([v if v.strip() else None for v in record])
        return Sheet(self.file, None, rows, wanted)


def read_long_table(
    text: str, delimiter: str, file: str, limits: Limits, min_lines: int = 0
) -> LongTable | None:
    """A CSV's decoded, checked text read by columns, or None when it has fewer than
    ``min_lines`` lines or is not a long table whose every record is one line (the row
    reader then reads it, and says what is wrong)."""
    lines_total = text.count("\n") + (0 if text.endswith("\n") else 1)
    if lines_total < min_lines:
        return None
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    found = _header(text, delimiter)
    if found is None:
        return None
    header_line, positions = found
    import pandas as pd

    data = text.encode("utf-8")

    def read(dtype: str, usecols: list[int] | None = None) -> pd.DataFrame:  # "category" or "str"
        return pd.read_csv(
            io.BytesIO(data),
            sep=delimiter,
            header=None,
            skiprows=header_line,
            usecols=usecols,
            dtype=dtype,
            na_filter=False,
            keep_default_na=False,
            skip_blank_lines=False,
            engine="c",
            encoding="utf-8",
        )

    unreadable = (ValueError, TypeError, OverflowError, csv.Error, UnicodeError)  # (ParserError: a ValueError)
    try:
        frame = read("category")
    except unreadable:
        return None  # rows wider than the first, a quote left open...: the row reader says
    if len(frame) != lines_total - header_line or frame.shape[1] > limits.max_columns:
        return None  # a quoted cell spanning lines: the row reader counts lines right
    if frame.shape[1] <= max(positions):
        return None
    import numpy as np

    columns: list[Column] = []
    filled = np.zeros(len(frame), dtype=bool)  # rows holding anything
    for position in range(frame.shape[1]):
        categorical = frame[position].cat
        spellings = list(categorical.categories)
        if all(type(s) is str for s in spellings):
            codes = categorical.codes.to_numpy().astype(np.int32)
        else:
            # pandas turned a column of number-like cells into numbers ("1.700" → 1.7,
            # "04456" → 4456): that column is read again as text, its spellings kept
            try:
                texts = read("str", [position])[position].to_numpy(dtype=object)
            except unreadable:
                return None
            as_text, uniques = pd.factorize(texts)
            codes, spellings = as_text.astype(np.int32), [str(u) for u in uniques]
        blank = np.array([not s.strip() for s in spellings] + [True], dtype=bool)  # last: -1
        codes[blank[codes]] = -1  # a cell of spaces is an empty cell, as the row reader reads it
        filled |= codes >= 0
        if position in positions:
            columns.append(Column(codes, spellings))
    del frame
    by_position = dict(zip(sorted(positions), columns, strict=True))
    keep = np.flatnonzero(filled)
    commune, period, indicator, value = (
        Column(by_position[p].codes[keep], by_position[p].spellings) for p in positions
    )
    return LongTable(
        file=file,
        text=text,
        delimiter=delimiter,
        limits=limits,
        header_line=header_line,
        positions=positions,
        commune=commune,
        period=period,
        indicator=indicator,
        value=value,
        lines=keep.astype(np.int64) + header_line + 1,
    )


def _header(text: str, delimiter: str) -> tuple[int, tuple[int, int, int, int]] | None:
    """(line, columns) of the first row holding anything, when it is a long table's header."""
    head = text[: 1 << 16].split("\n")[:HEADER_SCAN_LINES]
    for number, line in enumerate(head, 1):
        try:
            record = next(csv.reader([line.removesuffix("\r")], delimiter=delimiter), [])
        except csv.Error:
            return None
        if not any(v.strip() for v in record):
            continue
        if line.count('"') % 2:
            return None  # a quoted cell spanning lines
        positions = long_columns([fold_header(_text(v if v.strip() else None)) for v in record])
        return None if positions is None else (number, positions)
    return None


# ------------------------------------------------------------------ checking by columns


@dataclass
class Accepted:
    """What storing one accepted return needs."""

    values: dict[str, float]  # in the order of its rows
    cells: list[str]
    digest: str


@dataclass
class TableCheck:
    """The returns of a long table, in the order they first appear, judged a piece at a
    time (:attr:`pieces`, :meth:`judge`), and for each (see :meth:`verdict`): ``None`` (a
    fault in its rows: checked by the Validator, and refused), ``False`` (refused by a
    rule), or what storing it needs."""

    returns: list[Return] = field(default_factory=list)
    verdicts: list[bool | None] = field(default_factory=list)  # True: accepted
    communes: set[str] = field(default_factory=set)  # of the returns the columns judged
    pieces: list[tuple[int, int]] = field(default_factory=list)  # (first, past the last)
    _judging: _Judging | None = None
    # the piece judged last: what verdict() builds an accepted return's Accepted from
    _first: int = 0  # its first value's position in the t_ arrays
    _codes: list[str] = field(default_factory=list)
    _values: list[float] = field(default_factory=list)
    _lines: list[int] = field(default_factory=list)
    _parts: list[str] = field(default_factory=list)  # canonical JSON parts, by return and code

    def judge(self, first: int, last: int) -> None:
        """Check returns ``first`` … ``last - 1`` (a piece) against the rules and the
        history, and make ready what :meth:`verdict` gives for them."""
        import numpy as np

        j = self._judging
        if j is None:
            return
        codes = [i.code for i in j.validator.catalog.indicators]
        index_of = {code: n for n, code in enumerate(codes)}
        a, b = int(j.starts[first]), int(j.starts[last])
        t_ret, t_ind, t_value = j.t_ret[a:b], j.t_ind[a:b], j.t_value[a:b]
        clean = np.zeros(len(j.clean), dtype=bool)
        clean[first:last] = j.clean[first:last]
        # rules, over a returns × indicators matrix (NaN: not reported)
        matrix = np.full((last - first, len(codes)), np.nan)
        matrix[t_ret - first, t_ind] = t_value
        refused = np.zeros(len(clean), dtype=bool)
        for rule in j.validator.catalog.rules:
            broken = np.zeros(len(clean), dtype=bool)
            broken[first:last] = _breaks(rule, matrix, index_of)
            broken &= clean
            for r in np.flatnonzero(broken).tolist():
                j.validator.rule_broken(self.returns[r], rule)
            if rule.severity == "error":
                refused |= broken
        accepted = clean & ~refused
        # the history: a stock lower than the month before, a value far above the median
        _against_history(
            self, j.validator, j.history, clean, accepted, j.resent, t_ret, t_ind, t_value, j.month,
            j.ret_commune_no, j.named, (j.letter, j.t_lines[a:b]), codes,
        )
        for r in range(first, last):
            if clean[r]:
                self.verdicts[r] = bool(accepted[r])
        self._first = a
        self._codes = np.array(codes, dtype=object)[t_ind].tolist()
        self._values = t_value.tolist()
        self._lines = j.t_lines[a:b].tolist()
        self._parts = _parts(t_ret, t_ind, t_value, codes)

    def verdict(self, r: int) -> Accepted | bool | None:
        """Of a return of the piece judged last."""
        if self.verdicts[r] is not True:
            return self.verdicts[r]
        assert self._judging is not None
        a = int(self._judging.starts[r]) - self._first
        b = int(self._judging.starts[r + 1]) - self._first
        letter = self._judging.letter
        return Accepted(
            dict(zip(self._codes[a:b], self._values[a:b], strict=True)),
            [f"{letter}{line}" for line in self._lines[a:b]],
            hash_of_parts(self._parts[a:b]),
        )


def check_table(table: LongTable, validator: Validator, history: History) -> TableCheck | None:
    """Group a long table's rows into returns and check them by columns; None when the
    table must go the row path (see the module's docstring)."""
    import numpy as np
    import pandas as pd

    catalog = validator.catalog
    codes = [i.code for i in catalog.indicators]

    # -- the rows: total rows out; each distinct spelling read once
    commune_spelling = table.commune.spellings
    total = np.array([fold(s) in TOTAL_WORDS for s in commune_spelling] + [False])
    rows = np.flatnonzero(~total[table.commune.codes])
    commune_codes = table.commune.codes[rows]
    period_codes = table.period.codes[rows]
    lines = table.lines[rows]

    # -- returns: one per (commune, period) spelling pair (as _text reads them), first seen first
    commune_key = pd.factorize(np.array([_text(s) for s in commune_spelling] + [""], dtype=object))[0]
    period_key = pd.factorize(np.array([_text(s) for s in table.period.spellings] + [""], dtype=object))[0]
    pair = commune_key[commune_codes].astype(np.int64) * (int(period_key.max()) + 1) + period_key[period_codes]
    ret_of_row, _ = pd.factorize(pair, sort=False)
    n_returns = int(ret_of_row.max()) + 1 if len(ret_of_row) else 0
    if n_returns == 0:
        return None  # no return at all: the row path says so (no-return)
    # a return's first row: where its number (given in order of first appearance) is new
    seen_before = np.maximum.accumulate(np.concatenate(([-1], ret_of_row[:-1])))
    first_row = np.flatnonzero(ret_of_row > seen_before)

    # -- indicators and numbers
    index_of = {code: n for n, code in enumerate(codes)}
    indicator_of_spelling = np.array(
        [index_of.get(catalog.indicator(_text(s)) or "", -1) if _text(s) else -1 for s in table.indicator.spellings]
        + [-1],
        dtype=np.int64,
    )
    indicator = indicator_of_spelling[table.indicator.codes[rows]]
    number_of_spelling, read_of_spelling = _numbers(table.value.spellings, validator.decimal_point)
    value_codes = table.value.codes[rows]
    reads = read_of_spelling[value_codes]  # 0 empty, 1 a number, 2 not a number
    numbers = number_of_spelling[value_codes]
    has_value = value_codes >= 0

    faulty = np.zeros(n_returns, dtype=bool)
    # an indicator the catalog does not know, holding a value
    faulty[ret_of_row[(indicator < 0) & has_value]] = True
    known = np.flatnonzero(indicator >= 0)
    # the same indicator twice in a return: the same number is kept once, two are refused
    slot = ret_of_row[known].astype(np.int64) * len(codes) + indicator[known]
    dropped = np.zeros(len(rows), dtype=bool)
    again = np.zeros(0, dtype=np.int64)
    if len(slot) and np.bincount(slot).max() > 1:  # (a count first: sorting is dearer)
        _, first_of_slot, slot_id = np.unique(slot, return_index=True, return_inverse=True)
        again = np.flatnonzero(np.arange(len(known)) != first_of_slot[slot_id])
    for k in again.tolist():
        row, earlier = known[k], known[first_of_slot[slot_id[k]]]
        first_raw = _raw(table.value, int(value_codes[earlier]))
        if _same_number(first_raw, _raw(table.value, int(value_codes[row])), validator.decimal_point):
            dropped[row] = True
        else:
            faulty[ret_of_row[row]] = True
    # numbers: not a number, negative, a fraction of an integer indicator, not finite
    integer = np.array([i.is_integer for i in catalog.indicators], dtype=bool)
    reported = np.zeros(len(rows), dtype=bool)
    reported[known] = reads[known] == 1
    reported &= ~dropped
    bad = np.zeros(len(rows), dtype=bool)
    bad[known] = reads[known] == 2
    with np.errstate(invalid="ignore"):
        is_int = np.zeros(len(rows), dtype=bool)
        is_int[known] = integer[indicator[known]]
        fraction = np.abs(numbers - np.round(numbers)) > 1e-9
        bad |= reported & ((numbers < 0) | ~np.isfinite(numbers) | (is_int & fraction))
    faulty[ret_of_row[bad]] = True
    values = np.where(is_int, np.round(numbers) + 0.0, numbers)
    # no value at all
    counts = np.bincount(ret_of_row[reported], minlength=n_returns)
    faulty |= counts == 0

    # -- commune and month of each return (its first row's cells), each spelling once
    commune_of_spelling = [validator.commune_code(s) for s in commune_spelling] + [None]
    period_of_spelling = [validator.period_of(s) for s in table.period.spellings] + [None]
    named = sorted({c for c in commune_of_spelling if c is not None})
    number_of_named = {c: n for n, c in enumerate(named)}
    commune_no_of_spelling = np.array([-1 if c is None else number_of_named[c] for c in commune_of_spelling])
    today = validator.today
    month_of_spelling = np.array(
        [-1 if p is None or p > today else p.index for p in period_of_spelling], dtype=np.int64
    )
    first_commune = commune_codes[first_row]
    first_period = period_codes[first_row]
    ret_commune_no = commune_no_of_spelling[first_commune]
    month = month_of_spelling[first_period]
    faulty |= (ret_commune_no < 0) | (month < 0)  # no commune or month read, or a month to come
    clean = ~faulty

    # -- the history checks need each commune's months in order, after what is stored
    judged = np.flatnonzero(clean)
    order = judged[np.argsort(ret_commune_no[judged], kind="stable")]
    same = ret_commune_no[order[1:]] == ret_commune_no[order[:-1]]
    if np.any(same & (month[order[1:]] <= month[order[:-1]])):
        return None
    present = np.unique(ret_commune_no[judged])
    commune_names = [named[n] for n in present.tolist()]
    history.prefetch(commune_names)
    # each month after every stored one, or a stored one sent again (with the same values:
    # checked below); what the store holds of a commune then comes before the table's months
    resent = np.zeros(n_returns, dtype=bool)
    latest = {n: max(stored) for n in present.tolist() if (stored := history.of(named[n]))}
    if latest:
        for r in judged.tolist():
            n = int(ret_commune_no[r])
            if n in latest and month[r] <= latest[n]:
                if month[r] not in history.of(named[n]):
                    return None  # a month missing in between: the order of checks matters
                resent[r] = True

    # -- the returns, as the layout parser makes them
    check = TableCheck(communes=set(commune_names))
    letters = [cell_ref(0, p)[:-1] for p in table.positions]
    first_lines = lines[first_row].tolist()
    commune_texts = [*commune_spelling, None]
    period_texts = [*table.period.spellings, None]
    ret_commune: list[str | None] = [None] * n_returns
    for r, c, p, line, ok, number in zip(
        range(n_returns),
        first_commune.tolist(),
        first_period.tolist(),
        first_lines,
        clean.tolist(),
        ret_commune_no.tolist(),
        strict=True,
    ):
        ret = Return(
            file=table.file,
            sheet=None,
            layout="long",
            commune_text=commune_texts[c],
            commune_cell=f"{letters[0]}{line}",
            period_text=period_texts[p],
            period_cell=f"{letters[1]}{line}",
            file_sha256=table.sha256,
        )
        if ok:
            ret.commune = ret_commune[r] = named[number]
            ret.period = period_of_spelling[p]
        check.returns.append(ret)
    check.verdicts = [None] * n_returns
    faulty_returns = np.flatnonzero(faulty)
    if len(faulty_returns):
        _rebuild(table, check, faulty_returns, ret_of_row, lines, validator)
        for r in faulty_returns.tolist():
            validator.check(check.returns[r])
            if not check.returns[r].refused:  # then it would count in the others' history
                return None

    # -- the reported values of the clean returns, a return's in the order of its rows
    taken = np.flatnonzero(reported & clean[ret_of_row])
    taken = taken[np.argsort(ret_of_row[taken], kind="stable")]
    t_ret = ret_of_row[taken]
    starts = np.searchsorted(t_ret, np.arange(n_returns + 1))
    if resent.any():
        t_codes = np.array(codes, dtype=object)[indicator[taken]]
        t_values = values[taken]
        for r in np.flatnonzero(resent).tolist():
            a, b = int(starts[r]), int(starts[r + 1])
            sent = dict(zip(t_codes[a:b].tolist(), t_values[a:b].tolist(), strict=True))
            if sent != history.of(named[int(ret_commune_no[r])])[int(month[r])]:
                return None  # other values for a stored month: replacing is decided in order
    check._judging = _Judging(
        validator=validator,
        history=history,
        clean=clean,
        t_ret=t_ret,
        t_ind=indicator[taken],
        t_value=values[taken],
        t_lines=lines[taken],
        starts=starts,
        month=month,
        resent=resent,
        ret_commune_no=ret_commune_no,
        named=named,
        letter=letters[3],
    )
    check.pieces = _pieces(ret_commune_no, clean)
    return check


@dataclass
class _Judging:
    """What judging a piece of a table's returns needs (see :meth:`TableCheck.judge`)."""

    validator: Validator
    history: History
    clean: np.ndarray  # of each return: no fault in its rows
    t_ret: np.ndarray  # the clean returns' reported values, by return then row: their return,
    t_ind: np.ndarray  # indicator (catalog position),
    t_value: np.ndarray  # value,
    t_lines: np.ndarray  # and line
    starts: np.ndarray  # where each return's values start in the t_ arrays
    month: np.ndarray  # of each return (period index)
    resent: np.ndarray  # of each return: a stored month sent again with the same values
    ret_commune_no: np.ndarray  # of each return (position in ``named``)
    named: list[str]
    letter: str  # of the value column


PIECE_RETURNS = 8192  # returns judged at a time, while the store commits the ones before


def _pieces(ret_commune_no: np.ndarray, clean: np.ndarray) -> list[tuple[int, int]]:
    """The returns cut into pieces of about PIECE_RETURNS, each holding every return of its
    communes (the history checks of a piece then need nothing of the pieces after it). A
    table not sorted by commune may make one piece."""
    import numpy as np

    n = len(ret_commune_no)
    last = np.full(int(ret_commune_no.max()) + 2 if n else 1, -1, dtype=np.int64)
    judged = np.flatnonzero(clean)
    np.maximum.at(last, ret_commune_no[judged], judged)
    reach = np.arange(n)
    reach[judged] = last[ret_commune_no[judged]]
    ends = np.flatnonzero(np.maximum.accumulate(reach) == np.arange(n)) + 1  # cuts allowed
    pieces: list[tuple[int, int]] = []
    start = 0
    while start < n:
        at = int(np.searchsorted(ends, start + PIECE_RETURNS))
        end = int(ends[at]) if at < len(ends) else n
        pieces.append((start, end))
        start = end
    return pieces


def _raw(column: Column, code: int) -> str | None:
    return column.spellings[code] if code >= 0 else None


def _numbers(spellings: list[str], decimal_point: bool) -> tuple[np.ndarray, np.ndarray]:
    """Each value spelling read once: (number, how it read: 0 empty, 1 a number, 2 not one).
    The last entry stands for an empty cell (code -1)."""
    import numpy as np

    numbers = np.zeros(len(spellings) + 1)
    reads = np.zeros(len(spellings) + 1, dtype=np.int8)
    for n, text in enumerate(spellings):
        try:
            number = parse_number_text(text, decimal_point=decimal_point)
        except NumberTextError:
            reads[n] = 2
            continue
        if number is not None:
            numbers[n], reads[n] = number, 1
    return numbers, reads


def _rebuild(
    table: LongTable,
    check: TableCheck,
    faulty: np.ndarray,
    ret_of_row: np.ndarray,
    row_lines: np.ndarray,
    validator: Validator,
) -> None:
    """The faulty returns rebuilt from their lines by the layout parser (the Validator then
    checks them as it checks any return)."""
    import numpy as np

    wanted = np.isin(ret_of_row, faulty)
    lines = row_lines[wanted].tolist()
    sheet = table.sheet_of_lines(lines)
    headers = [fold_header(_text(c)) for c in sheet.rows[0]]
    rebuilt = _parse_long(sheet, 0, headers, validator.catalog, validator.decimal_point)
    for r, ret in zip(faulty.tolist(), rebuilt, strict=True):
        ret.file_sha256 = table.sha256
        check.returns[r] = ret


def _breaks(rule: Any, matrix: np.ndarray, index_of: dict[str, int]) -> np.ndarray:
    """Which returns break a rule (:meth:`Rule.holds` is False), over the whole matrix."""
    import numpy as np

    n = matrix.shape[0]
    present = np.ones(n, dtype=bool)
    for code in rule.codes:
        present &= ~np.isnan(matrix[:, index_of[code]])

    def total(terms: tuple[str, ...]) -> np.ndarray:
        sum_ = np.zeros(n)  # sum() starts from 0, then adds term by term: the same floats
        for term in terms:
            sum_ = sum_ + (matrix[:, index_of[term]] if term in index_of else float(term))
        return sum_

    with np.errstate(invalid="ignore"):
        diff = total(rule.left) - total(rule.right)
        eps = 1e-9
        holds = {
            ">=": diff >= -eps,
            ">": diff > eps,
            "<=": diff <= eps,
            "<": diff < -eps,
            "==": np.abs(diff) <= eps,
            "=": np.abs(diff) <= eps,
        }[rule.comparator]
    return present & ~holds


def _against_history(
    check: TableCheck,
    validator: Validator,
    history: History,
    checked: np.ndarray,
    accepted: np.ndarray,
    resent: np.ndarray,
    t_ret: np.ndarray,
    t_ind: np.ndarray,
    t_value: np.ndarray,
    month: np.ndarray,
    ret_commune_no: np.ndarray,
    names: list[str],
    cells: tuple[str, np.ndarray],  # (the value column's letter, each value's line)
    codes: list[str],
) -> None:
    """:meth:`Validator._against_history` for every ``checked`` return at once.

    For each commune and indicator, the values known when a return is checked are the
    stored ones (all of earlier months) and those of the table's ``accepted`` returns of
    earlier months (the table gives each commune's months in order): a prefix of the
    series stored-then-accepted. The latest earlier value is the last of that prefix; the
    median is taken over it. (A return a rule refused is checked too, as the Validator
    checks it, but its values are not in the series the others are checked against.)"""
    import numpy as np

    points = np.flatnonzero(checked[t_ret])  # the checked returns' values
    if not len(points):
        return
    width_codes = len(codes)
    p_ret, p_ind, p_value = t_ret[points], t_ind[points], t_value[points]
    p_month = month[p_ret]
    # the series: (commune, indicator) groups, months ascending. The values come by return,
    # and a commune's returns by month: a stable sort by group keeps the months in order.
    group = ret_commune_no[p_ret] * width_codes + p_ind
    order = np.argsort(group, kind="stable")
    o_group = group[order]
    first_of_group = np.flatnonzero(np.concatenate(([True], o_group[1:] != o_group[:-1])))
    groups = o_group[first_of_group]
    group_of = np.cumsum(np.concatenate(([False], o_group[1:] != o_group[:-1])))
    o_ret, o_ind, o_value, o_month = p_ret[order], p_ind[order], p_value[order], p_month[order]
    # the values the table adds to the series: accepted, of a month not stored (a stored
    # month sent again holds the same values: it adds nothing)
    o_resent = resent[o_ret]
    o_accepted = accepted[o_ret] & ~o_resent
    # how many accepted values of its group come before each value
    running = np.cumsum(o_accepted)
    before_group = running[first_of_group] - o_accepted[first_of_group]
    position = running - o_accepted - before_group[group_of]
    # the last accepted value before each value, in its group
    at = np.arange(len(order))
    last_accepted = np.maximum.accumulate(np.where(o_accepted, at, -1))
    previous = np.concatenate(([-1], last_accepted[:-1]))
    in_group = previous >= first_of_group[group_of]
    previous = np.where(in_group, previous, 0)
    # what the store holds of each group: its values, and its latest (month, value)
    stored: dict[int, _Series] = {}
    last_month = np.full(len(groups), -1, dtype=np.int64)
    last_value = np.zeros(len(groups))
    index_of = {code: n for n, code in enumerate(codes)}
    for n in np.unique(groups // width_codes).tolist():
        for code, series in history.series_of(names[n]).items():
            key = n * width_codes + index_of.get(code, width_codes)
            g = int(np.searchsorted(groups, key))
            if g < len(groups) and groups[g] == key and series.indexes:
                stored[g] = series
                last_month[g] = series.indexes[-1]
                last_value[g] = series.by_index[series.indexes[-1]]
    stored_count = np.zeros(len(groups), dtype=np.int64)
    for g, series in stored.items():
        stored_count[g] = len(series.ordered)
    known = stored_count[group_of] + position  # values known before each point
    known[o_resent] = -1  # judged apart (_against_stored)

    warnings: list[tuple[int, int, int, Any]] = []  # (return, point, 0 stock / 1 outlier, detail)
    # a stock lower than the value before it in the series
    previous_value = np.where(in_group, o_value[previous], last_value[group_of])
    previous_month = np.where(in_group, o_month[previous], last_month[group_of])
    stock = np.array([i.is_stock for i in validator.catalog.indicators], dtype=bool)
    fell = stock[o_ind] & (known > 0) & (o_value < previous_value - 1e-9)
    for k in np.flatnonzero(fell).tolist():
        earlier = (int(previous_month[k]), float(previous_value[k]))
        warnings.append((int(o_ret[k]), int(points[order[k]]), 0, earlier))
    # far above the median of the values known before
    if np.any(known >= OUTLIER_MIN_HISTORY):
        width = int((stored_count + np.bincount(group_of, weights=o_accepted, minlength=len(groups))).max())
        matrix = np.full((len(groups), width), np.nan)
        for g, series in stored.items():
            matrix[g, : len(series.ordered)] = series.ordered
        taken = np.flatnonzero(o_accepted)
        matrix[group_of[taken], stored_count[group_of[taken]] + position[taken]] = o_value[taken]
        for n in np.unique(known[known >= OUTLIER_MIN_HISTORY]).tolist():
            at = np.flatnonzero(known == n)
            medians = np.median(matrix[group_of[at], :n], axis=1)
            far = (medians > 0) & (o_value[at] > OUTLIER_FACTOR * medians)
            for k, median in zip(at[far].tolist(), medians[far].tolist(), strict=True):
                warnings.append((int(o_ret[k]), int(points[order[k]]), 1, median))
    if o_resent.any():
        at = np.flatnonzero(o_resent & checked[o_ret])
        warnings.extend(
            (int(o_ret[at[k]]), int(points[order[at[k]]]), kind, detail)
            for k, kind, detail in _against_stored(
                at, group_of[at], o_month[at], o_value[at], o_ind[at], stored, stock
            )
        )
    warnings.sort(key=lambda w: (w[0], w[1], w[2]))
    for r, point, kind, detail in warnings:
        ret = check.returns[r]
        code = codes[int(t_ind[point])]
        number = float(t_value[point])
        if kind == 0:
            validator.stock_decreased(ret, code, number, detail, f"{cells[0]}{cells[1][point]}")
        else:
            validator.outlier(ret, code, number, detail, f"{cells[0]}{cells[1][point]}")


def _against_stored(
    at: np.ndarray,
    group: np.ndarray,
    month: np.ndarray,
    value: np.ndarray,
    indicator: np.ndarray,
    stored: dict[int, _Series],
    stock: np.ndarray,
) -> list[tuple[int, int, Any]]:
    """The history checks of values whose month is stored already (sent again, the same):
    against every stored value of their series but their own month's, as
    :meth:`_Series.before` and :meth:`_Series.median_without` give them. Returns
    (position in ``at``'s arrays, 0 stock / 1 outlier, detail) of each warning."""
    import numpy as np

    rows = np.unique(group)
    row_of = np.searchsorted(rows, group)
    width = max(len(stored[g].indexes) for g in rows.tolist())
    months = np.full((len(rows), width), np.iinfo(np.int64).max, dtype=np.int64)
    by_month = np.zeros((len(rows), width))
    ordered = np.full((len(rows), width), np.inf)
    for i, g in enumerate(rows.tolist()):
        series = stored[g]
        n = len(series.indexes)
        months[i, :n] = series.indexes
        by_month[i, :n] = [series.by_index[m] for m in series.indexes]
        ordered[i, :n] = series.ordered
    count = (months[row_of] < np.iinfo(np.int64).max).sum(axis=1)
    found: list[tuple[int, int, Any]] = []
    # a stock lower than the latest stored month before its own
    before = (months[row_of] < month[:, None]).sum(axis=1)
    has_before = before > 0
    earlier_at = np.maximum(before - 1, 0)
    earlier_value = by_month[row_of, earlier_at]
    fell = stock[indicator] & has_before & (value < earlier_value - 1e-9)
    for k in np.flatnonzero(fell).tolist():
        found.append((k, 0, (int(months[row_of[k], earlier_at[k]]), float(earlier_value[k]))))
    # far above the median of the other stored months (its own value left out once)
    n = count - 1
    skip = (ordered[row_of] < value[:, None]).sum(axis=1)

    def nth(i: np.ndarray) -> np.ndarray:  # (clipped: a series too short is not judged)
        return ordered[row_of, np.minimum(np.where(i < skip, i, i + 1), width - 1)]

    half = n // 2
    median = np.where(n % 2 == 1, nth(half), (nth(np.maximum(half - 1, 0)) + nth(half)) / 2)
    with np.errstate(invalid="ignore"):
        far = (n >= OUTLIER_MIN_HISTORY) & (median > 0) & (value > OUTLIER_FACTOR * median)
    for k in np.flatnonzero(far).tolist():
        found.append((k, 1, float(median[k])))
    return found


def _parts(t_ret: np.ndarray, t_ind: np.ndarray, t_value: np.ndarray, codes: list[str]) -> list[str]:
    """Each value's part of its return's canonical JSON (``store.content_hash``), a
    return's parts in the order of their codes: each distinct (indicator, value) part is
    written once."""
    import numpy as np
    import pandas as pd

    rank = np.argsort(np.argsort(np.array(codes, dtype=object)))  # of each code, sorted
    bits = t_value.view(np.int64)  # -0.0 and 0.0 are two texts: tell them apart
    value_id, distinct_values = pd.factorize(bits, sort=False)
    pair = value_id.astype(np.int64) * len(codes) + t_ind
    pair_id, distinct_pairs = pd.factorize(pair, sort=False)
    as_float = distinct_values.view(np.float64)
    part_of_pair = [
        canonical_part(codes[int(p % len(codes))], float(as_float[int(p // len(codes))]))
        for p in distinct_pairs.tolist()
    ]
    # the values come by return: order each return's by code (a stable sort on one key)
    order = np.argsort(t_ret.astype(np.int64) * len(codes) + rank[t_ind], kind="stable")
    return np.array(part_of_pair, dtype=object)[pair_id[order]].tolist()


__all__ = ["LongTable", "TableCheck", "check_table", "read_long_table"]
