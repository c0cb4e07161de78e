"""The twelve compile targets: each a sqlglot dialect plus its capability flags and spellings.

What each one needed (beyond sqlglot's own generation):

- week starts: DATE_TRUNC('week') is Monday on DuckDB, PostgreSQL, Redshift, Spark/Databricks
  and Trino; Snowflake's follows WEEK_START (so DAYOFWEEKISO arithmetic), BigQuery's WEEK starts
  on Sunday (ISOWEEK), MySQL uses WEEKDAY, SQLite 'weekday 0' then -6 days, T-SQL counts days
  from Monday 1900-01-01 (independent of DATEFIRST), ClickHouse toMonday;
- dates stay dates: PostgreSQL/DuckDB/Redshift date + interval is a timestamp (cast back);
  Spark adds weeks as 7 days and months with ADD_MONTHS; SQLite uses date modifiers;
- the calendar: recursive CTE (DuckDB, PostgreSQL, SQLite; MySQL with a SET_VAR hint above the
  1000 default depth; T-SQL with OPTION (MAXRECURSION 0)), arrays (BigQuery
  GENERATE_DATE_ARRAY, Spark/Databricks SEQUENCE+EXPLODE, Trino SEQUENCE+UNNEST), a digits cross
  join where recursion limits are uncertain (Snowflake, Redshift, ClickHouse);
- NULL-safe joins on segments: OR-expanded where IS NOT DISTINCT FROM is missing (Redshift,
  T-SQL before 2022); ClickHouse needs join_use_nulls=1 and minOrNull/maxOrNull;
- LIKE is case-insensitive by default on MySQL, SQLite and SQL Server: refused there (C040);
- ROUND: on DECIMAL elsewhere, integer arithmetic on SQLite (no decimal type).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from sqlglot import exp

from nsmcode.compile.checks import CASE_SENSITIVE_LIKE
from nsmcode.compile.expressions import BOUNDS, alias, cast, col, func, number, paren, table, unit
from nsmcode.compile.target import NotExpressible, Spine, Target

__all__ = ["TARGETS", "NotExpressible", "Target", "with_spine"]


class DuckDB(Target):
    name = "duckdb"
    dialect = "duckdb"


class Postgres(Target):
    name = "postgres"
    dialect = "postgres"

    def period_start(self, value: exp.Expr, grain: str) -> exp.Expr:
        # date_trunc(text, date) would resolve to the timestamptz overload: truncate a timestamp
        if grain == "DAY":
            return self.day(value)
        truncated = func("DATE_TRUNC", exp.Literal.string(grain.lower()), cast(value, "TIMESTAMP"))
        return cast(truncated, "DATE")

    def hour_start(self, value: exp.Expr) -> exp.Expr:
        return func("DATE_TRUNC", exp.Literal.string("hour"), cast(value, "TIMESTAMP"))


class Redshift(Postgres):
    name = "redshift"
    dialect = "redshift"
    spine = "numbers"
    null_safe_eq = False

    def shift_date(self, value: exp.Expr, count: exp.Expr, grain: str) -> exp.Expr:
        return cast(func("DATEADD", unit(grain), count, value), "DATE")

    def shift_timestamp(self, value: exp.Expr, days: exp.Expr, grain: str = "DAY") -> exp.Expr:
        return func("DATEADD", unit(grain), days, value)


class Snowflake(Target):
    name = "snowflake"
    dialect = "snowflake"
    spine = "numbers"

    def period_start(self, value: exp.Expr, grain: str) -> exp.Expr:
        if grain == "WEEK":  # DATE_TRUNC('week') follows the WEEK_START session parameter
            offset = exp.Sub(this=number(1), expression=func("DAYOFWEEKISO", value))
            return func("DATEADD", unit("DAY"), offset, self.day(value.copy()))
        return super().period_start(value, grain)

    def shift_date(self, value: exp.Expr, count: exp.Expr, grain: str) -> exp.Expr:
        return func("DATEADD", unit(grain), count, value)

    def shift_timestamp(self, value: exp.Expr, days: exp.Expr, grain: str = "DAY") -> exp.Expr:
        return func("DATEADD", unit(grain), days, value)


class BigQuery(Target):
    name = "bigquery"
    dialect = "bigquery"
    spine = "array"

    def period_start(self, value: exp.Expr, grain: str) -> exp.Expr:
        if grain == "DAY":
            return self.day(value)
        part = "ISOWEEK" if grain == "WEEK" else grain  # WEEK would start on Sunday
        return func("DATE_TRUNC", self.day(value), unit(part))

    def shift_date(self, value: exp.Expr, count: exp.Expr, grain: str) -> exp.Expr:
        return func("DATE_ADD", value, exp.Interval(this=count, unit=unit(grain)))

    def shift_timestamp(self, value: exp.Expr, days: exp.Expr, grain: str = "DAY") -> exp.Expr:
        if grain in ("DAY", "HOUR"):
            return func("TIMESTAMP_ADD", value, exp.Interval(this=days, unit=unit(grain)))
        # TIMESTAMP_ADD stops at DAY; DATETIME_ADD adds months (in UTC), clamping the day
        interval = exp.Interval(this=days, unit=unit(grain))
        moved = func("DATETIME_ADD", func("DATETIME", value), interval)
        return func("TIMESTAMP", moved)

    def hour_start(self, value: exp.Expr) -> exp.Expr:
        return func("TIMESTAMP_TRUNC", value, unit("HOUR"))

    def instant(self, text: exp.Expr) -> exp.Expr:
        return func("TIMESTAMP", text)  # CAST(... AS TIMESTAMP) would be read as a DATETIME

    def array_series(self, grain: str) -> exp.Select:
        dates = func(
            "GENERATE_TIMESTAMP_ARRAY" if grain == "HOUR" else "GENERATE_DATE_ARRAY",
            col("period_from", "b"),
            col("period_hi", "b"),
            exp.Interval(this=number(1), unit=unit(grain)),
        )
        select = exp.Select().select(col("period"), copy=False)
        select.from_(table(BOUNDS, "b"), copy=False)
        unnest = exp.Unnest(
            expressions=[dates], alias=exp.TableAlias(columns=[exp.to_identifier("period")])
        )
        select.join(exp.Join(this=unnest, kind="CROSS"), copy=False)
        return select


class Spark(Target):
    name = "spark"
    dialect = "spark"
    spine = "array"

    def shift_date(self, value: exp.Expr, count: exp.Expr, grain: str) -> exp.Expr:
        factor = {"DAY": 1, "WEEK": 7, "MONTH": 1, "QUARTER": 3, "YEAR": 12}[grain]
        scaled = _times(count, factor)
        return func("DATE_ADD" if grain in ("DAY", "WEEK") else "ADD_MONTHS", value, scaled)

    def shift_timestamp(self, value: exp.Expr, days: exp.Expr, grain: str = "DAY") -> exp.Expr:
        back = isinstance(days, exp.Neg)
        count = days.this if back else days
        interval = exp.Interval(this=exp.Literal.string(count.name), unit=unit(grain))
        return (exp.Sub if back else exp.Add)(this=value, expression=interval)

    def array_series(self, grain: str) -> exp.Select:
        step = {
            "HOUR": (1, "HOUR"),
            "DAY": (1, "DAY"),
            "WEEK": (1, "WEEK"),
            "MONTH": (1, "MONTH"),
            "QUARTER": (3, "MONTH"),
            "YEAR": (12, "MONTH"),
        }
        amount, part = step[grain]
        upper = func("GREATEST", col("period_from", "b"), col("period_hi", "b"))
        sequence = func(
            "SEQUENCE",
            col("period_from", "b"),
            upper,
            exp.Interval(this=number(amount), unit=unit(part)),
        )
        select = exp.Select().select(alias(func("EXPLODE", sequence), "period"), copy=False)
        select.from_(table(BOUNDS, "b"), copy=False)
        select.where(
            exp.LTE(this=col("period_from", "b"), expression=col("period_hi", "b")), copy=False
        )
        return select


class Databricks(Spark):
    name = "databricks"
    dialect = "databricks"


class Trino(Target):
    name = "trino"
    dialect = "trino"
    spine = "array"

    def shift_date(self, value: exp.Expr, count: exp.Expr, grain: str) -> exp.Expr:
        return func("DATE_ADD", exp.Literal.string(grain.lower()), count, value)

    def shift_timestamp(self, value: exp.Expr, days: exp.Expr, grain: str = "DAY") -> exp.Expr:
        return func("DATE_ADD", exp.Literal.string(grain.lower()), days, value)

    def array_series(self, grain: str) -> exp.Select:
        step = {
            "HOUR": ("1", "HOUR"),
            "DAY": ("1", "DAY"),
            "WEEK": ("7", "DAY"),
            "MONTH": ("1", "MONTH"),
            "QUARTER": ("3", "MONTH"),
            "YEAR": ("12", "MONTH"),
        }
        amount, part = step[grain]
        upper = func("GREATEST", col("period_from", "b"), col("period_hi", "b"))
        interval = exp.Interval(this=exp.Literal.string(amount), unit=unit(part))
        sequence = func("SEQUENCE", col("period_from", "b"), upper, interval)
        select = exp.Select().select(col("period", "u"), copy=False)
        select.from_(table(BOUNDS, "b"), copy=False)
        unnest = exp.Unnest(
            expressions=[sequence],
            alias=exp.TableAlias(
                this=exp.to_identifier("u"), columns=[exp.to_identifier("period")]
            ),
        )
        select.join(exp.Join(this=unnest, kind="CROSS"), copy=False)
        select.where(exp.LTE(this=col("period", "u"), expression=col("period_hi", "b")), copy=False)
        return select


class ClickHouse(Target):
    name = "clickhouse"
    dialect = "clickhouse"
    spine = "numbers"

    def period_start(self, value: exp.Expr, grain: str) -> exp.Expr:
        names = {
            "DAY": "toDate",
            "WEEK": "toMonday",
            "MONTH": "toStartOfMonth",
            "QUARTER": "toStartOfQuarter",
            "YEAR": "toStartOfYear",
        }
        return func(names[grain], value)

    def day(self, value: exp.Expr) -> exp.Expr:
        return func("toDate", value)

    def hour_start(self, value: exp.Expr) -> exp.Expr:
        return func("toStartOfHour", value)

    def shift_date(self, value: exp.Expr, count: exp.Expr, grain: str) -> exp.Expr:
        # Date arithmetic wraps around 2149-06-06 (the digits calendar adds up to 99,999 days,
        # which would come back as 1970s dates); Date32 saturates at 2299-12-31 instead
        return func(f"add{grain.capitalize()}s", func("toDate32", value), count)

    def shift_timestamp(self, value: exp.Expr, days: exp.Expr, grain: str = "DAY") -> exp.Expr:
        return func(f"add{grain.capitalize()}s", value, days)

    def round_half_up(self, value: exp.Expr, digits: int) -> exp.Expr:
        # Functions of Nullable values also run on the masked rows' defaults: x / NULL computes
        # x / 0 = inf underneath, and CAST(inf AS Decimal) throws although the row is NULL;
        # accurateCastOrNull gives NULL instead. It truncates, where other engines' CAST rounds
        # (9821.499999999998 must become 9821.5): round to 9 digits first. ROUND on a Decimal
        # rounds halves away from zero.
        nine = exp.Round(this=value, decimals=number(9))
        decimal = func("accurateCastOrNull", nine, exp.Literal.string("Decimal(38, 9)"))
        return cast(exp.Round(this=decimal, decimals=number(digits)), "DOUBLE")

    def finish(self, query: exp.Select) -> None:
        # a projection `c.period` is named "c.period", not "period": name it
        for select in query.find_all(exp.Select):
            select.set(
                "expressions",
                [
                    alias(p, p.name) if isinstance(p, exp.Column) and p.table else p
                    for p in select.expressions
                ],
            )
        # LEFT JOIN misses are NULL (not 0 or ''); COUNT(DISTINCT) is exact whatever the server
        # default (it may be set to the approximate uniq)
        exact = exp.Literal.string("uniqExact")
        query.set(
            "settings",
            [
                exp.EQ(this=col("join_use_nulls"), expression=number(1)),
                exp.EQ(this=col("count_distinct_implementation"), expression=exact),
            ],
        )

    def transforms(self) -> dict[type[exp.Expr], Callable[..., str]]:
        # min/max of no rows is the type's default (1970-01-01) unless asked for NULL
        return {
            exp.Min: lambda g, e: g.func("minOrNull", e.this),
            exp.Max: lambda g, e: g.func("maxOrNull", e.this),
        }


class MySQL(Target):
    name = "mysql"
    dialect = "mysql"
    unsupported: ClassVar[dict[str, str]] = {
        CASE_SENSITIVE_LIKE: "LIKE is case-insensitive under MySQL's default collations",
    }

    def period_start(self, value: exp.Expr, grain: str) -> exp.Expr:
        day = self.day(value)
        if grain == "DAY":
            return day
        if grain == "YEAR":
            return func("MAKEDATE", func("YEAR", value), number(1))
        if grain == "QUARTER":
            first = func("MAKEDATE", func("YEAR", value), number(1))
            quarters = exp.Sub(this=func("QUARTER", value.copy()), expression=number(1))
            return self.shift_date(first, exp.Paren(this=quarters), "QUARTER")
        back = (
            func("WEEKDAY", value.copy())
            if grain == "WEEK"
            else exp.Sub(this=func("DAYOFMONTH", value.copy()), expression=number(1))
        )
        return func("DATE_SUB", day, exp.Interval(this=exp.Paren(this=back), unit=unit("DAY")))

    def day(self, value: exp.Expr) -> exp.Expr:
        return func("DATE", value)

    def hour_start(self, value: exp.Expr) -> exp.Expr:
        hour = func("DATE_FORMAT", value, exp.Literal.string("%Y-%m-%d %H:00:00"))
        return cast(hour, "DATETIME")

    def shift_date(self, value: exp.Expr, count: exp.Expr, grain: str) -> exp.Expr:
        return func("DATE_ADD", value, exp.Interval(this=count, unit=unit(grain)))

    def shift_timestamp(self, value: exp.Expr, days: exp.Expr, grain: str = "DAY") -> exp.Expr:
        return self.shift_date(value, days, grain)

    def finish(self, query: exp.Select) -> None:
        # the calendar recurses once per period; the default limit is 1000
        depth = exp.EQ(this=col("cte_max_recursion_depth"), expression=number(1_000_000))
        query.set("hint", exp.Hint(expressions=[func("SET_VAR", depth)]))


class SQLite(Target):
    name = "sqlite"
    dialect = "sqlite"
    unsupported: ClassVar[dict[str, str]] = {
        CASE_SENSITIVE_LIKE: "LIKE is case-insensitive in SQLite"
    }

    def period_start(self, value: exp.Expr, grain: str) -> exp.Expr:
        if grain == "DAY":
            return self.day(value)
        if grain == "WEEK":  # next Sunday (or today), then back to its Monday
            return func(
                "DATE", value, exp.Literal.string("weekday 0"), exp.Literal.string("-6 days")
            )
        start = exp.Literal.string("start of month")
        if grain == "MONTH":
            return func("DATE", value, start)
        if grain == "YEAR":
            return func("DATE", value, exp.Literal.string("start of year"))
        month = cast(func("STRFTIME", exp.Literal.string("%m"), value.copy()), "INTEGER")
        back = exp.Mod(
            this=exp.Paren(this=exp.Sub(this=month, expression=number(1))), expression=number(3)
        )
        return func("DATE", value, start, func("PRINTF", exp.Literal.string("-%d months"), back))

    def day(self, value: exp.Expr) -> exp.Expr:
        return func("DATE", value)

    def hour_start(self, value: exp.Expr) -> exp.Expr:
        return func("STRFTIME", exp.Literal.string("%Y-%m-%d %H:00:00"), value)

    def shift_date(self, value: exp.Expr, count: exp.Expr, grain: str) -> exp.Expr:
        return func("DATE", value, _modifier(count, grain))

    def round_half_up(self, value: exp.Expr, digits: int) -> exp.Expr:
        """No DECIMAL type: round to integer billionths first, then halves away from zero with
        integer division (which truncates toward zero)."""
        if not 0 <= digits < 9:
            return super().round_half_up(value, digits)
        billionths = cast(
            func("ROUND", exp.Mul(this=paren(value), expression=number(10**9))), "INTEGER"
        )
        step = 10 ** (9 - digits)
        half = exp.Case(
            ifs=[
                exp.If(this=exp.LT(this=billionths, expression=number(0)), true=number(-step // 2))
            ],
            default=number(step // 2),
        )
        units = exp.Div(  # typed: SQLite's integer division, truncating toward zero
            this=exp.Paren(this=exp.Add(this=billionths.copy(), expression=half)),
            expression=number(step),
            typed=True,
        )
        return exp.Div(this=cast(units, "REAL"), expression=number(10**digits), typed=True)

    def shift_clamped(self, value: exp.Expr, count: exp.Expr, grain: str) -> exp.Expr:
        return _clamp_months("DATE", value, count, grain)

    def shift_timestamp(self, value: exp.Expr, days: exp.Expr, grain: str = "DAY") -> exp.Expr:
        if grain in ("DAY", "HOUR"):
            return func("DATETIME", value, _modifier(days, grain))
        return _clamp_months("DATETIME", value, days, grain)

    def moment(self, value: exp.Expr) -> exp.Expr:
        # timestamps are text: compare them in one format ('T' separators, offsets normalised)
        return func("DATETIME", value)


def _modifier(count: exp.Expr, grain: str) -> exp.Expr:
    """SQLite date modifier: '+7 days', or printf('%+d days', n * 7) for a computed count."""
    factor, name = {
        "HOUR": (1, "hours"),
        "DAY": (1, "days"),
        "WEEK": (7, "days"),
        "MONTH": (1, "months"),
        "QUARTER": (3, "months"),
        "YEAR": (12, "months"),
    }[grain]
    if isinstance(count, exp.Literal) or (
        isinstance(count, exp.Neg) and isinstance(count.this, exp.Literal)
    ):
        amount = int(count.this.name if isinstance(count, exp.Neg) else count.name)
        amount = -amount if isinstance(count, exp.Neg) else amount
        return exp.Literal.string(f"{amount * factor:+d} {name}")
    return func("PRINTF", exp.Literal.string(f"%+d {name}"), _times(count, factor))


def _clamp_months(name: str, value: exp.Expr, count: exp.Expr, grain: str) -> exp.Expr:
    """SQLite's DATE/DATETIME(value, '+N months') overflows into the next month (01-31 + 1 month
    = 03-03); when the day of the month came out smaller, step back that many days to the end of
    the intended month (02-28), keeping the time of day."""
    moved = func(name, value, _modifier(count, grain))
    back = func("PRINTF", exp.Literal.string("-%d days"), _day_of_month(moved.copy()))
    overflowed = exp.LT(this=_day_of_month(moved.copy()), expression=_day_of_month(value.copy()))
    return exp.Case(
        ifs=[exp.If(this=overflowed, true=func(name, moved.copy(), back))], default=moved
    )


def _day_of_month(value: exp.Expr) -> exp.Expr:
    return cast(func("STRFTIME", exp.Literal.string("%d"), value), "INTEGER")


def _times(count: exp.Expr, factor: int) -> exp.Expr:
    if factor == 1:
        return count
    if isinstance(count, exp.Literal):
        return number(int(count.name) * factor)
    return exp.Mul(this=exp.Paren(this=count), expression=number(factor))


class TSQL(Target):
    name = "tsql"
    dialect = "tsql"
    null_safe_eq = False  # IS [NOT] DISTINCT FROM needs SQL Server 2022
    unsupported: ClassVar[dict[str, str]] = {
        CASE_SENSITIVE_LIKE: "LIKE is case-insensitive under SQL Server's default collations",
    }

    def period_start(self, value: exp.Expr, grain: str) -> exp.Expr:
        day = self.day(value)
        if grain == "DAY":
            return day
        if grain == "WEEK":  # days since Monday 1900-01-01, independent of DATEFIRST
            epoch = cast(exp.Literal.string("1900-01-01"), "DATE")
            since = func("DATEDIFF", unit("DAY"), epoch, day.copy())
            back = exp.Neg(this=exp.Paren(this=exp.Mod(this=since, expression=number(7))))
            return func("DATEADD", unit("DAY"), back, day)
        month: exp.Expr = number(1) if grain == "YEAR" else func("MONTH", value.copy())
        if grain == "QUARTER":
            quarter = exp.Sub(
                this=func("DATEPART", unit("QUARTER"), value.copy()), expression=number(1)
            )
            month = exp.Add(
                this=exp.Mul(this=exp.Paren(this=quarter), expression=number(3)),
                expression=number(1),
            )
        return func("DATEFROMPARTS", func("YEAR", value), month, number(1))

    def hour_start(self, value: exp.Expr) -> exp.Expr:
        epoch = cast(exp.Literal.string("1900-01-01"), "TIMESTAMP")  # DATETIME2
        hours = func("DATEDIFF", unit("HOUR"), epoch, value)
        return func("DATEADD", unit("HOUR"), hours, epoch.copy())

    def shift_date(self, value: exp.Expr, count: exp.Expr, grain: str) -> exp.Expr:
        return func("DATEADD", unit(grain), count, value)

    def shift_timestamp(self, value: exp.Expr, days: exp.Expr, grain: str = "DAY") -> exp.Expr:
        return func("DATEADD", unit(grain), days, value)

    def transforms(self) -> dict[type[exp.Expr], Callable[..., str]]:
        # no boolean values: TRUE is 1 as a value (COALESCE(flag, 1)), (1 = 1) as a predicate
        return {exp.Boolean: _tsql_boolean}

    def finish(self, query: exp.Select) -> None:
        # the calendar recurses once per period; the default limit is 100
        option = exp.QueryOption(this=exp.Var(this="MAXRECURSION"), expression=number(0))
        query.set("options", [option])
        ensure_predicates(query)


TARGET_CLASSES: tuple[type[Target], ...] = (
    DuckDB,
    Postgres,
    Snowflake,
    BigQuery,
    Redshift,
    Databricks,
    Spark,
    Trino,
    ClickHouse,
    MySQL,
    SQLite,
    TSQL,
)
TARGETS: dict[str, Target] = {cls.name: cls() for cls in TARGET_CLASSES}


def with_spine(target: Target, spine: Spine) -> Target:
    """The same target generating its calendar another way (tests run every strategy)."""
    clone: Any = type(
        f"{type(target).__name__}{spine.capitalize()}", (type(target),), {"spine": spine}
    )
    return clone()  # type: ignore[no-any-return]


def _tsql_boolean(generator: Any, node: exp.Boolean) -> str:
    child: exp.Expr = node
    parent = node.parent
    while isinstance(parent, exp.Paren):
        child, parent = parent, parent.parent
    predicate = isinstance(parent, exp.Connector | exp.Not | exp.Where | exp.Having) or (
        isinstance(parent, exp.If | exp.Join) and child.arg_key in ("this", "on")
    )
    if predicate:
        return "(1 = 1)" if node.this else "(1 = 0)"
    return "1" if node.this else "0"


def predicate_positions(tree: exp.Expr) -> list[exp.Expr]:
    """Every expression of `tree` used as a condition (WHERE, HAVING, JOIN ON, CASE WHEN, the
    operands of AND, OR and NOT), parentheses looked through."""
    found: list[exp.Expr] = []
    for node in tree.walk():
        keys: tuple[str, ...] = ()
        if isinstance(node, exp.Where | exp.Having | exp.If | exp.Not):
            keys = ("this",)
        elif isinstance(node, exp.Join):
            keys = ("on",)
        elif isinstance(node, exp.Connector):
            keys = ("this", "expression")
        for key in keys:
            child = node.args.get(key)
            while isinstance(child, exp.Paren):
                child = child.this
            if isinstance(child, exp.Expr):
                found.append(child)
    return found


def is_predicate(node: exp.Expr) -> bool:
    """A condition SQL Server accepts where a boolean is expected (it has no boolean values)."""
    return isinstance(node, exp.Predicate | exp.Connector | exp.Not | exp.Boolean)


def ensure_predicates(tree: exp.Expr) -> None:
    """SQL Server: make every condition a predicate, `value <> 0`, as sqlglot does for a bare
    column (`NOT COALESCE(flag, FALSE)` is not a condition there; `NOT COALESCE(flag, 0) <> 0`
    is). Columns are left to sqlglot's own rewrite."""
    for node in predicate_positions(tree):
        if not is_predicate(node) and not isinstance(node, exp.Column):
            node.replace(exp.NEQ(this=paren(node.copy()), expression=number(0)))
