"""Calculations in plain English, so a reader who does not read SQL still knows what a number is.

Every sentence is built as `Markup` with escaped parts: metric names become links, user text
(qualifier names, filters) is escaped, nothing user-written is trusted as HTML.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup, escape

from nsmcode import models
from nsmcode.project import Project

Link = Callable[[str], Markup]
"""Renders a metric name as a link to its page (the builder knows the relative URL)."""

DEFAULT_GRAIN = models.Grain.WEEK

_PLURAL_GRAIN = {"hour": "hours", "day": "days", "week": "weeks", "month": "months"}
_PLURAL_GRAIN |= {"quarter": "quarters", "year": "years", "fiscal_quarter": "fiscal quarters"}
_PLURAL_GRAIN |= {"fiscal_year": "fiscal years"}


def grain_of(metric: models.Metric) -> models.Grain:
    return metric.grain or DEFAULT_GRAIN


_MONTHS: tuple[str, ...] = ("January", "February", "March", "April", "May", "June", "July")
_MONTHS += ("August", "September", "October", "November", "December")


def grain_text(project: Project, grain: models.Grain) -> str:
    """`fiscal_quarter` -> `fiscal quarter (fiscal years start in April)`: the period in words,
    with the calendar that cuts it when it is not the plain one."""
    calendar = project.config.calendar
    word = grain.value.replace("_", " ")
    if grain in models.FISCAL_GRAINS and calendar.fiscal_year_start:
        return f"{word} (fiscal years start in {_MONTHS[calendar.fiscal_year_start - 1]})"
    if grain is models.Grain.WEEK and calendar.week_start is not models.Weekday.MONDAY:
        return f"{word} (from {calendar.week_start.value.capitalize()})"
    return word


def calendar_facts(calendar: models.Calendar) -> list[tuple[str, str]]:
    """(label, words) for each way the project's calendar differs from the plain one."""
    out: list[tuple[str, str]] = []
    if calendar.week_start is not models.Weekday.MONDAY:
        out.append(("Weeks", f"Start on {calendar.week_start.value.capitalize()}"))
    if calendar.fiscal_year_start:
        month = _MONTHS[calendar.fiscal_year_start - 1]
        out.append(
            (
                "Fiscal years",
                f"Start on 1 {month} and are named after the calendar year they end in; "
                f"fiscal quarters start on 1 {month} and 3, 6 and 9 months later",
            )
        )
    for g in calendar.granularities:
        table = f"{calendar.source}.{g.column}"
        out.append((f"Granularity {g.name}", f"Periods read from the calendar table: {table}"))
    return out


def ordinal(percentile: float) -> str:
    """0.95 -> `95th`, 0.01 -> `1st`, 0.999 -> `99.9th`, 0.5 -> `median`."""
    if percentile == 0.5:
        return "median"
    number = f"{percentile * 100:.4f}".rstrip("0").rstrip(".")
    if "." in number or number.endswith(("11", "12", "13")):
        return f"{number}th percentile"
    return f"{number}{ {'1': 'st', '2': 'nd', '3': 'rd'}.get(number[-1], 'th')} percentile"


_ACRONYMS = {
    "api": "API",
    "arr": "ARR",
    "dau": "DAU",
    "dx": "DX",
    "id": "ID",
    "kpi": "KPI",
    "mau": "MAU",
    "mrr": "MRR",
    "mtd": "MTD",
    "nps": "NPS",
    "okr": "OKR",
    "qtd": "QTD",
    "sdk": "SDK",
    "sla": "SLA",
    "sql": "SQL",
    "ui": "UI",
    "url": "URL",
    "wau": "WAU",
    "wow": "WoW",
    "mom": "MoM",
    "ytd": "YTD",
}


def words(name: str) -> str:
    """`api_error_rate` -> `API error rate`: a name as words, common acronyms in capitals."""
    out = [_ACRONYMS.get(w, w) for w in name.split("_") if w]
    if out and out[0] == out[0].lower():
        out[0] = out[0].capitalize()
    return " ".join(out)


def title(metric: models.Metric) -> str:
    """The metric's label, or its name as words."""
    return metric.label or words(metric.name)


