"""The report paragraph: the district's figures for a window, written the way the district's
article writes them ("Trong 3 năm qua, huyện đã tổ chức hơn 4.600 lượt …").

**Rounding rule.** A figure is written exactly when it is a whole number with at most three
significant digits (98, 247, 2.110, 35, 150). Otherwise it is rounded to two significant
digits — three when its first digit is 1 — and preceded by the phrase's word for "more than"
("trên", or "hơn") when that rounds it down, and by "gần" when it rounds it up
(4.612 → "hơn 4.600", 17.538 → "trên 17.500", 149,6 → "gần 150", 1.396 → "gần 1.400").
A figure that rounding leaves unchanged (12,5) is written exactly.

**Phrases are data.** :data:`CLAUSES` holds, in the article's order, the phrase of every
indicator of the bundled catalog, keyed by indicator code. An indicator with no data in the
window is left out (never written as zero) and its clause still reads; an indicator of another
catalog with no phrase gets a generic one built from its label and unit.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from .vietnamese import Period, format_number, window_in_words

if TYPE_CHECKING:  # annotations only: `ncctd --help` imports this module for its help text
    from .catalog import Catalog, Indicator
    from .store import Store

# ------------------------------------------------------------------ the rounding rule

EXACT_MAX_DIGITS = 3  # a whole number with at most this many significant digits is exact
NEAR = "gần"  # the word for a figure rounded up
NEAR_EN = "nearly"


@dataclass(frozen=True)
class Approx:
    """A figure as the paragraph writes it."""

    value: float  # the figure itself
    shown: Decimal  # the number written
    decimals: int  # decimals written
    kind: str  # "exact", "down" (the written number is below the figure) or "up"

    def text(self, over: str = "trên") -> str:
        """``98``; ``over`` + ``4.600`` when rounded down; ``gần 150`` when rounded up."""
        number = format_number(float(self.shown), self.decimals)
        if self.kind == "down":
            return f"{over} {number}"
        if self.kind == "up":
            return f"{NEAR} {number}"
        return number

    def text_en(self, over: str = "more than") -> str:
        """The English report's way: ``4,600``; ``more than 4,600``; ``nearly 150``."""
        number = f"{float(self.shown):,.{self.decimals}f}"
        if self.kind == "down":
            return f"{over} {number}"
        if self.kind == "up":
            return f"{NEAR_EN} {number}"
        return number


def approximate(value: float) -> Approx:
    """Apply the rounding rule to one figure (see the module's docstring)."""
    exact = Decimal(repr(round(float(value), 6)))
    if exact == 0 or exact < 0:
        return Approx(float(value), exact, _decimals(exact), "exact")
    digits = exact.normalize().as_tuple().digits
    if exact == exact.to_integral_value() and len(digits) <= EXACT_MAX_DIGITS:
        return Approx(float(value), exact, 0, "exact")
    keep = 3 if digits[0] == 1 else 2
    step = Decimal(1).scaleb(exact.adjusted() - keep + 1)
    shown = exact.quantize(step, rounding=ROUND_HALF_UP)
    if shown == exact:
        return Approx(float(value), exact, _decimals(exact), "exact")
    return Approx(float(value), shown, _decimals(shown), "down" if shown < exact else "up")


def _decimals(number: Decimal) -> int:
    exponent = number.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


# ------------------------------------------------------------------ phrases (data)


@dataclass(frozen=True)
class Item:
    """One indicator's phrase: ``{n}`` is where the figure goes (``{s}``: an English plural
    ending, left out when the figure is 1); ``over`` is the phrase's word for a figure
    rounded down ("trên" or "hơn")."""

    code: str
    template: str
    over: str = "trên"


@dataclass(frozen=True)
class Group:
    """Items under one verb: ``lead`` + items joined + ``tail``.

    ``leads`` are (code, lead) pairs: the first whose code has data is used (code ``None``:
    always), so "tổ chức trên 15.300 buổi tuyên truyền" becomes "tuyên truyền cho trên
    300.000 lượt người nghe" when the sessions are missing."""

    items: tuple[Item, ...]
    leads: tuple[tuple[str | None, str], ...] = ()
    joiner: str = ", "
    last_joiner: str = " và "
    tail: str = ""


