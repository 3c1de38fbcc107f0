"""Each commune's history, and what a value is compared with: computed one way, for any batch.

:class:`History` holds what the store (and the batch so far) knows of each commune's earlier
returns: for each commune, arrays of (indicator, month, value), loaded from the store once per
commune, in bulk, and kept up as a batch's returns are accepted.

:func:`known_values` answers, for every reported value of a batch's judged returns at once,
the two questions the history checks ask: the latest value of that indicator in a month
before the value's own, and the median of the values of every other month (with their
count). What is "known" when a return is checked is what a clerk taking the returns one by one
would know: the stored months, and the months of the batch's returns before it that were
accepted (a later one for the same month replacing an earlier one), never the return's own
month. The batch may hold the returns in any order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .vietnamese import Period

if TYPE_CHECKING:
    import numpy as np

    from .checks.base import Checking

OUTLIER_FACTOR = 10.0  # "far outside": more than this many times the median ...
OUTLIER_MIN_HISTORY = 6  # ... of at least this many other months (median > 0)

# (commune, period 'YYYY-MM', indicator code, value) rows for some communes
RowsLoader = Callable[[list[str]], Iterable[tuple[str, str, str, float]]]


@dataclass
class _Series:
    """One commune's known values: indicator position, month index, value (one row per
    indicator and month)."""

    indicator: np.ndarray
    month: np.ndarray
    value: np.ndarray


@dataclass
class History:
    """What is known of communes' earlier returns (see the module's docstring).

    ``loader(communes)`` gives the stored current values of some communes; ``codes`` are the
    catalog's indicator codes (a value's indicator is its position there)."""

    loader: RowsLoader | None
    codes: list[str]
    _series: dict[str, _Series] = field(default_factory=dict)

    def prefetch(self, communes: Iterable[str]) -> None:
        """Load the communes not known yet, with a few queries."""
        import numpy as np

        missing = [c for c in dict.fromkeys(communes) if c not in self._series]
        if not missing:
            return
        position = {code: n for n, code in enumerate(self.codes)}
        months: dict[str, int] = {}
        rows: dict[str, tuple[list[int], list[int], list[float]]] = {c: ([], [], []) for c in missing}
        for commune, period, code, value in self.loader(missing) if self.loader else ():
            n = position.get(code)
            if n is None:
                continue  # an indicator no longer in the catalog
            index = months.get(period)
            if index is None:
                index = months[period] = Period.parse_iso(period).index
            found = rows[commune]
            found[0].append(n)
            found[1].append(index)
            found[2].append(value)
        for commune, (indicators, months_, values) in rows.items():
            self._series[commune] = _Series(
                np.array(indicators, dtype=np.int64), np.array(months_, dtype=np.int64), np.array(values)
            )

    def entries(self, communes: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The known values of some communes: (commune's position in ``communes``,
        indicator, month, value)."""
        import numpy as np

        self.prefetch(communes)
        parts = [self._series[c] for c in communes]
        if not parts:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, empty, np.zeros(0)
        sizes = [len(p.value) for p in parts]
        return (
            np.repeat(np.arange(len(parts), dtype=np.int64), sizes),
            np.concatenate([p.indicator for p in parts]),
            np.concatenate([p.month for p in parts]),
            np.concatenate([p.value for p in parts]),
        )

    def add(self, commune: str, indicator: np.ndarray, month: np.ndarray, value: np.ndarray) -> None:
        """Values accepted for a commune (a month sent again replaces what was known of it)."""
        import numpy as np

        self.prefetch([commune])
        known = self._series[commune]
        keep = ~np.isin(known.month, np.unique(month))
        self._series[commune] = _Series(
            np.concatenate([known.indicator[keep], indicator]),
            np.concatenate([known.month[keep], month]),
            np.concatenate([known.value[keep], value]),
        )

    def forget(self, communes: Iterable[str]) -> None:
        """Drop what is known of these communes: the next use reads the store again."""
        for commune in communes:
            self._series.pop(commune, None)

    def months_of(self, commune: str) -> set[int]:
        """The months known of a commune."""
        self.prefetch([commune])
        return set(self._series[commune].month.tolist())


@dataclass
class Known:
    """For each point (a reported value of a judged return, by its position in the frame):
    how many other months of its indicator are known, their median (NaN: none), and the
    latest known month before its own with its value (-1: none)."""

    points: np.ndarray
    count: np.ndarray
    median: np.ndarray
    before_month: np.ndarray
    before_value: np.ndarray


