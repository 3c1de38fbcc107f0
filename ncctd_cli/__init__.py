"""ncctd: the district's statistics from the communes' monthly returns.

Library first; the ``ncctd`` command is a thin layer over it::

    import ncctd_cli as nc
    store = nc.open_store("ncctd.sqlite")          # or nc.Store.scratch() in memory
    nc.ingest(store, ["returns/"])
    frame = nc.rollup(store, "2021-01", "2023-12", by="commune").to_frame()

Imports are lazy: ``import ncctd_cli`` costs almost nothing until something is used.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Catalog": "catalog",
    "default_catalog": "catalog",
    "Problem": "model",
    "Return": "model",
    "Period": "vietnamese",
    "Store": "store",
    "StoreError": "store",
    "IngestOptions": "ingest",
    "IngestReport": "ingest",
    "read_file": "api",
    "open_store": "api",
    "ingest": "api",
    "rollup": "api",
    "Rollup": "rollup",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ncctd_cli' has no attribute {name!r}")
    return getattr(importlib.import_module(f"ncctd_cli.{module}"), name)