@dataclass(frozen=True)
class Clause:
    """One clause of the paragraph (they are separated by "; ").

    ``opening`` is what follows "Trong …, " when the clause comes first."""

    groups: tuple[Group, ...]
    opening: str = "huyện đã "
    group_joiner: str = ", "

    @property
    def codes(self) -> list[str]:
        return [item.code for group in self.groups for item in group.items]


def _one(code: str, lead: str, template: str, over: str = "trên") -> Clause:
    return Clause((Group((Item(code, template, over),), ((None, lead),)),))


CLAUSES: tuple[Clause, ...] = (
    _one(
        "leader_visits",
        "tổ chức",
        "{n} lượt, gồm các đồng chí Thường trực Huyện ủy, Ủy viên Ban Thường vụ, Ủy viên Ban "
        "Chấp hành Đảng bộ huyện, trưởng, phó các ban, ngành, cơ quan, đoàn thể huyện tham dự "
        "sinh hoạt với chi bộ, đảng bộ cơ sở",
        over="hơn",
    ),
    Clause(
        (
            Group(
                (
                    Item("cadre_participations", "{n} lượt cán bộ, đảng viên, công chức, viên chức, người lao động"),
                    Item("citizen_participations", "{n} lượt người dân"),
                ),
                tail=" tham gia các công trình, phần việc cụ thể tại bản, tổ dân phố",
            ),
        ),
        opening="huyện đã huy động ",
    ),
    _one("workdays", "đóng góp", "{n} ngày công"),
    Clause(
        (
            Group(
                (
                    Item("propaganda_sessions", "{n} buổi tuyên truyền"),
                    Item("propaganda_listeners", "{n} lượt người nghe"),
                ),
                leads=(("propaganda_sessions", "tổ chức"), (None, "tuyên truyền cho")),
                last_joiner=" với ",
            ),
        )
    ),
    _one("rural_road_km", "làm mới, tu sửa, đổ bê tông được", "{n} km đường nông thôn"),
    _one("houses_for_poor", "làm được", "{n} nhà cho hộ nghèo đặc biệt khó khăn"),
    Clause(
        (
            Group(
                (
                    Item("lighting_km", "{n} km đường điện thắp sáng đường quê"),
                    Item("self_managed_roads", "{n} mô hình tuyến đường tự quản"),
                ),
                leads=((None, "duy trì"),),
                last_joiner=", ",
            ),
        )
    ),
    Clause(
        (
            Group(
                (
                    Item("trees_planted", "{n} cây xanh"),
                    Item("flower_road_km", "{n} km đường hoa"),
                ),
                leads=((None, "trồng"),),
                last_joiner=", ",
                tail=" tại các bản, tổ dân phố",
            ),
        )
    ),
    Clause(
        (
            Group(
                (
                    Item("cleanup_sessions", "{n} buổi tổng vệ sinh môi trường"),
                    Item("cleanup_road_km", "{n} km đường nông thôn"),
                ),
                leads=(("cleanup_sessions", "tổ chức"), (None, "tổng vệ sinh môi trường")),
                last_joiner=" tại ",
            ),
        )
    ),
    _one("toilets_built", "triển khai được", "{n} công trình nhà vệ sinh"),
    _one("cement_tonnes", "hỗ trợ", "{n} tấn xi măng"),
    _one("terraced_fields_ha", "tổ chức khai hoang được", "{n} ha ruộng bậc thang"),
    _one(
        "donations_mvnd",
        "vận động các tập thể, cá nhân, các nhà hảo tâm ủng hộ tiền mặt và vật chất quy ra tiền "
        "mặt với tổng trị giá",
        "{n} triệu đồng để xây dựng nông thôn mới",
    ),
    Clause(
        (
            Group(
                (
                    Item("enterprises_new", "{n} DN"),
                    Item("cooperatives_new", "{n} hợp tác xã"),
                    Item("coop_groups_new", "{n} tổ hợp tác"),
                ),
                leads=((None, "thành lập được"),),
            ),
            Group(
                (
                    Item("enterprises_total", "{n} DN"),
                    Item("cooperatives_total", "{n} hợp tác xã"),
                    Item("coop_groups_total", "{n} tổ hợp tác"),
                ),
                leads=(
                    ("enterprises_total", "nâng tổng số DN toàn huyện lên"),
                    (None, "nâng tổng số toàn huyện lên"),
                ),
            ),
        )
    ),
)

