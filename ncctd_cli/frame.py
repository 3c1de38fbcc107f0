"""A batch of returns as columns: what the layout parser makes and the checks read.

Every return found (a form, a row of a wide table, the rows of a long table for one commune
and month) is a :class:`~ncctd_cli.model.Return` record; every value cell found is one row of
the frame's value columns: its return, the indicator it names (a position in the catalog, -1
when it names none), its raw cell (an index into ``raws``, the distinct cell values; -1 for
an empty cell) and the cell it came from (column and row). Forms and long tables end up in the
same columns, so each check is written once, over arrays, whatever the layout.

A :class:`FrameBuilder` collects returns file after file: a form a cell at a time
(:meth:`FrameBuilder.add_value`), a table read by columns a block of arrays at a time
(:meth:`FrameBuilder.add_block`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .model import Return, cell_ref

if TYPE_CHECKING:
    from collections.abc import Iterable

    import numpy as np

# What makes a value of an unknown indicator a fault (see the unknown-indicator check):
ANY_CONTENT = 0  # any content (a column or a long-table row that names no indicator)
NUMBER_ONLY = 1  # a number only (a form's row: headings and notes are not data)


@dataclass
class Frame:
    """Returns and their value cells, as arrays (see the module's docstring)."""

    returns: list[Return]
    ret: np.ndarray  # int64, per value: its return's position in ``returns``
    indicator: np.ndarray  # int64: the catalog position of the indicator, -1: none
    raw: np.ndarray  # int64: index into ``raws``; -1: an empty cell
    raws: list[Any]  # the distinct raw cells: text, numbers, dates, booleans
    col: np.ndarray  # int64: the cell's column (0-based)
    row: np.ndarray  # int64: the cell's row (1-based: a sheet's row or a CSV's line)
    unknown_rule: np.ndarray  # int8 per value: ANY_CONTENT or NUMBER_ONLY (for indicator -1)
    named: dict[int, str] = field(default_factory=dict)  # value → the text naming no indicator

    def __len__(self) -> int:
        return len(self.ret)

    def piece(self, first: int, last: int) -> Frame:
        """Returns ``first`` … ``last - 1`` and their values (the distinct raw cells shared)."""
        import numpy as np

        at = np.flatnonzero((self.ret >= first) & (self.ret < last))
        new_position = {int(v): n for n, v in enumerate(at.tolist())} if self.named else {}
        return Frame(
            returns=self.returns[first:last],
            ret=self.ret[at] - first,
            indicator=self.indicator[at],
            raw=self.raw[at],
            raws=self.raws,
            col=self.col[at],
            row=self.row[at],
            unknown_rule=self.unknown_rule[at],
            named={new_position[v]: text for v, text in self.named.items() if v in new_position},
        )

    def cell(self, value: int) -> str:
        """The A1 reference of a value's cell (for a CSV, the row is its line number)."""
        return cell_ref(int(self.row[value]) - 1, int(self.col[value]))

    def cells(self, values: np.ndarray) -> list[str]:
        """:meth:`cell` of many values (the column letters computed once each; a table's
        value column, one letter for all, costs one ``str`` of each line)."""
        cols = self.col[values]
        if len(cols) and (cols == cols[0]).all():
            one = cell_ref(0, int(cols[0]))[:-1]
            return [one + line for line in map(str, self.row[values].tolist())]
        letters: dict[int, str] = {}
        found = []
        for col, row in zip(cols.tolist(), self.row[values].tolist(), strict=True):
            letter = letters.get(col)
            if letter is None:
                letter = letters[col] = cell_ref(0, col)[:-1]
            found.append(f"{letter}{row}")
        return found


class FrameBuilder:
    """Collects returns and their cells, then :meth:`build` makes the :class:`Frame`."""

    def __init__(self) -> None:
        self.returns: list[Return] = []
        self._ret: list[int] = []
        self._indicator: list[int] = []
        self._raw: list[int] = []
        self._col: list[int] = []
        self._row: list[int] = []
        self._unknown_rule: list[int] = []
        self._named: dict[int, str] = {}
        self._raws: list[Any] = []
        self._interned: dict[tuple[type, Any], int] | None = {}
        self._blocks: list[Frame] = []  # tables added by columns, after the cells above

    @property
    def n_returns(self) -> int:
        return len(self.returns)

    def add_return(self, ret: Return) -> int:
        """A return (its identity cells set by the caller); its position."""
        self.returns.append(ret)
        return len(self.returns) - 1

    def __getstate__(self) -> dict[str, Any]:
        """What a worker process sends back: plain lists (cheap to pickle; numpy arrays are
        made once per batch, not once per form), without the look-up table of raw cells."""
        state = dict(self.__dict__)
        state["_interned"] = None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def _table(self) -> dict[tuple[type, Any], int]:
        """Each distinct raw cell's index (made again after unpickling: not sent)."""
        if self._interned is None:
            self._interned = {(type(v), v): n for n, v in enumerate(self._raws)}
        return self._interned

    def _indices(self, raws: Iterable[Any]) -> list[int]:
        """The index of each raw cell among the distinct ones (added when new); -1 for None
        (an empty cell). A loop of its own: a batch of forms looks up 50,000 cells."""
        table, distinct = self._table(), self._raws
        found = []
        for raw in raws:
            if raw is None:
                found.append(-1)
                continue
            key = (type(raw), raw)
            index = table.get(key, -1)
            if index < 0:
                index = table[key] = len(distinct)
                distinct.append(raw)
            found.append(index)
        return found

    def extend(self, other: FrameBuilder) -> None:
        """Everything another builder collected (a file read by a worker), after what is here."""
        offset = len(self.returns)
        self.returns.extend(other.returns)
        if other._ret:
            remap = self._indices(other._raws)
            start = len(self._ret)
            self._ret.extend([r + offset for r in other._ret])
            self._indicator.extend(other._indicator)
            self._raw.extend([remap[i] if i >= 0 else -1 for i in other._raw])
            self._col.extend(other._col)
            self._row.extend(other._row)
            self._unknown_rule.extend(other._unknown_rule)
            self._named.update({start + k: v for k, v in other._named.items()})
        for block in other._blocks:
            block.ret = block.ret + offset
            self._blocks.append(block)

    def add_value(
        self,
        ret: int,
        indicator: int,
        raw: Any,
        col: int,
        row: int,
        *,
        named: str | None = None,
        unknown_rule: int = ANY_CONTENT,
    ) -> None:
        """One value cell of return ``ret`` (``indicator`` -1 with ``named``: a cell holding
        something under a row or column that names no indicator)."""
        index = self._indices((raw,))[0]
        if indicator < 0:
            self._named[len(self._ret)] = named or ""
        self._ret.append(ret)
        self._indicator.append(indicator)
        self._raw.append(index)
        self._col.append(col)
        self._row.append(row)
        self._unknown_rule.append(unknown_rule)

    def add_values(self, ret: int, col: int, indicators: list[int], raws: list[Any], rows: list[int]) -> None:
        """:meth:`add_value` for several cells of return ``ret`` in column ``col``, each naming
        a known indicator (a form's rows: one call, not one a row)."""
        indices = self._indices(raws)
        n = len(indices)
        self._ret.extend([ret] * n)
        self._indicator.extend(indicators)
        self._raw.extend(indices)
        self._col.extend([col] * n)
        self._row.extend(rows)
        self._unknown_rule.extend([ANY_CONTENT] * n)

    def add_block(self, returns: list[Return], block: Frame) -> None:
        """The returns of a table read by columns, with their values as arrays
        (``block.ret`` counts from 0 within ``returns``)."""
        import numpy as np

        offset = len(self.returns)
        self.returns.extend(returns)
        self._blocks.append(
            Frame(
                returns=[],
                ret=np.asarray(block.ret, dtype=np.int64) + offset,
                indicator=np.asarray(block.indicator, dtype=np.int64),
                raw=np.asarray(block.raw, dtype=np.int64),
                raws=block.raws,
                col=np.asarray(block.col, dtype=np.int64),
                row=np.asarray(block.row, dtype=np.int64),
                unknown_rule=np.asarray(block.unknown_rule, dtype=np.int8),
                named=block.named,
            )
        )

    def _flush_cells(self) -> None:
        """The cells added one by one since the last block, made a block of their own."""
        if not self._ret:
            return
        import numpy as np

        self._blocks.append(
            Frame(
                returns=[],
                ret=np.array(self._ret, dtype=np.int64),
                indicator=np.array(self._indicator, dtype=np.int64),
                raw=np.array(self._raw, dtype=np.int64),
                raws=self._raws,
                col=np.array(self._col, dtype=np.int64),
                row=np.array(self._row, dtype=np.int64),
                unknown_rule=np.array(self._unknown_rule, dtype=np.int8),
                named=self._named,
            )
        )
        self._ret, self._indicator, self._raw, self._col, self._row = [], [], [], [], []
        self._unknown_rule, self._named, self._raws, self._interned = [], {}, [], {}

    def build(self) -> Frame:
        """The frame of everything added (the builder is emptied)."""
        import numpy as np

        self._flush_cells()
        blocks, returns = self._blocks, self.returns
        self._blocks, self.returns = [], []
        if len(blocks) == 1:
            only = blocks[0]
            only.returns = returns
            return only
        raws: list[Any] = []
        named: dict[int, str] = {}
        raw_parts, start = [], 0
        for block in blocks:
            raw_parts.append(np.where(block.raw >= 0, block.raw + len(raws), -1))
            raws.extend(block.raws)
            named.update({start + k: v for k, v in block.named.items()})
            start += len(block)

        def joined(name: str, dtype: Any) -> np.ndarray:
            parts = [getattr(b, name) for b in blocks]
            return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)

        return Frame(
            returns=returns,
            ret=joined("ret", np.int64),
            indicator=joined("indicator", np.int64),
            raw=np.concatenate(raw_parts) if raw_parts else np.zeros(0, dtype=np.int64),
            raws=raws,
            col=joined("col", np.int64),
            row=joined("row", np.int64),
            unknown_rule=joined("unknown_rule", np.int8),
            named=named,
        )