_NEVER = 1 << 62


def known_values(batch: Checking) -> Known:
    """What each reported value of the batch's judged returns is compared with (see the
    module's docstring), for all of them at once."""
    import numpy as np

    frame = batch.frame
    points = np.flatnonzero(batch.reported & batch.judged[frame.ret])
    n_points = len(points)
    count = np.zeros(n_points, dtype=np.int64)
    median = np.full(n_points, np.nan)
    before_month = np.full(n_points, -1, dtype=np.int64)
    before_value = np.zeros(n_points)
    known = Known(points, count, median, before_month, before_value)
    if not n_points or batch.history is None:
        return known
    width = len(batch.codes)
    commune_no, named = batch.commune_numbers
    p_ret = frame.ret[points]
    p_group = commune_no[p_ret] * width + frame.indicator[points]
    p_month = batch.month[p_ret]
    values = batch.values

    # -- what is known: the stored values (order -1), and the accepted returns' values
    #    (order: the return's position in the batch)
    involved = sorted({named[n] for n in np.unique(commune_no[p_ret]).tolist()})
    s_commune, s_ind, s_month, s_value = batch.history.entries(involved)
    position = {c: n for n, c in enumerate(named)}
    number_of = np.array([position[c] for c in involved], dtype=np.int64)
    accepted = batch.accepted
    taken = points[accepted[p_ret]]
    e_group = np.concatenate([number_of[s_commune] * width + s_ind, commune_no[frame.ret[taken]] * width + frame.indicator[taken]])
    e_month = np.concatenate([s_month, batch.month[frame.ret[taken]]])
    e_value = np.concatenate([s_value, values[taken]])
    e_order = np.concatenate([np.full(len(s_value), -1, dtype=np.int64), frame.ret[taken]])
    if not len(e_group):
        return known
    # the order from which each is replaced by a later return for the same month (never: _NEVER)
    by_month = np.lexsort((e_order, e_month, e_group))
    same = (e_group[by_month][1:] == e_group[by_month][:-1]) & (e_month[by_month][1:] == e_month[by_month][:-1])
    replaced = np.full(len(e_group), _NEVER, dtype=np.int64)
    replaced[by_month[:-1][same]] = e_order[by_month][1:][same]
    # the entries by group, each group's by value (the median is then a position)
    by_value = np.lexsort((e_value, e_group))
    e_group, e_month, e_value = e_group[by_value], e_month[by_value], e_value[by_value]
    e_order, replaced = e_order[by_value], replaced[by_value]

    # -- the pairs (point, an entry of its group): the points that need them
    start = np.searchsorted(e_group, p_group, side="left")
    size = np.searchsorted(e_group, p_group, side="right") - start
    stock = np.array([i.is_stock for i in batch.catalog.indicators], dtype=bool)[frame.indicator[points]]
    wanted = np.flatnonzero((size > 0) & (stock | (size >= OUTLIER_MIN_HISTORY)))
    if not len(wanted):
        return known
    sizes = size[wanted]
    k = np.repeat(wanted, sizes)  # the point of each pair
    first_pair = np.cumsum(sizes) - sizes
    e = np.arange(int(sizes.sum()), dtype=np.int64) - np.repeat(first_pair, sizes) + np.repeat(start[wanted], sizes)
    order_k = p_ret[k]
    month_k = p_month[k]
    valid = (e_month[e] != month_k) & (e_order[e] < order_k) & (replaced[e] > order_k)
    k, e, month_k = k[valid], e[valid], month_k[valid]
    # how many, and the median (the pairs of a point are in value order)
    counts = np.bincount(k, minlength=n_points)
    count[:] = counts
    has = np.flatnonzero(counts)
    offsets = np.cumsum(counts) - counts
    ordered = e_value[e]
    c = counts[has]
    low = ordered[offsets[has] + (c - 1) // 2]
    high = ordered[offsets[has] + c // 2]
    median[has] = (low + high) / 2
    # the latest month before the point's own, and its value (one entry per month is valid)
    earlier = e_month[e] < month_k
    if earlier.any():
        ke, ee = k[earlier], e[earlier]
        np.maximum.at(before_month, ke, e_month[ee])
        at = e_month[ee] == before_month[ke]
        before_value[ke[at]] = e_value[ee[at]]
    return known


__all__ = ["OUTLIER_FACTOR", "OUTLIER_MIN_HISTORY", "History", "Known", "known_values"]