# Indicators the article's paragraph does not give: written only when asked for by name.
NOT_IN_ARTICLE = frozenset({"workdays"})


def generic_clause(indicator: Indicator) -> Clause:
    """The phrase of an indicator with none of its own: «<label> đạt <n> <unit>»."""
    label = indicator.label.strip()
    if len(label) > 1 and not label[1].isupper():
        label = label[0].lower() + label[1:]
    template = f"{label} đạt {{n}}" + (f" {indicator.unit}" if indicator.unit else "")
    return Clause((Group((Item(indicator.code, template),)),), opening="trên địa bàn huyện, ")


# ------------------------------------------------------------------ composing


@dataclass(frozen=True)
class Figure:
    code: str
    value: float
    text: str  # as written: "hơn 4.600"
    kind: str  # exact / down / up


@dataclass
class Narrative:
    """The paragraph, and every figure it carries (traceable to the roll-up)."""

    first: Period
    last: Period
    text: str
    markdown: str
    figures: list[Figure] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # indicators with no data
    expected: int = 0
    received: int = 0
    n_units: int = 0  # the communes the figures are of (today's, or every one that reported)
    carried_months: list[Period] = field(default_factory=list)  # months stocks were carried from

    @property
    def complete(self) -> bool:
        return self.received >= self.expected

    def note(self) -> str:
        """The sentence an incomplete window's paragraph begins with ("" when complete)."""
        from .honesty import incomplete_note

        return incomplete_note(self.received, self.expected, self.carried_months)

    def to_json(self) -> dict[str, Any]:
        return {
            "from": str(self.first),
            "to": str(self.last),
            "text": self.text,
            "figures": [f.__dict__ for f in self.figures],
            "left_out": self.left_out,
            "reporting": {"expected": self.expected, "received": self.received},
            "carried_from": [str(p) for p in self.carried_months],
        }


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def _md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def compose(
    totals: dict[str, float | int | None],
    catalog: Catalog,
    first: Period,
    last: Period,
    *,
    indicators: list[str] | None = None,
    clauses: tuple[Clause, ...] | None = None,
    lang: str = "vi",
) -> Narrative:
    """Write the paragraph for district totals (``None``: no data, left out).

    ``indicators``: only these codes (in the paragraph's order); default every catalog
    indicator but those in :data:`NOT_IN_ARTICLE`. ``lang="en"``: the English version
    (:data:`CLAUSES_EN`, English numbers and period words) for the English report."""
    english = lang == "en"
    if clauses is None:
        clauses = CLAUSES_EN if english else CLAUSES
    wanted = [i.code for i in catalog.indicators]
    if indicators is not None:
        wanted = [c for c in wanted if c in set(indicators)]
    else:
        wanted = [c for c in wanted if c not in NOT_IN_ARTICLE]
    wanted_set = set(wanted)
    known = {code for clause in clauses for code in clause.codes}
    plan = [c for c in clauses if any(code in wanted_set for code in c.codes)]
    make_generic = generic_clause_en if english else generic_clause
    plan += [make_generic(catalog.indicator_by_code[c]) for c in wanted if c not in known]

    def has(code: str) -> bool:
        return code in wanted_set and totals.get(code) is not None

    figures: list[Figure] = []
    plain: list[str] = []
    marked: list[str] = []
    opening = ""
    for clause in plan:
        parts_plain: list[str] = []
        parts_md: list[str] = []
        for group in clause.groups:
            present = [item for item in group.items if has(item.code)]
            if not present:
                continue
            lead = next((text for code, text in group.leads if code is None or has(code)), "")
            words_plain: list[str] = []
            words_md: list[str] = []
            for item in present:
                value = totals[item.code]
                assert value is not None
                shown = approximate(float(value))
                number = shown.text_en(item.over) if english else shown.text(item.over)
                figures.append(Figure(item.code, float(value), number, shown.kind))
                template = item.template.replace("{s}", "" if float(value) == 1 else "s")
                words_plain.append(template.replace("{n}", number))
                words_md.append(_md_escape(template).replace("{n}", f"**{number}**"))
            parts_plain.append(_join(lead, words_plain, group))
            parts_md.append(_join(lead, words_md, group, markdown=True))
        if not parts_plain:
            continue
        if not opening:
            opening = clause.opening
        plain.append(clause.group_joiner.join(parts_plain))
        marked.append(clause.group_joiner.join(parts_md))
    if english:
        words = window_in_words_en(first, last)
        intro, nothing = f"In {words}, ", "no figures have been reported."
    else:
        intro, nothing = f"Trong {window_in_words(first, last)}, ", "chưa có số liệu nào được báo cáo."
    if plain:
        text = f"{intro}{opening}{'; '.join(plain)}."
        markdown = f"{intro}{opening}{'; '.join(marked)}."
    else:
        text = markdown = f"{intro}{nothing}"
    left_out = [c for c in wanted if totals.get(c) is None]
    return Narrative(first, last, text, markdown, figures, left_out)


