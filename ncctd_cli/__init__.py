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
import sys
import types
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
    "narrative": "api",
    "write_report": "api",
    "document": "api",
    "write_document": "api",
    "Rollup": "rollup",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ncctd_cli' has no attribute {name!r}")
    return getattr(importlib.import_module(f"ncctd_cli.{module}"), name)


class _Package(types.ModuleType):
    """``ncctd_cli.rollup``, ``.ingest``, ``.narrative`` and ``.document`` are both submodules and API
    functions. Importing a submodule binds its name on the package, which would hide the
    function (``nc.rollup(...)`` → "module is not callable"); here the function wins. The
    submodules stay importable by their full name (``from ncctd_cli.rollup import Rollup``)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == "api":
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
