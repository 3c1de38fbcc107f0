"""The catalog's rules (``rules.csv``): two sums of indicators compared, e.g. more listeners
than propaganda sessions. A rule whose indicators are not all reported is not judged."""

from __future__ import annotations

from .base import RULES, Check, Checking


def run(batch: Checking) -> None:
    import numpy as np

    rules = batch.catalog.rules
    if not rules:
        return
    frame = batch.frame
    judged = np.flatnonzero(batch.gate)
    if not len(judged):
        return
    row_of = np.full(batch.n_returns, -1, dtype=np.int64)
    row_of[judged] = np.arange(len(judged))
    values = np.flatnonzero(batch.reported & batch.gate[frame.ret])
    matrix = np.full((len(judged), len(batch.codes)), np.nan)
    matrix[row_of[frame.ret[values]], frame.indicator[values]] = batch.values[values]
    position = {code: n for n, code in enumerate(batch.codes)}
    catalog = batch.catalog

    def words(terms: tuple[str, ...]) -> str:
        return " + ".join(catalog.indicator_by_code[t].label if t in position else t for t in terms)

    def total(terms: tuple[str, ...], row: int) -> float:
        return sum(float(matrix[row, position[t]]) if t in position else float(t) for t in terms)

    for n, rule in enumerate(rules):
        for row in np.flatnonzero(rule.broken(matrix, position)).tolist():
            batch.report(
                int(judged[row]), RULES, f"rule-{rule.code}", order=n, severity=rule.severity,
                indicator=rule.left[0], message=rule.message, rule=rule.text, variant=rule.comparator,
                left=words(rule.left), left_value=total(rule.left, row),
                right=words(rule.right), right_value=total(rule.right, row),
            )


CHECK = Check("rules", ("rule-<code>",), RULES, run, clean_before=RULES)
