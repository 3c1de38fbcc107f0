"""What pandas alone takes for the national long CSV: ``read_csv`` and group.

The file's numbers are written the Vietnamese way (``1.700``, ``12,5``), so the pandas user
passes ``thousands="."`` and ``decimal=","``. Grouping by indicator gives each indicator's
sum over the year (which is right for flows only; no checks, nothing stored).

    python benchmarks/peer_national.py FILE.csv [--clean] [--json OUT]

``--clean``: the file is written as a script writes it (``12.5``): plain ``read_csv``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd


def main(path: Path, clean: bool = False) -> dict[str, float]:
    """``clean``: a file written by a script (codes, ISO months, a decimal point)."""
    frame = pd.read_csv(path) if clean else pd.read_csv(path, thousands=".", decimal=",")
    totals = frame.groupby("indicator")["value"].sum()
    return {str(code): float(total) for code, total in totals.items()}


def exact(path: Path, indicators: Path) -> dict[str, float]:
    """The year's roll-up done right in pandas (not timed; to check ncctd's totals): flows
    summed, stocks at each commune's last reported month, then summed over communes. The
    file spells months two ways (``2023-01``, ``01/2023``), so they are read first."""
    frame = pd.read_csv(path, thousands=".", decimal=",", dtype={"commune": str, "period": str})
    parts = frame["period"].str.extract(r"^(?:(\d{4})-(\d{2})|(\d{2})/(\d{4}))$")
    frame["month"] = parts[0].fillna(parts[3]) + "-" + parts[1].fillna(parts[2])
    kinds = pd.read_csv(indicators).set_index("code")["over_time"]
    stock = frame["indicator"].map(kinds) == "last"
    flows = frame[~stock].groupby("indicator")["value"].sum()
    last = frame[stock].sort_values("month").groupby(["commune", "indicator"]).tail(1)
    stocks = last.groupby("indicator")["value"].sum()
    return {str(k): round(float(v), 6) for k, v in pd.concat([flows, stocks]).items()}


if __name__ == "__main__":
    if "--exact" in sys.argv:
        result = exact(Path(sys.argv[1]), Path(sys.argv[sys.argv.index("--exact") + 1]))
    else:
        result = main(Path(sys.argv[1]), clean="--clean" in sys.argv)
    if "--json" in sys.argv:
        Path(sys.argv[sys.argv.index("--json") + 1]).write_text(json.dumps(result), encoding="utf-8")
    print(f"{len(result)} indicators")