def _join(lead: str, words: list[str], group: Group, *, markdown: bool = False) -> str:
    if len(words) == 1:
        body = words[0]
    else:
        body = group.joiner.join(words[:-1]) + group.last_joiner + words[-1]
    tail = _md_escape(group.tail) if markdown else group.tail
    return f"{lead} {body}{tail}" if lead else f"{body}{tail}"


def narrative(
    store: Store, first: Period, last: Period, *, indicators: list[str] | None = None,
    units: str = "current", lang: str = "vi",
) -> Narrative:
    """The paragraph for ``first``..``last`` from the stored returns (a district roll-up, in
    today's units or as reported: they differ only in stocks, when a change falls inside
    the window)."""
    from .rollup import rollup, units_of_window

    codes = None
    if indicators is not None:
        codes = []
        for text in indicators:
            code = store.catalog.indicator(text)
            if code is None:
                raise KeyError(text)
            codes.append(code)
    result = rollup(store, first, last, units=units)
    story = compose(result.totals, store.catalog, first, last, indicators=codes, lang=lang)
    story.expected, story.received = result.expected, result.received
    story.carried_months = sorted({c.period for c in result.carried})
    if units == "current":  # the units of the window's last month
        story.n_units = len(store.catalog.units_on(last))
    else:  # every unit that reported (or was to report) in the window
        story.n_units = len(units_of_window(store, store.catalog, first, last))
    return story


RULE_VI = (
    "Quy tắc làm tròn: số nguyên có không quá 3 chữ số có nghĩa (98, 247, 2.110) được ghi "
    "đúng; số khác làm tròn còn 2 chữ số có nghĩa (3 chữ số nếu chữ số đầu là 1), ghi «trên» "
    "(hoặc «hơn») khi làm tròn xuống và «gần» khi làm tròn lên: 4.612 → hơn 4.600; "
    "17.538 → trên 17.500; 149,6 → gần 150."
)
RULE_EN = (
    "Rounding: a whole number with at most 3 significant digits (98, 247, 2.110) is written "
    "exactly; any other figure is rounded to 2 significant digits (3 when its first digit is "
    "1), written «trên»/«hơn» (more than) when rounded down and «gần» (nearly) when rounded up: "
    "4.612 → hơn 4.600; 17.538 → trên 17.500; 149,6 → gần 150."
)


def source_note(story: Narrative, n_communes: int, today: _dt.date | None = None) -> str:
    """The line under the paragraph in Markdown: where the figures come from, and the rule."""
    from .i18n import tr

    today = today or _dt.date.today()
    window = f"{story.first.month:02d}/{story.first.year} – {story.last.month:02d}/{story.last.year}"
    return tr(
        f"*Nguồn: {story.received}/{story.expected} báo cáo tháng của {n_communes} xã, thị trấn, "
        f"{window}; tổng hợp bằng ncctd ngày {today:%d/%m/%Y}. {RULE_VI}*",
        f"*Source: {story.received}/{story.expected} monthly returns of {n_communes} communes and "
        f"towns, {window}; compiled with ncctd on {today:%d/%m/%Y}. {RULE_EN}*",
    )


