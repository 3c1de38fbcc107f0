"""The Python API: what a notebook imports. The CLI is a thin layer over these calls."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .catalog import Catalog
from .ingest import IngestOptions, Ingestor, IngestReport, check_frame, parse_source
from .model import Return
from .rollup import Rollup
from .rollup import rollup as _rollup
from .sheets import ReadOptions, read_path
from .store import Store
from .vietnamese import Period, parse_period

if TYPE_CHECKING:
    import datetime as _dt

    import pandas as pd
    from docx.document import Document

    from .narrative import Narrative


def open_store(path: str | Path | None = None, *, readonly: bool = False) -> Store:
    """Open (or create) a store; ``readonly`` never creates one, and writes nothing but
    the one-time upgrade of an older store's schema (see :meth:`Store.open_readonly`)."""
    return Store.open_readonly(path) if readonly else Store.open(path)


def ingest(store: Store, paths: Iterable[str | Path], **options: Any) -> IngestReport:
    """Ingest files and folders; ``options`` are :class:`IngestOptions` fields
    (``replace``, ``dry_run``, ``atomic``, ``strict``)."""
    return Ingestor(store, IngestOptions(**options)).run(paths)


def _period(value: str | Period) -> Period:
    if isinstance(value, Period):
        return value
    found = parse_period(value)
    if found is None:
        raise ValueError(f"not a month: {value!r}")
    return found


def rollup(
    store: Store,
    first: str | Period,
    last: str | Period,
    *,
    by: str = "district",
    indicators: list[str] | None = None,
    units: str = "current",
) -> Rollup:
    """Roll up ``first``..``last``; ``.to_frame()`` gives a DataFrame, ``.to_json()`` a dict.

    ``by``: ``district``, ``commune``, ``month``, ``quarter``, ``half``, ``year``, or a level
    of the catalog's ``areas.csv`` (``province``, ``area:district``). ``units``: ``current``
    (today's units: the units of ``last``, which the former units' figures are attributed
    to) or ``reported`` (the units as they reported)."""
    return _rollup(store, _period(first), _period(last), by=by, indicators=indicators, units=units)


def narrative(
    store: Store, first: str | Period, last: str | Period, *, indicators: list[str] | None = None,
    units: str = "current",
) -> Narrative:
    """The report paragraph for ``first``..``last``: ``.text``, ``.markdown``, ``.figures``."""
    from .narrative import narrative as _narrative

    return _narrative(store, _period(first), _period(last), indicators=indicators, units=units)


def write_report(
    store: Store, first: str | Period, last: str | Period, path: str | Path, *, units: str = "current"
) -> Path:
    """Write the year-end report workbook (what ``ncctd report`` writes) to ``path``."""
    from .workbook import collect_report, write_report_xlsx

    write_report_xlsx(collect_report(store, _period(first), _period(last), units=units), Path(path))
    return Path(path)


def document(
    store: Store,
    first: str | Period,
    last: str | Period,
    *,
    template: str | Path | None = None,
    lang: str = "vi",
    today: _dt.date | None = None,
    charts: bool = True,
    units: str = "current",
) -> Document:
    """The official report (what ``ncctd document`` writes) as a python-docx ``Document``:
    change it, then ``.save(path)``. ``template``: the office's .docx; ``lang="en"``: the
    English version; ``charts=False``: no appendix of charts; ``units``: today's units or as
    reported (as ``write_report``'s)."""
    from .document import document as _document

    return _document(store, _period(first), _period(last), template=template, lang=lang,
                     today=today, charts=charts, units=units)


def write_document(
    store: Store, first: str | Period, last: str | Period, path: str | Path, **options: Any
) -> Path:
    """Write the official report (``ncctd document``) to ``path`` (a .docx); ``options`` as
    :func:`document`'s."""
    from .document import save_document

    return save_document(document(store, first, last, **options), Path(path))


def read_file(
    path: str | Path, catalog: Catalog | None = None, *, decimal_point: bool = False
) -> list[Return]:
    """Read and check one file without storing: its returns, values and problems."""
    from .catalog import default_catalog

    catalog = catalog or default_catalog()
    options = ReadOptions(decimal_point=decimal_point, column_min_lines=None)
    frame = parse_source(read_path(Path(path), options), catalog).build()
    return check_frame(frame, catalog, decimal_point=decimal_point)


def values_frame(returns: list[Return]) -> pd.DataFrame:
    """Tidy records: one row per value, with the cell it came from."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "file": r.file,
                "sheet": r.sheet,
                "commune": r.commune_label,
                "period": str(r.period) if r.period else None,
                "indicator": v.indicator,
                "value": v.value,
                "cell": v.cell,
            }
            for r in returns
            for v in r.values.values()
        ]
    )
