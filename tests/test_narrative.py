"""The report paragraph: the rounding rule, the phrases, missing data, and the article itself."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ncctd_cli.api import ingest
from ncctd_cli.catalog import Catalog, Commune, Indicator, default_catalog
from ncctd_cli.narrative import (
    CLAUSES,
    NOT_IN_ARTICLE,
    approximate,
    compose,
    narrative,
)
from ncctd_cli.store import Store
from ncctd_cli.vietnamese import Period, format_number

from .conftest import DATA, EXAMPLES

ARTICLE = DATA / "article_paragraph.txt"


def article_paragraph() -> str:
    lines = [ln for ln in ARTICLE.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    # The article misspells «thắp sáng» as «thấp sáng»; the tool writes the correct spelling.
    return " ".join(lines).strip().replace("thấp sáng", "thắp sáng")


# ------------------------------------------------------------------ the rounding rule


@pytest.mark.parametrize(
    ("value", "over", "written"),
    [
        # the article's figures (the brief's table)
        (4612, "hơn", "hơn 4.600"),
        (17538, "trên", "trên 17.500"),
        (50037, "trên", "trên 50.000"),
        (15342, "trên", "trên 15.300"),
        (300041, "trên", "trên 300.000"),
        (149.6, "trên", "gần 150"),
        (29.7, "trên", "gần 30"),
        (15042, "trên", "trên 15.000"),
        (80.4, "trên", "trên 80"),
        (1396, "trên", "gần 1.400"),
        (1704, "trên", "trên 1.700"),
        (2436.5, "trên", "trên 2.400"),
        # exact: whole numbers with at most three significant digits
        (98, "trên", "98"),
        (247, "trên", "247"),
        (2110.0, "trên", "2.110"),
        (35.0, "trên", "35"),
        (150.0, "trên", "150"),
        (77, "trên", "77"),
        (511, "trên", "511"),
        (15, "trên", "15"),
        (0, "trên", "0"),
        (1250, "trên", "1.250"),
        (45000, "trên", "45.000"),
        # rounding leaves it unchanged: written exactly, with its decimals
        (12.5, "trên", "12,5"),
        (0.45, "trên", "0,45"),
        # other cases of the rule
        (0.456, "trên", "gần 0,46"),
        (9951, "trên", "gần 10.000"),
        (2455, "trên", "gần 2.500"),  # half rounds up
        (1541, "hơn", "hơn 1.540"),  # first digit 1: three significant digits
        (123456, "trên", "trên 123.000"),
        (99.5, "trên", "gần 100"),
    ],
)
def test_rounding_rule(value: float, over: str, written: str) -> None:
    assert approximate(value).text(over) == written


def test_rounding_direction_matches_the_word() -> None:
    for value in (4612, 149.6, 1396, 2436.5, 0.456, 9951, 17538):
        shown = approximate(value)
        assert shown.kind in ("down", "up")
        assert (float(shown.shown) < value) == (shown.kind == "down")
        significant = shown.shown.normalize().as_tuple().digits
        assert len(significant) <= (3 if str(value).lstrip("0.")[0] == "1" else 2)


# ------------------------------------------------------------------ composing from totals

CATALOG = default_catalog()
Y2023 = (Period(2023, 1), Period(2023, 12))


def totals(**values: float) -> dict[str, float | int | None]:
    found: dict[str, float | int | None] = {i.code: None for i in CATALOG.indicators}
    found.update(values)
    return found


def test_every_catalog_indicator_has_a_phrase() -> None:
    phrased = {code for clause in CLAUSES for code in clause.codes}
    assert phrased == {i.code for i in CATALOG.indicators}


def test_missing_indicators_are_left_out_and_the_sentence_still_reads() -> None:
    story = compose(
        totals(cadre_participations=120, propaganda_listeners=3000, cleanup_road_km=2.5,
               coop_groups_total=40, cooperatives_new=2),
        CATALOG, *Y2023,
    )
    assert story.text == (
        "Trong năm 2023, huyện đã huy động 120 lượt cán bộ, đảng viên, công chức, viên chức, "
        "người lao động tham gia các công trình, phần việc cụ thể tại bản, tổ dân phố; "
        "tuyên truyền cho 3.000 lượt người nghe; tổng vệ sinh môi trường 2,5 km đường nông thôn; "
        "thành lập được 2 hợp tác xã, nâng tổng số toàn huyện lên 40 tổ hợp tác."
    )
    assert " 0 " not in story.text  # no data is not zero
    assert "leader_visits" in story.left_out and "cadre_participations" not in story.left_out
    assert [f.code for f in story.figures] == [
        "cadre_participations", "propaganda_listeners", "cleanup_road_km", "cooperatives_new",
        "coop_groups_total",
    ]


def test_a_true_zero_is_data() -> None:
    story = compose(totals(houses_for_poor=0, enterprises_new=3), CATALOG, *Y2023)
    assert "làm được 0 nhà cho hộ nghèo" in story.text
    assert "thành lập được 3 DN" in story.text


def test_no_data_at_all() -> None:
    story = compose(totals(), CATALOG, Period(2024, 1), Period(2024, 6))
    assert story.text == "Trong 6 tháng đầu năm 2024, chưa có số liệu nào được báo cáo."
    assert story.figures == []


def test_workdays_only_when_asked_for() -> None:
    values = totals(workdays=5237, leader_visits=4612)
    assert "ngày công" not in compose(values, CATALOG, *Y2023).text
    assert "workdays" in NOT_IN_ARTICLE
    asked = compose(values, CATALOG, *Y2023, indicators=["workdays", "leader_visits"])
    assert asked.text.startswith("Trong năm 2023, huyện đã tổ chức hơn 4.600 lượt")
    assert asked.text.endswith("; đóng góp trên 5.200 ngày công.")


def test_markdown_bolds_figures() -> None:
    story = compose(totals(leader_visits=4612, houses_for_poor=98), CATALOG, *Y2023)
    assert "tổ chức **hơn 4.600** lượt" in story.markdown
    assert "làm được **98** nhà" in story.markdown
    assert story.markdown.replace("**", "") == story.text


def test_another_catalog_gets_generic_phrases() -> None:
    catalog = Catalog(
        [
            Indicator("wells", "Giếng khoan mới", "giếng", "integer", "sum"),
            Indicator("houses_for_poor", "Nhà cho hộ nghèo", "nhà", "integer", "sum"),
            Indicator("net_km", "Km lưới *điện*", "km", "decimal", "last"),
        ],
        [Commune("001", "Xã A")],
    )
    story = compose({"wells": 1234, "houses_for_poor": 7, "net_km": 12.5}, catalog, *Y2023)
    assert story.text == (
        "Trong năm 2023, huyện đã làm được 7 nhà cho hộ nghèo đặc biệt khó khăn; "
        "giếng khoan mới đạt trên 1.230 giếng; km lưới *điện* đạt 12,5 km."
    )
    assert r"km lưới \*điện\* đạt **12,5** km" in story.markdown
    only_generic = compose({"wells": 12, "houses_for_poor": None, "net_km": None}, catalog, *Y2023)
    assert only_generic.text == "Trong năm 2023, trên địa bàn huyện, giếng khoan mới đạt 12 giếng."


# ------------------------------------------------------------------ from a store

WIDE_HEADER = "Xã,Kỳ báo cáo,leader_visits,propaganda_sessions,propaganda_listeners,lighting_km"


def test_narrative_from_stored_returns(tmp_path: Path) -> None:
    rows = [
        "Nậm Có,2023-01,100,20,400,3.5",
        "Nậm Có,2023-02,120,21,410,3.7",
        "Hồ Bốn,2023-01,90,10,300,",
        "Hồ Bốn,2023-02,95,11,320,1.0",
    ]
    path = tmp_path / "wide.csv"
    path.write_text("\n".join([WIDE_HEADER, *rows]) + "\n", encoding="utf-8")
    with Store.open(tmp_path / "s.sqlite") as store:
        assert not ingest(store, [path]).refused
        story = narrative(store, Period(2023, 1), Period(2023, 2))
    # independent sums of the rows above
    leaders = 100 + 120 + 90 + 95
    sessions, listeners = 20 + 21 + 10 + 11, 400 + 410 + 300 + 320
    lighting = 3.7 + 1.0  # stocks: each commune's latest value
    assert story.text.startswith("Trong 2 tháng đầu năm 2023, huyện đã tổ chức ")
    assert f"{format_number(leaders)} lượt, gồm" in story.text
    assert f"tổ chức {sessions} buổi tuyên truyền với {approximate(listeners).text()} lượt người nghe" in story.text
    assert f"duy trì {approximate(lighting).text()} km đường điện thắp sáng đường quê." in story.text
    assert (story.expected, story.received) == (28, 4)
    with Store.open(tmp_path / "s.sqlite") as store, pytest.raises(KeyError):
        narrative(store, Period(2023, 1), Period(2023, 2), indicators=["khong-co"])


# ------------------------------------------------------------------ the article, end to end


def test_the_article_paragraph_from_the_three_years_of_returns(examples_store: Path) -> None:
    expected = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
    first, last = (Period.parse_iso(p) for p in expected["window"])
    with Store.open_readonly(examples_store) as store:
        story = narrative(store, first, last)
    # every figure written is the expected total, rounded by the rule
    written = {f.code: f for f in story.figures}
    assert set(written) == set(expected["totals"]) - NOT_IN_ARTICLE
    for code, figure in written.items():
        assert figure.value == pytest.approx(expected["totals"][code])
        over = "hơn" if code == "leader_visits" else "trên"
        assert figure.text == approximate(expected["totals"][code]).text(over)
    # … and the paragraph is the article's, clause by clause, in its order
    article = article_paragraph()
    clauses = story.text.rstrip(".").split("; ")
    positions = [article.find(clause) for clause in clauses]
    assert -1 not in positions, [c for c, p in zip(clauses, positions, strict=True) if p < 0]
    assert positions == sorted(positions)
    assert story.text.startswith("Trong 3 năm qua, huyện đã tổ chức hơn 4.600 lượt")
    # everything of the article but its two descriptive asides is in the paragraph
    asides = re.sub(r", tập trung tuyên truyền.*?trên địa bàn;", ";", article)
    assert story.text == asides


def test_narrative_command(examples_store: Path, run_ncctd, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    text = run_ncctd("--db", examples_store, "narrative", "--from", "2021-01", "--to", "2023-12")
    assert text.returncode == 0, text.stderr
    article = article_paragraph()
    assert text.stdout.strip() == re.sub(r", tập trung tuyên truyền.*?trên địa bàn;", ";", article)
    md = run_ncctd("--db", examples_store, "narrative", "--year", "2023", "--format", "md", "-o", "p.md")
    assert md.returncode == 0, md.stderr
    body = (tmp_path / "p.md").read_text(encoding="utf-8")
    assert body.startswith("Trong năm 2023, huyện đã tổ chức **")
    assert "*Nguồn: 168/168 báo cáo tháng" in body and "Quy tắc làm tròn" in body
    again = run_ncctd("--db", examples_store, "narrative", "--year", "2023", "-o", "p.md")
    assert again.returncode == 2 and "--force" in again.stderr
    unknown = run_ncctd("--db", examples_store, "narrative", "--year", "2023", "--indicators", "abc")
    assert unknown.returncode == 2 and "abc" in unknown.stderr and "Traceback" not in unknown.stderr


def test_narrative_help_states_the_rule(cli) -> None:  # type: ignore[no-untyped-def]
    result = cli("narrative", "--help")
    assert result.exit_code == 0
    assert "Quy tắc làm tròn" in result.output and "gần" in result.output


def test_partial_window_is_refused_or_said_first(tmp_path: Path, run_ncctd) -> None:  # type: ignore[no-untyped-def]
    """Issue 14: an incomplete window is refused (exit 2, saying why and what to do), or with
    --allow-incomplete its paragraph says so in its first words."""
    path = tmp_path / "w.csv"
    path.write_text(f"{WIDE_HEADER}\nNậm Có,2023-01,100,20,400,3.5\n", encoding="utf-8")
    assert run_ncctd("--db", "s.sqlite", "ingest", path).returncode == 0
    refused = run_ncctd("--db", "s.sqlite", "narrative", "--from", "2023-01", "--to", "2023-01")
    assert refused.returncode == 2 and refused.stdout == ""
    assert "mới nhận 1/14 báo cáo" in refused.stderr and "--allow-incomplete" in refused.stderr
    assert "Traceback" not in refused.stderr
    result = run_ncctd("--db", "s.sqlite", "narrative", "--from", "2023-01", "--to", "2023-01", "--allow-incomplete")
    assert result.returncode == 0
    assert result.stdout.startswith("Số liệu chưa đầy đủ: mới nhận 1/14 báo cáo tháng của kỳ này. ")
    assert "Trong tháng 1/2023, huyện đã tổ chức 100 lượt" in result.stdout
    en = run_ncctd("--db", "s.sqlite", "--lang", "en", "narrative", "--from", "2023-01", "--to", "2023-01",
                   "--allow-incomplete")
    assert en.stdout.startswith("Incomplete figures: only 1/14 monthly returns received")
    assert "In January 2023, the district organised 100 visits" in en.stdout