# ------------------------------------------------------------------ the English version
#
# The office's report may be asked for in English (``ncctd --lang en document``): the same
# clauses in the same order, worded in English, with English numbers ("more than 4,600",
# "nearly 150"). The Vietnamese paragraph stays the standard the article sets.

OVER_EN = "more than"


def _en(code: str, lead: str, template: str) -> Clause:
    return Clause((Group((Item(code, template, OVER_EN),), ((None, lead),)),), opening="the district ")


CLAUSES_EN: tuple[Clause, ...] = (
    _en(
        "leader_visits",
        "organised",
        "{n} visit{s} by members of the Standing Committee, the Standing Board and the Executive "
        "Committee of the District Party Organisation and by heads and deputy heads of district "
        "departments, agencies and organisations to the meetings of grassroots Party cells and "
        "committees",
    ),
    Clause(
        (
            Group(
                (
                    Item("cadre_participations", "{n} participation{s} of cadres, Party members, "
                         "civil servants, public employees and workers", OVER_EN),
                    Item("citizen_participations", "{n} participation{s} of citizens", OVER_EN),
                ),
                leads=((None, "mobilised"),),
                last_joiner=" and ",
                tail=" in specific works and tasks in the villages and residential groups",
            ),
        ),
        opening="the district ",
    ),
    _en("workdays", "contributed", "{n} workday{s}"),
    Clause(
        (
            Group(
                (
                    Item("propaganda_sessions", "{n} information session{s}", OVER_EN),
                    Item("propaganda_listeners", "{n} listener{s}", OVER_EN),
                ),
                leads=(("propaganda_sessions", "held"), (None, "reached")),
                last_joiner=" with ",
            ),
        ),
        opening="the district ",
    ),
    _en("rural_road_km", "built, repaired or concreted", "{n} km of rural roads"),
    _en("houses_for_poor", "built", "{n} house{s} for poor households in particular difficulty"),
    Clause(
        (
            Group(
                (
                    Item("lighting_km", "{n} km of lit village roads", OVER_EN),
                    Item("self_managed_roads", "{n} self-managed road model{s}", OVER_EN),
                ),
                leads=((None, "maintained"),),
                last_joiner=" and ",
            ),
        ),
        opening="the district ",
    ),
    Clause(
        (
            Group(
                (
                    Item("trees_planted", "{n} tree{s}", OVER_EN),
                    Item("flower_road_km", "{n} km of flower-lined roads", OVER_EN),
                ),
                leads=((None, "planted"),),
                last_joiner=" and ",
                tail=" in the villages and residential groups",
            ),
        ),
        opening="the district ",
    ),
    Clause(
        (
            Group(
                (
                    Item("cleanup_sessions", "{n} environmental clean-up session{s}", OVER_EN),
                    Item("cleanup_road_km", "{n} km of rural roads", OVER_EN),
                ),
                leads=(("cleanup_sessions", "held"), (None, "cleaned up")),
                last_joiner=" on ",
            ),
        ),
        opening="the district ",
    ),
    _en("toilets_built", "built", "{n} toilet{s}"),
    _en("cement_tonnes", "provided", "{n} tonne{s} of cement"),
    _en("terraced_fields_ha", "reclaimed", "{n} ha of terraced fields"),
    _en(
        "donations_mvnd",
        "mobilised organisations, individuals and benefactors to donate cash and goods worth",
        "{n} million đồng in total to build new rural areas",
    ),
    Clause(
        (
            Group(
                (
                    Item("enterprises_new", "{n} enterprise{s}", OVER_EN),
                    Item("cooperatives_new", "{n} cooperative{s}", OVER_EN),
                    Item("coop_groups_new", "{n} cooperative group{s}", OVER_EN),
                ),
                leads=((None, "established"),),
                last_joiner=" and ",
            ),
            Group(
                (
                    Item("enterprises_total", "{n} enterprise{s}", OVER_EN),
                    Item("cooperatives_total", "{n} cooperative{s}", OVER_EN),
                    Item("coop_groups_total", "{n} cooperative group{s}", OVER_EN),
                ),
                last_joiner=" and ",
                leads=((None, "bringing the district's total to"),),
            ),
        ),
        opening="the district ",
    ),
)