def humanize(name: str) -> str:
    """`exclude_test_accounts` -> `excluding test accounts`, `only_paid` -> `paid only`."""
    words = name.split("_")
    if words and words[0] in ("exclude", "excludes", "excluding", "without"):
        words[0] = "excluding"
    elif words and words[0] == "only" and len(words) > 1:
        words = [*words[1:], "only"]
    return " ".join(w for w in words if w)


def _code(text: str) -> Markup:
    return Markup("<code>{}</code>").format(text)


def _columns(columns: tuple[str, ...]) -> Markup:
    if len(columns) == 1:
        return Markup("distinct {} values").format(_code(columns[0]))
    inner = Markup(", ").join(_code(c) for c in columns)
    return Markup("distinct ({}) combinations").format(inner)


_BOUND_WORDS = {
    "at_least": "at least",
    "more_than": "more than",
    "at_most": "at most",
    "less_than": "less than",
    "equals": "exactly",
}


def metric_filter(spec: models.MetricFilter, link: Link) -> Markup:
    """`accounts whose <Weekly active integration points> in the period is at least 3`."""
    given = [(words, getattr(spec, f)) for f, words in _BOUND_WORDS.items()]
    bounds = " and ".join(f"{words} {_num(v)}" for words, v in given if v is not None)
    when = "in the row's period" if spec.over == "period" else "over all time"
    return Markup("{} whose {} {} is {}").format(_plural(spec.per), link(spec.metric), when, bounds)


