"""The Python API a notebook uses, and every Python snippet of the analyst's guide (docs/analyst.md), run for real."""

from __future__ import annotations

import contextlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import ncctd_cli as nc
from ncctd_cli.store import Store

from .conftest import EXAMPLES, ROOT

ANALYST_GUIDE = ROOT / "docs" / "analyst.md"


def analyst_section() -> str:
    """The analyst's guide, docs/analyst.md (once the README's section for the analyst)."""
    return ANALYST_GUIDE.read_text(encoding="utf-8")


def test_api_names_are_the_functions_even_after_the_submodules_load() -> None:
    import ncctd_cli.ingest
    import ncctd_cli.narrative
    import ncctd_cli.rollup  # noqa: F401  (binding the submodules must not hide the functions)

    for name in ("rollup", "ingest", "narrative", "open_store", "write_report", "read_file"):
        assert callable(getattr(nc, name)), name
    from ncctd_cli.rollup import Rollup

    assert nc.Rollup is Rollup


def test_import_is_light() -> None:
    code = "import sys, ncctd_cli; print(sorted(m for m in ('pandas', 'openpyxl', 'rich') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_frames_have_indicator_codes_as_columns(tmp_path: Path, samples_dir: Path, samples_expected: dict) -> None:
    store = nc.open_store(tmp_path / "s.sqlite")
    report = nc.ingest(store, [samples_dir])
    assert report.summary["stored"] == 41
    codes = [i.code for i in store.catalog.indicators]
    district = nc.rollup(store, "2024-01", "2024-03").to_frame()
    assert list(district.columns) == [*codes, "expected", "received"]
    assert district.index.tolist() == ["district"]
    by_commune = nc.rollup(store, "2024-01", "2024-03", by="commune").to_frame()
    assert list(by_commune.columns) == ["name", *codes, "expected", "received"]
    assert by_commune.index.name == "commune" and len(by_commune) == 14
    by_month = nc.rollup(store, "2024-01", "2024-03", by="month").to_frame()
    assert by_month.index.tolist() == ["2024-01", "2024-02", "2024-03"]
    for code, total in samples_expected["totals"].items():
        assert district.loc["district", code] == pytest.approx(total)
        if not store.catalog.indicator_by_code[code].is_stock:
            assert by_month[code].sum() == pytest.approx(total)
        assert by_commune[code].sum() == pytest.approx(total)
    assert int(by_month["received"].sum()) == 41
    store.close()


def test_readonly_store_is_never_created(tmp_path: Path) -> None:
    with nc.open_store(tmp_path / "none.sqlite", readonly=True) as store:
        assert nc.rollup(store, "2023-01", "2023-12").totals["leader_visits"] is None
    assert not (tmp_path / "none.sqlite").exists()


def test_narrative_and_report_from_python(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_text("Xã,Kỳ báo cáo,leader_visits,houses_for_poor\nNậm Có,2023-03,1234,2\n", encoding="utf-8")
    with Store.open(tmp_path / "s.sqlite") as store:
        nc.ingest(store, [path])
        story = nc.narrative(store, "2023-01", "2023-03")
        assert story.text == (
            "Trong quý I năm 2023, huyện đã tổ chức hơn 1.230 lượt, gồm các đồng chí Thường trực "
            "Huyện ủy, Ủy viên Ban Thường vụ, Ủy viên Ban Chấp hành Đảng bộ huyện, trưởng, phó các "
            "ban, ngành, cơ quan, đoàn thể huyện tham dự sinh hoạt với chi bộ, đảng bộ cơ sở; "
            "làm được 2 nhà cho hộ nghèo đặc biệt khó khăn."
        )
        out = nc.write_report(store, "2023-01", "2023-03", tmp_path / "r.xlsx")
    from openpyxl import load_workbook

    summary = load_workbook(out)["Tổng hợp"]
    found = {summary.cell(row=r, column=2).value: summary.cell(row=r, column=5).value for r in range(6, 40)}
    assert found["Lượt cán bộ lãnh đạo huyện dự sinh hoạt với chi bộ, đảng bộ cơ sở"] == 1234


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_every_python_snippet_of_the_docs_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The snippets run in order in one namespace, from a folder holding examples/; each
    ``print(...)  # result`` prints what its comment says (up to a «...»)."""
    blocks = python_blocks(analyst_section())
    assert len(blocks) >= 3
    (tmp_path / "examples").symlink_to(EXAMPLES)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for block in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, str(ANALYST_GUIDE), "exec"), namespace)
        printed = out.getvalue()
        for line in block.splitlines():
            match = re.match(r"\s*print\(.*\)\s+#\s*(.+)$", line)
            if match:
                expected = match.group(1).split("...")[0].strip()
                assert expected in printed, (line, printed)
    assert (tmp_path / "bao-cao-2023.xlsx").exists()
    assert (tmp_path / "ncctd.sqlite").exists()
    totals = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))["totals"]
    with Store.open_readonly(tmp_path / "ncctd.sqlite") as store:
        assert nc.rollup(store, "2021-01", "2023-12").totals == pytest.approx(totals)


def test_docs_commands_are_real(cli) -> None:  # type: ignore[no-untyped-def]
    """Every ``ncctd <command>`` the doc shows exists, and its options are known."""
    text = analyst_section()
    commands = re.findall(r"^ncctd ([a-z]+)((?: [^#\n]*?)?)\s*(?:#.*)?$", text, flags=re.M)
    assert {c for c, _ in commands} >= {"report", "narrative", "rollup"}
    for command, args in commands:
        options = re.findall(r"(--[a-z-]+)", args)
        help_text = cli(command, "--help").output
        for option in options:
            assert option in help_text, (command, option)
