"""Generate the Relay example data: eight Parquet tables under examples/metrics/data/.

Deterministic: the same arguments give the same bytes every run. Accounts, their users, docs
visits, deployments, subscription events and invoices are simulated in Python with one seeded
`random.Random`; the API calls (the only large table) are planned per account, week, endpoint
and environment in Python and expanded to single calls in DuckDB SQL, where each call's user,
time, status and latency come from an integer hash of (plan row, call number, field), so ten
million calls take seconds, not minutes.

The simulation plants the effect the example's `analyze` should find: the number of distinct
production endpoints an account uses in a week (its integration points) raises its chance of
upgrading three weeks later, and upgrades raise invoices, so the north star leads revenue.
Test and internal accounts, and sandbox calls, are frequent enough that the qualifiers matter.

    python examples/metrics/generate_data.py                      # the default data (seconds)
    python examples/metrics/generate_data.py --api-calls 10000000 --out /tmp/relay
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import random
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
START = dt.datetime(2026, 5, 4)  # a Monday
WEEKS = 28  # .. Sunday 2026-11-15
END = START + dt.timedelta(weeks=WEEKS)  # exclusive
WEEK_SECONDS = 7 * 24 * 3600
LEAD_WEEKS = 3  # integration breadth in week w drives upgrades in week w + 3

# Endpoints in the order accounts tend to adopt them (the first ones are the most popular).
ENDPOINTS = (
    "POST /v1/messages",
    "GET /v1/messages",
    "POST /v1/webhooks",
    "GET /v1/events",
    "POST /v1/batches",
    "POST /v1/files",
    "GET /v1/files",
    "POST /v1/templates/render",
    "PUT /v1/contacts",
    "GET /v1/analytics",
    "POST /v1/domains/verify",
    "POST /v1/keys/rotate",
)
PRICE = {"individual": 99.0, "team": 599.0, "enterprise": 2499.0}  # monthly
UPGRADE = {"individual": "team", "team": "enterprise"}
DOWNGRADE = {"enterprise": "team", "team": "individual"}
CALLS_PER_WEEK = {"individual": 1.5, "team": 4.0, "enterprise": 12.0}
COUNTRIES: tuple[tuple[str, int], ...] = (
    ("US", 34),
    ("DE", 10),
    ("GB", 9),
    ("IN", 9),
    ("FR", 6),
    ("BR", 6),
    ("CA", 5),
    ("JP", 4),
    ("NL", 4),
    ("PL", 4),
    ("ES", 3),
    ("AU", 3),
    ("SE", 3),
)
ROLES = ("owner", "admin", "developer", "developer", "developer", "viewer")
PAGES = (
    "/docs/quickstart",
    "/docs/authentication",
    "/docs/messages",
    "/docs/webhooks",
    "/docs/events",
    "/docs/batches",
    "/docs/files",
    "/docs/templates",
    "/docs/sdks/python",
    "/docs/sdks/node",
    "/docs/errors",
    "/pricing",
)


def adoption_boost(week: int) -> float:
    """Weekly push on endpoint adoption: a launch in weeks 8-10, a summer lull in weeks 14-16."""
    if 8 <= week <= 10:
        return 2.4
    if 14 <= week <= 16:
        return 0.3
    return 1.0


def signup_wave(week: int) -> float:
    """Signups: a launch spike in week 8, a summer lull in weeks 14-16."""
    return {8: 2.6, 9: 1.6, 14: 0.55, 15: 0.5, 16: 0.6}.get(week, 1.0)


def drop_factor(week: int) -> float:
    """Weekly pull on endpoint usage: integrations go quiet in the summer lull."""
    return 3.0 if 14 <= week <= 16 else 1.0


class PlanRow(NamedTuple):
    """Calls of one account, week, endpoint and environment, before expansion to single calls."""

    account_index: int
    first_user: int
    n_users: int
    not_before: str  # earliest call time
    span_s: int  # seconds from then to the end of the week
    endpoint: str
    environment: str
    weight: float  # relative volume
    errors: float  # share of 5xx responses
    latency: float  # typical latency in ms


@dataclass
class Tables:
    """Rows of every table, plus the API-call plan the SQL expands."""

    accounts: list[tuple[object, ...]] = field(default_factory=list)
    users: list[tuple[object, ...]] = field(default_factory=list)
    docs_visits: list[tuple[object, ...]] = field(default_factory=list)
    deployments: list[tuple[object, ...]] = field(default_factory=list)
    subscription_events: list[tuple[object, ...]] = field(default_factory=list)
    invoices: list[tuple[object, ...]] = field(default_factory=list)
    subscription_snapshots: list[tuple[object, ...]] = field(default_factory=list)
    plan: list[PlanRow] = field(default_factory=list)
    visitors: int = 0


def snapshots(events: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """The billing system's nightly snapshot: at 23:59:59 of every day, one row per account
    paying then (its MRR and plan), derived from the subscription events (no random draws)."""
    changes: dict[str, list[tuple[str, str, float]]] = {}
    for _, account, at, _, plan, delta in events:
        changes.setdefault(str(account), []).append((str(at), str(plan), float(delta)))  # type: ignore[arg-type]
    rows: list[tuple[object, ...]] = []
    days = (END - START).days
    for account in sorted(changes):
        events_of = sorted(changes[account])
        mrr, plan, i = 0.0, "", 0
        for day in range(days):
            night = START + dt.timedelta(days=day, hours=23, minutes=59, seconds=59)
            while i < len(events_of) and events_of[i][0] <= ts(night):
                mrr, plan = round(mrr + events_of[i][2], 2), events_of[i][1]
                i += 1
            if mrr > 0:
                rows.append((f"{account}-{day:03d}", account, ts(night), plan, mrr))
    return rows


def ts(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def week_start(week: int) -> dt.datetime:
    return START + dt.timedelta(weeks=week)


def week_of(moment: dt.datetime) -> int:
    return (moment - START).days // 7


def weekly(monthly: float) -> float:
    """The weekly invoice for a monthly price (Relay bills every week)."""
    return monthly * 12 / 52


def pick(rng: random.Random, weighted: Sequence[tuple[str, int]]) -> str:
    return rng.choices([w[0] for w in weighted], weights=[w[1] for w in weighted])[0]


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method; means here are small."""
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