def generic_clause_en(indicator: Indicator) -> Clause:
    """The English phrase of an indicator with none of its own: «<label>: <n> <unit>»."""
    template = f"{indicator.label.strip()}: {{n}}" + (f" {indicator.unit}" if indicator.unit else "")
    return Clause((Group((Item(indicator.code, template, OVER_EN),)),), opening="across the district, ")


_MONTHS_EN = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)


def month_en(period: Period) -> str:
    """``March 2024``."""
    return f"{_MONTHS_EN[period.month - 1]} {period.year}"


def window_in_words_en(first: Period, last: Period) -> str:
    """:func:`window_in_words` in English, to follow «In …»: ``the past 3 years``, ``2023``,
    ``the first 6 months of 2024``, ``the last 6 months of 2024``, ``Q2 2024``,
    ``March 2024``, ``the period from April 2022 to September 2023``."""
    from .vietnamese import window_kind

    kind, n = window_kind(first, last)
    if kind == "month":
        return month_en(first)
    if kind == "years":
        return str(first.year) if n == 1 else f"the past {n} years"
    if kind == "quarter":
        return f"Q{first.quarter} {first.year}"
    if kind == "first_months":
        return f"the first {n} months of {first.year}"
    if kind == "last_months":
        return f"the last {n} months of {first.year}"
    return f"the period from {month_en(first)} to {month_en(last)}"


# ------------------------------------------------------------------ one paragraph per group
#
# The official report (``ncctd document``) gives the results under the form's groups
# (I. Sinh hoạt, tuyên truyền; II. Huy động tham gia; …), one paragraph each, in the same
# words: each group's paragraph is the paragraph above restricted to the group's indicators.


@dataclass
class GroupStory:
    """One group's paragraph: ``group`` is the form group's name (``None`` for a catalog
    without groups: one paragraph of everything) and ``codes`` the indicators it may write."""

    group: str | None
    codes: list[str]
    story: Narrative


def paragraph_groups(catalog: Catalog, indicators: list[str] | None = None) -> list[tuple[str | None, list[str]]]:
    """The form's groups in catalog order, each with the indicators its paragraph writes
    (default: those the article gives, as :func:`compose`); groups left with none are dropped."""
    wanted = set(indicators) if indicators is not None else None
    groups: dict[str | None, list[str]] = {}
    for indicator in catalog.indicators:
        if wanted is None and indicator.code in NOT_IN_ARTICLE:
            continue
        if wanted is not None and indicator.code not in wanted:
            continue
        key = (indicator.group or None) if catalog.has_groups else None
        groups.setdefault(key, []).append(indicator.code)
    return list(groups.items())


def compose_groups(
    totals: dict[str, float | int | None],
    catalog: Catalog,
    first: Period,
    last: Period,
    *,
    indicators: list[str] | None = None,
    lang: str = "vi",
) -> list[GroupStory]:
    """:func:`compose` once per group of :func:`paragraph_groups`."""
    return [
        GroupStory(group, codes, compose(totals, catalog, first, last, indicators=codes, lang=lang))
        for group, codes in paragraph_groups(catalog, indicators)
    ]


def narrative_by_group(
    store: Store,
    first: Period,
    last: Period,
    *,
    indicators: list[str] | None = None,
    lang: str = "vi",
    **options: Any,
) -> list[GroupStory]:
    """:func:`narrative` once per group: whatever :func:`narrative` does with the store
    (``options`` such as the units of the figures are passed on) holds for every group."""
    return [
        GroupStory(group, codes, narrative(store, first, last, indicators=codes, lang=lang, **options))
        for group, codes in paragraph_groups(store.catalog, indicators)
    ]
