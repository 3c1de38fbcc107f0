"""The script a pandas user writes instead of ``ncctd ingest`` for a folder of form returns.

``pd.read_excel`` per file with pandas' default engine, pick the code and value columns,
concat, group. It checks nothing (no commune, month, number, duplicate or rule checks) and
stores nothing: the benchmark gives it every advantage.

    python benchmarks/peer_forms.py FOLDER [--json OUT]
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

import pandas as pd


def main(folder: Path) -> dict[str, float]:
    # pandas 3 warns that its default xlsx engine (openpyxl) will change; it is still the default
    warnings.simplefilter("ignore")
    frames = []
    for path in sorted(folder.glob("*.xlsx")):
        sheet = pd.read_excel(path, header=6)  # the header row of the form is row 7
        frame = sheet[["Mã chỉ tiêu", "Số lượng"]].dropna(subset=["Mã chỉ tiêu"])
        frame["file"] = path.name
        frames.append(frame)
    values = pd.concat(frames, ignore_index=True)
    totals = values.groupby("Mã chỉ tiêu")["Số lượng"].sum()
    return {str(code): float(total) for code, total in totals.items()}


if __name__ == "__main__":
    result = main(Path(sys.argv[1]))
    if "--json" in sys.argv:
        Path(sys.argv[sys.argv.index("--json") + 1]).write_text(json.dumps(result), encoding="utf-8")
    print(f"{len(result)} indicators")
