"""What pandas alone takes for the national long CSV: ``read_csv`` and group.

The file's numbers are written the Vietnamese way (``1.700``, ``12,5``), so the pandas user
passes ``thousands="."`` and ``decimal=","``. Grouping by indicator gives each indicator's
sum over the year (which is right for flows only; no checks, nothing stored).

    python benchmarks/peer_national.py FILE.csv [--json OUT]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd


def main(path: Path) -> dict[str, float]:
    frame = pd.read_csv(path, thousands=".", decimal=",")
    totals = frame.groupby("indicator")["value"].sum()
    return {str(code): float(total) for code, total in totals.items()}


if __name__ == "__main__":
    result = main(Path(sys.argv[1]))
    if "--json" in sys.argv:
        Path(sys.argv[sys.argv.index("--json") + 1]).write_text(json.dumps(result), encoding="utf-8")
    print(f"{len(result)} indicators")
