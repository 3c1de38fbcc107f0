"""Time and memory bounds of refusing hostile input (issue 12): wall time and peak memory of
``ncctd validate`` on the committed hostile corpus, on each big generated hostile file, and on
a large CSV that is not a return.

    python benchmarks/hostile_bounds.py                 # print a table, write benchmarks/out/hostile.json
    python benchmarks/hostile_bounds.py --csv-mb 130    # the size of the non-return CSV (default 130)

Memory is the peak of the process and its workers together (resident sets summed, as
``benchmarks/run.py`` measures). Each command runs once per repeat; the table shows the median
time and the largest peak. Exit status 1 when a bound of docs/SECURITY.md is missed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from run import _env, _sample_tree, ncctd_command  # noqa: E402

HOSTILE = ROOT / "tests" / "data" / "hostile"
MB = 1024 * 1024


def measure(args: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak MB, exit status (any status is fine here). The peak is the larger of
    the process tree's resident sets summed (sampled) and the largest single process as the
    kernel counts it (through ``/usr/bin/time``: a process started from this one would inherit
    this one's peak, a few tens of MB, in its own count)."""
    with tempfile.NamedTemporaryFile("r") as peak_file:
        started = time.perf_counter()
        proc = subprocess.Popen(
            ["/usr/bin/time", "-f", "%M", "-o", peak_file.name, *args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(),
        )
        peak = [0.0]
        done = threading.Event()
        sampler = threading.Thread(target=_sample_tree, args=(proc.pid, peak, done), daemon=True)
        sampler.start()
        status = proc.wait()
        seconds = time.perf_counter() - started
        done.set()
        sampler.join()
        lines = peak_file.read().split()
        own = int(lines[-1]) / 1024 if lines and lines[-1].isdigit() else 0.0
    return seconds, max(own, peak[0]), status


def non_return_csv(path: Path, megabytes: int) -> Path:
    """A CSV of ``megabytes`` MB that is no return: an export of payments with Vietnamese text,
    its header naming no commune, period or indicator column."""
    line = "{n};Nguyễn Văn Thành {n};Thôn Khau Phạ, bản Mông;{n}000;2024-01-{d:02d};ghi chú {n}\n"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("Số thứ tự;Họ và tên;Địa chỉ;Số tiền;Ngày;Ghi chú\n")
        n, written = 0, 0
        while written < megabytes * MB:
            block = "".join(line.format(n=n + i, d=(n + i) % 28 + 1) for i in range(10_000))
            fh.write(block)
            written += len(block.encode("utf-8"))
            n += 10_000
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--csv-mb", type=int, default=130)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "out" / "hostile.json")
    args = parser.parse_args()
    spec = importlib.util.spec_from_file_location("make_hostile", HOSTILE / "make_hostile.py")
    assert spec is not None and spec.loader is not None
    make_hostile = importlib.util.module_from_spec(spec)
    sys.modules["make_hostile"] = make_hostile
    spec.loader.exec_module(make_hostile)
    ncctd = ncctd_command()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        large = make_hostile.write_large(work / "large")
        csv_path = non_return_csv(work / "not_a_return.csv", args.csv_mb)
        cases = {"corpus (folder)": HOSTILE / "corpus"}
        cases.update({f"corpus/{p.name}": p for p in sorted((HOSTILE / "corpus").iterdir())})
        cases.update({f"large/{name}": path for name, path in sorted(large.items())})
        cases[f"not_a_return.csv ({args.csv_mb} MB)"] = csv_path
        for name, path in cases.items():
            runs = [measure([*ncctd, "validate", str(path)]) for _ in range(args.repeat)]
            results[name] = {
                "seconds": round(statistics.median(r[0] for r in runs), 3),
                "peak_mb": round(max(r[1] for r in runs), 1),
                "exit": runs[0][2],
            }
            print(f"{name:45} {results[name]['seconds']:7.2f} s {results[name]['peak_mb']:8.1f} MB  exit {runs[0][2]}")
        csv_bytes = csv_path.stat().st_size
    bound = 2 * csv_bytes / MB + 200
    csv_peak = results[f"not_a_return.csv ({args.csv_mb} MB)"]["peak_mb"]
    print(f"non-return CSV: {csv_peak:.0f} MB for a {csv_bytes / MB:.0f} MB file (bound {bound:.0f} MB)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0 if csv_peak <= bound else 1


if __name__ == "__main__":
    sys.exit(main())
