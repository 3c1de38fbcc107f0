"""The wild corpus (issue 12): the project's returns saved the quirky ways real programs and
clerks save them, each ingested by the real ``ncctd`` and judged against what it must read as
(the values the person sees) or the clear refusal it must get.

The corpus is written by tests/wild_corpus.py into a temporary folder (LibreOffice's part is
cached in tests/data/wild/lo/, real files in tests/data/wild/real/); tests/wild_report.py runs it
(also by hand: ``python -m tests.wild_report``). Cases that fail on today's readers are marked
xfail (not strict): as the readers are fixed they show as XPASS — then delete their line from
FAILS_TODAY so that they stay fixed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.wild_corpus import (
    CLASSES,
    LO_CACHE,
    MANIFEST,
    REFUSAL_CODES,
    SAMPLES,
    base,
    build,
    calamine_reads,
    corpus,
    libreoffice_reads,
    lo_jobs,
    manifest_text,
    office_files,
    spreadsheet_kind,
)
from tests.wild_report import (
    Outcome,
    _current_values,
    _history_values,
    fresh_store,
    ncctd,
    run_corpus,
)

# Cases today's ncctd still gets wrong (python -m tests.wild_report), marked xfail with what
# they get: none since issue 12 (every class, a to n, is read as its original or refused by
# what it is).
FAILS_TODAY: dict[str, str] = {}

# Files LibreOffice does not open although calamine does (zip entries named with backslashes).
LIBREOFFICE_CANNOT: set[str] = {"e-backslash-names.xlsx", "e-real-calamine-issue_530.xlsx"}


def _marks(name: str) -> list[pytest.MarkDecorator]:
    if name not in FAILS_TODAY:
        return []
    klass = next(c.klass for c in corpus() if c.name == name)
    return [pytest.mark.xfail(strict=False, reason=f"issue 12 ({klass}); today: {FAILS_TODAY[name]}")]


@pytest.fixture(scope="session")
def wild_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole corpus, written once (~2 s)."""
    folder = tmp_path_factory.mktemp("wild") / "corpus"
    build(folder)
    return folder


@pytest.fixture(scope="session")
def wild(request: pytest.FixtureRequest, wild_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    """Every selected case run through the real ncctd once, in parallel (~15 s for all)."""
    selected = {item.callspec.params["name"] for item in request.session.items
                if getattr(item, "originalname", "") == "test_wild_case" and hasattr(item, "callspec")}
    cases = [c for c in corpus() if c.name in selected]
    return {o.case.name: o for o in run_corpus(cases, wild_dir, tmp_path_factory.mktemp("wild-run"))}


@pytest.mark.parametrize("name", [pytest.param(c.name, marks=_marks(c.name), id=c.name) for c in corpus()])
def test_wild_case(wild: dict[str, Outcome], name: str) -> None:
    outcome = wild[name]
    assert outcome.ok, f"expected {outcome.case.expect.label()}; got {outcome.got}"


def test_fails_today_names_real_cases() -> None:
    names = {c.name for c in corpus()}
    assert set(FAILS_TODAY) <= names, sorted(set(FAILS_TODAY) - names)
    controls = {c.name for c in corpus() if c.klass == "control"}
    assert not controls & set(FAILS_TODAY), "control cases must read today"


def test_manifest_is_current() -> None:
    """tests/data/wild/manifest.json is what the generator says (regenerate with --manifest)."""
    assert MANIFEST.read_text(encoding="utf-8") == manifest_text(), \
        "run: python -m tests.wild_corpus --manifest"


def test_every_class_is_covered() -> None:
    assert {c.klass for c in corpus()} == set(CLASSES)
    for klass in "abcdef":
        assert any(c.made_by == "real" for c in corpus() if c.klass == klass), klass


def test_every_refusal_code_is_used() -> None:
    used = {r.code for c in corpus() for r in (*c.expect.refused, *c.expect.alternatives)}
    assert used == set(REFUSAL_CODES)


def test_libreoffice_cache_is_complete() -> None:
    wanted = {f"{job.stem}.{target}" for job in lo_jobs() for target in job.targets}
    present = {p.name for p in LO_CACHE.iterdir()}
    assert wanted == present, "run: python -m tests.wild_corpus --refresh-libreoffice"


def test_corpus_files_are_good_for_calamine(wild_dir: Path) -> None:
    """Every spreadsheet in the corpus opens in python-calamine: the files are good, whatever
    ncctd makes of them."""
    bad = {}
    for case in corpus():
        for name in case.files:
            path = wild_dir / case.name / name
            if spreadsheet_kind(path.read_bytes()) and (error := calamine_reads(path)):
                bad[f"{case.name}/{name}"] = error
    assert not bad


def test_oracle_agrees_on_the_samples(tmp_path: Path) -> None:
    """The generator reads the samples (its oracle) as ncctd reads them today: one batch of all
    32 sample returns, every stored value compared."""
    samples = sorted(p.name for p in SAMPLES.glob("bc_*"))
    template = fresh_store(tmp_path)
    done = ncctd(["--db", template, "ingest", "--format", "json", *samples], cwd=SAMPLES)
    report = json.loads(done.stdout)
    assert report["summary"]["rejected"] == 0, report
    for name in samples:
        b = base(name)
        assert _current_values(template, tmp_path, b.commune, b.period) == pytest.approx(b.values), name


def test_values_from_the_store_match_history(tmp_path: Path) -> None:
    """The runner reads stored values straight from the store; ``ncctd history`` agrees."""
    name = "bc_04462_2024-01.xlsx"
    store = fresh_store(tmp_path)
    ncctd(["--db", store, "ingest", name], cwd=SAMPLES)
    b = base(name)
    assert _current_values(store, tmp_path, b.commune, b.period) == \
        _history_values(store, tmp_path, b.commune, b.period) == pytest.approx(b.values)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_corpus_files_are_good_for_libreoffice(wild_dir: Path) -> None:
    """LibreOffice opens every spreadsheet of the corpus, HTML and SpreadsheetML included (one
    soffice start, ~10 s)."""
    files = [p for p in office_files(wild_dir, corpus()) if p.name not in LIBREOFFICE_CANNOT]
    result = libreoffice_reads(files)
    assert not {p.name: e for p, e in result.items() if e}


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_cache_can_be_remade(tmp_path: Path) -> None:
    """--refresh-libreoffice works (into a temporary folder; ~15 s)."""
    done = subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; "
                           "from tests.wild_corpus import refresh_libreoffice; "
                           f"print(len(refresh_libreoffice(Path({str(tmp_path)!r}))))"],
                          capture_output=True, text=True, cwd=Path(__file__).parent.parent, timeout=600)
    assert done.returncode == 0, done.stderr
    assert {p.name for p in tmp_path.iterdir()} == {p.name for p in LO_CACHE.iterdir()}