class Simulation:
    def __init__(self, accounts: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.n_accounts = accounts
        self.t = Tables()
        self.n_users = 0
        self.n_events = 0
        self.n_invoices = 0
        self.n_deployments = 0
        self.n_visits = 0

    # -- helpers ----------------------------------------------------------------------------

    def moment_in(self, lo: dt.datetime, hi: dt.datetime) -> dt.datetime:
        seconds = max(int((hi - lo).total_seconds()), 1)
        return lo + dt.timedelta(seconds=self.rng.randrange(seconds))

    def visit(self, visitor: str, account: str | None, at: dt.datetime) -> None:
        if START <= at < END:
            self.n_visits += 1
            page = PAGES[min(int(self.rng.expovariate(0.35)), len(PAGES) - 1)]
            self.t.docs_visits.append((f"vis_{self.n_visits:08d}", visitor, account, ts(at), page))

    def new_visitor(self) -> str:
        self.t.visitors += 1
        return f"vtr_{self.t.visitors:07d}"

    def event(self, account: str, at: dt.datetime, change: str, plan: str, delta: float) -> None:
        self.n_events += 1
        row = (f"sub_{self.n_events:07d}", account, ts(at), change, plan, round(delta, 2))
        self.t.subscription_events.append(row)

    def invoice(self, account: str, at: dt.datetime, amount: float) -> None:
        if at < END and amount > 0:
            self.n_invoices += 1
            row = (f"inv_{self.n_invoices:07d}", account, ts(at), round(amount, 2), "USD")
            self.t.invoices.append(row)

    def deploy(self, account: str, week: int, not_before: dt.datetime, env: str) -> None:
        lo = max(week_start(week), not_before)
        hi = week_start(week + 1)
        if lo < hi:
            self.n_deployments += 1
            at = self.moment_in(lo, hi)
            self.t.deployments.append((f"dep_{self.n_deployments:07d}", account, ts(at), env))

    def calls(
        self,
        index: int,
        users: tuple[int, int],
        week: int,
        not_before: dt.datetime,
        endpoints: Iterable[str],
        env: str,
        volume: float,
        errors: float,
    ) -> None:
        lo = max(week_start(week), not_before)
        span = int((week_start(week + 1) - lo).total_seconds())
        if span <= 0:
            return
        for endpoint in endpoints:
            weight = round(volume * (0.3 + self.rng.expovariate(1.0)), 3)
            latency = round(60 + 25 * ENDPOINTS.index(endpoint) + 40 * self.rng.random(), 1)
            row = PlanRow(
                index, users[0], users[1], ts(lo), span, endpoint, env, weight, errors, latency
            )
            self.t.plan.append(row)

    # -- the simulation ---------------------------------------------------------------------

    def run(self) -> Tables:
        weights = [
            (1.0 + 0.035 * w + 0.25 * self.rng.random()) * signup_wave(w) for w in range(WEEKS)
        ]
        signup_weeks = sorted(self.rng.choices(range(WEEKS), weights=weights, k=self.n_accounts))
        created = sorted(self.moment_in(week_start(w), week_start(w + 1)) for w in signup_weeks)
        for index, at in enumerate(created):
            self.account(index, at)
        self.anonymous_visitors()
        self.t.subscription_snapshots = snapshots(self.t.subscription_events)
        return self.t

    def account(self, index: int, created_at: dt.datetime) -> None:
        rng = self.rng
        account = f"acc_{index + 1:06d}"
        kind = rng.choices(("real", "test", "internal"), weights=(90, 7, 3))[0]
        if kind == "real":
            plan = rng.choices(("individual", "team", "enterprise"), weights=(72, 24, 4))[0]
        else:
            plan = rng.choice(("team", "enterprise"))
        professional = rng.random() < (0.8 if plan != "individual" else 0.35)
        segment = "professional" if professional else "hobbyist"
        country = pick(rng, COUNTRIES)
        row = (account, ts(created_at), plan, segment, kind == "test", kind == "internal", country)
        self.t.accounts.append(row)

        size = {"individual": 1, "team": rng.randint(2, 6), "enterprise": rng.randint(5, 14)}[plan]
        first_user = self.n_users + 1
        for _ in range(size):
            self.n_users += 1
            joined = created_at + dt.timedelta(minutes=rng.randint(0, 60 * 24 * 10))
            joined = min(joined, END - dt.timedelta(seconds=1))
            self.t.users.append((f"usr_{self.n_users:07d}", account, ts(joined), rng.choice(ROLES)))
        users = (first_user, size)

        # Docs: a few visits before signing up, then some as a logged-in developer.
        visitor = self.new_visitor()
        for _ in range(rng.randint(1, 4)):
            self.visit(visitor, None, created_at - dt.timedelta(hours=rng.uniform(0.2, 96)))
        for week in range(week_of(created_at), WEEKS):
            if rng.random() < 0.25 * size**0.5:
                lo = max(week_start(week), created_at)
                self.visit(visitor, account, self.moment_in(lo, week_start(week + 1)))

        if kind != "real":
            self.test_traffic(index, account, users, created_at, internal=kind == "internal")
            return
        self.customer(index, account, users, created_at, plan, professional)

    def test_traffic(
        self,
        index: int,
        account: str,
        users: tuple[int, int],
        created_at: dt.datetime,
        internal: bool,
    ) -> None:
        """Test and internal accounts hammer production and sandbox alike: qualifier fodder."""
        rng = self.rng
        for week in range(week_of(created_at), WEEKS):
            breadth = len(ENDPOINTS) if internal else rng.randint(4, len(ENDPOINTS))
            used = ENDPOINTS[:breadth]
            self.calls(index, users, week, created_at, used, "production", 1.0, 0.04)
            self.calls(index, users, week, created_at, used, "sandbox", 1.0, 0.06)
            for _ in range(poisson(rng, 2.0)):
                self.deploy(account, week, created_at, rng.choice(("production", "sandbox")))

    def customer(
        self,
        index: int,
        account: str,
        users: tuple[int, int],
        created_at: dt.datetime,
        plan: str,
        professional: bool,
    ) -> None:
        rng = self.rng
        # Each account adopts endpoints in its own order, popular ones first.
        order = sorted(ENDPOINTS, key=lambda e: ENDPOINTS.index(e) + rng.uniform(0, 5))
        sandbox_at = created_at + dt.timedelta(hours=rng.expovariate(1 / 30))
        goes_live = rng.random() < (0.62 if professional else 0.45)
        live_at = sandbox_at + dt.timedelta(hours=rng.expovariate(1 / 150)) if goes_live else END
        if rng.random() > 0.9:  # never even tries the API
            return

        # Sandbox exploration until going live (or giving up after a few weeks).
        first, last = week_of(sandbox_at), min(week_of(live_at), week_of(sandbox_at) + 5)
        for week in range(first, min(last + 1, WEEKS)):
            if week > first and rng.random() < 0.3:
                continue
            used = rng.sample(order[:4], rng.randint(1, 3))
            volume = CALLS_PER_WEEK[plan] * 0.6
            self.calls(index, users, week, sandbox_at, used, "sandbox", volume, 0.03)
        if live_at >= END:
            return

        # Production: a three-week trial, then paying. Breadth three weeks ago (the account's
        # integration points) drives both the trial's conversion and later upgrades.
        trial_end = live_at + dt.timedelta(weeks=LEAD_WEEKS)
        paying = False
        billing: list[dt.datetime] = []
        breadth = 2 + (rng.random() < 0.5) + (rng.random() < 0.3 * professional)
        history: list[int] = []
        for week in range(week_of(live_at), WEEKS):
            lo, hi = max(week_start(week), live_at), week_start(week + 1)
            if week > week_of(live_at):
                boost = adoption_boost(week) * (1.3 if professional else 1.0)
                if rng.random() < min(0.8, 0.18 * boost):
                    breadth = min(breadth + 1, len(ENDPOINTS))
                elif breadth > 1 and rng.random() < 0.05 * drop_factor(week):
                    breadth -= 1
            history.append(breadth)
            lagged = history[-1 - LEAD_WEEKS] if len(history) > LEAD_WEEKS else history[0]
            if not paying and trial_end < hi:
                if rng.random() >= min(0.95, 0.2 + 0.2 * lagged):
                    return  # the trial lapses: production access ends
                paying = True
                self.event(account, trial_end, "new", plan, PRICE[plan])
                self.invoice(account, trial_end, weekly(PRICE[plan]))
                billing.append(trial_end)

            used = [e for e in order[:breadth] if rng.random() < 0.93] or [order[0]]
            self.calls(index, users, week, live_at, used, "production", CALLS_PER_WEEK[plan], 0.012)
            if rng.random() < 0.5:
                sample = rng.sample(order[: breadth + 2], min(2, breadth + 2))
                volume = CALLS_PER_WEEK[plan] * 0.4
                self.calls(index, users, week, live_at, sample, "sandbox", volume, 0.03)
            for _ in range(poisson(rng, 0.35 * breadth)):
                self.deploy(account, week, live_at, "production")
            for _ in range(poisson(rng, 0.6)):
                self.deploy(account, week, live_at, "sandbox")
            if not paying:
                continue

            # A new integration three weeks ago makes an upgrade likely now; a lost one, a
            # downgrade or churn.
            before = history[-2 - LEAD_WEEKS] if len(history) > LEAD_WEEKS + 1 else lagged
            gained = lagged - before
            at = self.moment_in(max(lo, billing[0]), hi)
            if plan in UPGRADE and rng.random() < 0.001 * lagged + 0.12 * max(gained, 0):
                new_plan = UPGRADE[plan]
                delta = PRICE[new_plan] - PRICE[plan]
                self.event(account, at, "upgrade", new_plan, delta)
                days_left = (billing[-1] + dt.timedelta(weeks=1) - at).days
                self.invoice(account, at, weekly(delta) * max(days_left, 0) / 7)
                plan = new_plan
            elif plan in DOWNGRADE and gained < 0 and rng.random() < 0.3:
                new_plan = DOWNGRADE[plan]
                self.event(account, at, "downgrade", new_plan, PRICE[new_plan] - PRICE[plan])
                plan = new_plan
            elif (gained < 0 and rng.random() < 0.3) or (lagged <= 1 and rng.random() < 0.01):
                self.event(account, at, "churn", plan, -PRICE[plan])
                return
            # Relay bills weekly, on the weekday the subscription started.
            while billing[-1] + dt.timedelta(weeks=1) < hi:
                billing.append(billing[-1] + dt.timedelta(weeks=1))
                self.invoice(account, billing[-1], weekly(PRICE[plan]))

    def anonymous_visitors(self) -> None:
        """People who read the docs and never sign up: the denominator of docs-to-signup."""
        rng = self.rng
        per_week = self.n_accounts * 0.45
        for week in range(WEEKS):
            for _ in range(int(per_week * (1 + 0.02 * week) * rng.uniform(0.9, 1.1))):
                visitor = self.new_visitor()
                first = self.moment_in(week_start(week), week_start(week + 1))
                for repeat in range(1 + poisson(rng, 0.6)):
                    self.visit(
                        visitor, None, first + dt.timedelta(hours=repeat * rng.uniform(1, 60))
                    )


# ------------------------------------------------------------------------------------------------
# Writing


SCHEMAS: dict[str, tuple[tuple[str, str], ...]] = {
    "accounts": (
        ("account_id", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("plan", "VARCHAR"),
        ("developer_segment", "VARCHAR"),
        ("is_test", "BOOLEAN"),
        ("is_internal", "BOOLEAN"),
        ("country", "VARCHAR"),
    ),
    "users": (
        ("user_id", "VARCHAR"),
        ("account_id", "VARCHAR"),
        ("created_at", "TIMESTAMP"),
        ("role", "VARCHAR"),
    ),
    "docs_visits": (
        ("visit_id", "VARCHAR"),
        ("visitor_id", "VARCHAR"),
        ("account_id", "VARCHAR"),
        ("visited_at", "TIMESTAMP"),
        ("page", "VARCHAR"),
    ),
    "deployments": (
        ("deployment_id", "VARCHAR"),
        ("account_id", "VARCHAR"),
        ("deployed_at", "TIMESTAMP"),
        ("environment", "VARCHAR"),
    ),
    "subscription_events": (
        ("event_id", "VARCHAR"),
        ("account_id", "VARCHAR"),
        ("occurred_at", "TIMESTAMP"),
        ("change", "VARCHAR"),
        ("plan", "VARCHAR"),
        ("mrr_delta", "DOUBLE"),
    ),
    "subscription_snapshots": (
        ("snapshot_id", "VARCHAR"),
        ("account_id", "VARCHAR"),
        ("taken_at", "TIMESTAMP"),
        ("plan", "VARCHAR"),
        ("mrr", "DOUBLE"),
    ),
    "invoices": (
        ("invoice_id", "VARCHAR"),
        ("account_id", "VARCHAR"),
        ("issued_at", "TIMESTAMP"),
        ("amount", "DOUBLE"),
        ("currency", "VARCHAR"),
    ),
}
PLAN_SCHEMA = (
    ("account_index", "BIGINT"),
    ("first_user", "BIGINT"),
    ("n_users", "BIGINT"),
    ("not_before", "TIMESTAMP"),
    ("span_s", "BIGINT"),
    ("endpoint", "VARCHAR"),
    ("environment", "VARCHAR"),
    ("weight", "DOUBLE"),
    ("errors", "DOUBLE"),
    ("latency", "DOUBLE"),
    ("n", "BIGINT"),
    ("first_call", "BIGINT"),
)

# A 32-bit integer hash (two xor-shift-multiply rounds) over (plan row, call, field): exact
# integer arithmetic, so the same on every platform and DuckDB version.
HASH_MACROS = """
CREATE MACRO mix32(x) AS (xor(x, x >> 16) * 73244475) % 4294967296;
CREATE MACRO h32(r, i, f) AS
    mix32(mix32((CAST(r AS BIGINT) * 2246822519 + CAST(i AS BIGINT) * 3266489917
        + CAST(f AS BIGINT) * 668265263 + {seed}) % 4294967296));
CREATE MACRO u01(r, i, f) AS (h32(r, i, f) + 0.5) / 4294967296.0;
"""

CALLS_SQL = """
COPY (
    SELECT
        printf('call_%09d', first_call + i) AS call_id,
        printf('acc_%06d', account_index + 1) AS account_id,
        printf('usr_%07d', first_user + h32(row_no, i, 1) % n_users) AS user_id,
        not_before + to_seconds(h32(row_no, i, 2) % span_s) AS called_at,
        endpoint,
        environment,
        CAST(CASE
            WHEN u01(row_no, i, 3) < errors THEN 500 + h32(row_no, i, 4) % 4
            WHEN u01(row_no, i, 3) < errors + 0.05 THEN 400 + h32(row_no, i, 4) % 30
            WHEN u01(row_no, i, 5) < 0.3 THEN 201
            ELSE 200
        END AS INTEGER) AS status_code,
        round(latency * (0.35 - ln(u01(row_no, i, 6))), 1) AS latency_ms
    FROM (SELECT *, unnest(range(n)) AS i FROM plan)
    ORDER BY first_call + i
) TO '{path}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 1000000)
"""


def write_csv(path: Path, rows: Iterable[Sequence[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])


def columns_clause(schema: Sequence[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in schema) + "}"


def scale_plan(plan: list[PlanRow], api_calls: int | None) -> list[tuple[object, ...]]:
    """Turn relative volumes into call counts (at least one each) and first call numbers."""
    natural = sum(row.weight for row in plan)
    factor = 1.0 if api_calls is None else api_calls / natural
    rows: list[tuple[object, ...]] = []
    total = 0
    for row in plan:
        n = max(1, round(row.weight * factor))
        rows.append((*row, n, total + 1))
        total += n
    return rows


def write(tables: Tables, out: Path, api_calls: int | None, seed: int) -> dict[str, int]:
    import duckdb

    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    with tempfile.TemporaryDirectory(prefix="relay-") as tmp:
        for name, schema in SCHEMAS.items():
            rows: list[tuple[object, ...]] = getattr(tables, name)
            csv_path = Path(tmp) / f"{name}.csv"
            write_csv(csv_path, rows)
            target = out / f"{name}.parquet"
            con.execute(
                f"COPY (SELECT * FROM read_csv('{csv_path}', header = false, "
                f"columns = {columns_clause(schema)}, nullstr = '', quote = '\"') "
                f"ORDER BY {schema[0][0]}) TO '{target}' (FORMAT parquet, COMPRESSION zstd)"
            )
            counts[name] = len(rows)
        plan = scale_plan(tables.plan, api_calls)
        counts["api_calls"] = sum(int(row[-2]) for row in plan)  # type: ignore[call-overload]
        plan_csv = Path(tmp) / "plan.csv"
        write_csv(plan_csv, plan)
        con.execute(
            f"CREATE TABLE plan AS SELECT row_number() OVER () AS row_no, * FROM "
            f"read_csv('{plan_csv}', header = false, columns = {columns_clause(PLAN_SCHEMA)})"
        )
        con.execute(HASH_MACROS.format(seed=seed % 4294967296))
        con.execute(CALLS_SQL.format(path=out / "api_calls.parquet"))
    con.close()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "data", help="output folder")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument(
        "--accounts", type=int, default=3000, help="accounts signing up over the 28 weeks"
    )
    parser.add_argument(
        "--api-calls",
        type=int,
        default=None,
        help="approximate number of API calls (default: natural volume, about 300 thousand); "
        "scales call volume only, so distinct counts stay the same",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    tables = Simulation(args.accounts, args.seed).run()
    counts = write(tables, args.out, args.api_calls, args.seed)
    took = time.perf_counter() - started
    for name in sorted(counts):
        print(f"{name:<20} {counts[name]:>11,} rows")
    print(f"wrote {len(counts)} tables to {args.out} in {took:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