def _num(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


def _filters(metric: models.Metric, link: Link) -> list[Markup]:
    parts = [escape(humanize(q)) for q in metric.qualifiers]
    if metric.filter:
        parts.append(Markup("where {}").format(_code(metric.filter.strip())))
    if metric.metric_filter:
        parts.append(Markup("only rows of {}").format(metric_filter(metric.metric_filter, link)))
    return parts


def _periods(count: int, grain: models.Grain) -> str:
    one = grain.value.replace("_", " ")
    return f"{count} {one if count == 1 else _PLURAL_GRAIN[grain.value]}"


def describe(project: Project, metric: models.Metric, link: Link) -> Markup:
    """One sentence: what is computed, over which rows, filtered how, per which period."""
    calc = metric.calculation
    grain = grain_of(metric)
    period = grain_text(project, grain)
    source = _code(metric.source) if metric.source else Markup("")
    head: Markup
    if isinstance(calc, models.Count):
        head = Markup("Counts the rows of {}").format(source)
    elif isinstance(calc, models.CountDistinct):
        head = Markup("Counts {} in {}").format(_columns(calc.columns), source)
    elif isinstance(calc, models.Sum):
        head = Markup("Adds up {} over the rows of {}").format(_code(calc.column), source)
    elif isinstance(calc, models.Average):
        head = Markup("Averages {} over the rows of {}").format(_code(calc.column), source)
    elif isinstance(calc, models.Min):
        head = Markup("Takes the smallest {} in {}").format(_code(calc.column), source)
    elif isinstance(calc, models.Max):
        head = Markup("Takes the largest {} in {}").format(_code(calc.column), source)
    elif isinstance(calc, models.Balance):
        head = Markup(
            "Takes each {entity}'s {which} {column} in the period from {source} (its {at} "
            "observation) and adds them up across {entities}"
        ).format(
            entity=calc.entity.replace("_", " "),
            which="closing" if calc.at == "end" else "opening",
            column=_code(calc.column),
            source=source,
            at="last" if calc.at == "end" else "first",
            entities=_plural(calc.entity),
        )
    elif isinstance(calc, models.Percentile):
        head = Markup("Takes the {} of {} over the rows of {}").format(
            ordinal(calc.percentile), _code(calc.column), source
        )
    elif isinstance(calc, models.Ratio):
        head = Markup("Divides {} by {} (empty when {} is zero)").format(
            link(calc.numerator), link(calc.denominator), link(calc.denominator)
        )
    elif isinstance(calc, models.Derived):
        offsets = {i.name for i in calc.inputs}
        refs = Markup(", ").join(
            link(r) for r in project.dependencies(metric.name) if r not in offsets
        )
        head = Markup("Computes {} from {}").format(_code(calc.expression.strip()), refs)
        for i in calc.inputs:
            head += Markup(", where {} is {} {}").format(
                _code(i.name), link(i.metric), _offset(i.offset, grain)
            )
    elif isinstance(calc, models.Cumulative):
        if calc.window:
            head = Markup("Adds up {} over a rolling window of {}").format(
                link(calc.metric), calc.window
            )
        elif calc.period_to_date:
            head = Markup("Running total of {} since the start of each {}").format(
                link(calc.metric), grain_text(project, calc.period_to_date)
            )
        else:
            head = Markup("Running all-time total of {}").format(link(calc.metric))
    elif isinstance(calc, models.Conversion):
        head = Markup(
            ("Number" if calc.result == "count" else "Share")
            + " of {entity} counted in {base} that are then counted in {conv} within {within}"
            + "{end}"
        ).format(
            entity=_plural(calc.entity),
            base=link(calc.base),
            conv=link(calc.conversion),
            within=calc.within,
            end=" (the window's last second excluded)" if calc.window_end == "exclusive" else "",
        )
    elif isinstance(calc, models.TimeToConvert):
        which = ordinal(calc.percentile)
        head = Markup(
            "The {which} time, in {unit}, each {entity} takes from its first event in {base} to "
            "its first event in {conv} at or after it{cap}"
        ).format(
            which=which,
            unit=calc.unit,
            entity=calc.entity.replace("_", " "),
            base=link(calc.base),
            conv=link(calc.conversion),
            cap=f" (those taking longer than {calc.within} left out)" if calc.within else "",
        )
    elif isinstance(calc, models.PeriodOverPeriod):
        back = _periods(calc.periods, grain)
        how = "relative change" if calc.comparison == "ratio" else "change"
        formula = (
            "(current \N{MINUS SIGN} previous) / previous"
            if calc.comparison == "ratio"
            else "current \N{MINUS SIGN} previous"
        )
        head = Markup("The {} of {} against {} earlier, {}").format(
            how, link(calc.metric), back, formula
        )
    else:  # Retention
        head = Markup(
            "Share of each {cohort} cohort of {entity} (grouped by the {grain} of their first "
            "event) still active in {activity} exactly {offset} later"
        ).format(
            cohort=link(calc.cohort),
            entity=_plural(calc.entity),
            grain=grain.value.replace("_", " "),
            activity=link(calc.activity),
            offset=_periods(calc.offset, grain),
        )
    parts = [head, *_filters(metric, link), escape(f"per {period}")]
    if metric.fill_nulls_with is not None:
        parts.append(escape(f"{_num(metric.fill_nulls_with)} where there is no value"))
    return Markup(", ").join(parts) + Markup(".")


def _offset(offset: str, grain: models.Grain) -> str:
    """`1 year` -> `the same week a year earlier`, `2 periods` -> `2 weeks earlier`."""
    if offset == "1 year":
        return f"the same {grain.value.replace('_', ' ')} a year earlier"
    return f"{_periods(int(offset.split()[0]), grain)} earlier"


def _plural(entity: str) -> str:
    word = entity.replace("_", " ")
    if word.endswith("y") and not word.endswith(("ay", "ey", "oy", "uy")):
        return word[:-1] + "ies"
    return word if word.endswith("s") else word + "s"


def kind_label(metric: models.Metric) -> str:
    """`North star`, `DX input`, `Guardrail`, `KPI`, `Metric`."""
    role = metric.role
    if role is models.Role.NORTH_STAR:
        return "North Star"
    if role is models.Role.INPUT:
        category = {"dx": "DX", "product": "Product", "growth": "Growth"}
        return f"{category[metric.category.value]} input" if metric.category else "Input"
    if role is models.Role.GUARDRAIL:
        return "Guardrail"
    if role is models.Role.KPI:
        return "KPI"
    return "Metric"


CALCULATION_NAMES = {
    "count": "Count",
    "count_distinct": "Count distinct",
    "sum": "Sum",
    "average": "Average",
    "min": "Minimum",
    "max": "Maximum",
    "percentile": "Percentile",
    "balance": "Balance",
    "ratio": "Ratio",
    "derived": "Derived",
    "cumulative": "Cumulative",
    "conversion": "Conversion",
    "time_to_convert": "Time to convert",
    "period_over_period": "Period over period",
    "retention": "Retention",
}
