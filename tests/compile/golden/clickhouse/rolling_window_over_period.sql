WITH nsm_rows_events AS (
  SELECT
    toMonday(events.called_at) AS period,
    accounts.plan AS g_plan,
    toDate(events.called_at) AS nsm_day,
    events.account_id AS c_account_id
  FROM events AS events
  LEFT JOIN accounts AS accounts
    ON events.account_id = accounts.account_id
  WHERE
    events.environment = 'production'
    AND NOT accounts.is_test
    AND NOT accounts.is_internal
), nsm_bounds AS (
  SELECT
    minOrNull(d.period) AS period_lo,
    maxOrNull(d.period) AS period_hi,
    addWeeks(toDate32(minOrNull(d.period)), -1) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_events
  ) AS d
), nsm_digits AS (
  SELECT
    0 AS n
  UNION ALL
  SELECT
    1 AS n
  UNION ALL
  SELECT
    2 AS n
  UNION ALL
  SELECT
    3 AS n
  UNION ALL
  SELECT
    4 AS n
  UNION ALL
  SELECT
    5 AS n
  UNION ALL
  SELECT
    6 AS n
  UNION ALL
  SELECT
    7 AS n
  UNION ALL
  SELECT
    8 AS n
  UNION ALL
  SELECT
    9 AS n
), nsm_periods AS (
  SELECT
    addWeeks(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  WHERE
    addWeeks(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000) <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period AS period,
    r.g_plan AS g_plan,
    COUNT(DISTINCT r.c_account_id) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_events AS r
  WHERE
    r.nsm_day >= addDays(toDate32(addWeeks(toDate32(p.period), 1)), -28)
    AND r.nsm_day < addWeeks(toDate32(p.period), 1)
  GROUP BY
    p.period,
    r.g_plan
), nsm_segments AS (
  SELECT DISTINCT
    g_plan
  FROM nsm_rows_events
), nsm_spine AS (
  SELECT
    pr.period AS period,
    sv.g_plan AS g_plan
  FROM nsm_periods AS pr
  CROSS JOIN nsm_segments AS sv
  CROSS JOIN nsm_bounds AS b
  WHERE
    pr.period >= b.period_lo
), nsm_first AS (
  SELECT
    (
      SELECT
        minOrNull(period)
      FROM nsm_rows_events
    ) AS first1
)
SELECT
  sp.period AS period,
  sp.g_plan AS plan,
  CAST(COALESCE(l1.value, 0) - CASE
    WHEN addWeeks(toDate32(sp.period), -1) >= nsm_first.first1
    THEN COALESCE(l2.value, 0)
  END AS Nullable(Float64)) / nullIf(
    CAST(CASE
      WHEN addWeeks(toDate32(sp.period), -1) >= nsm_first.first1
      THEN COALESCE(l2.value, 0)
    END AS Nullable(Float64)),
    0
  ) AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_window1 AS l1
  ON l1.period = sp.period AND l1.g_plan IS NOT DISTINCT FROM sp.g_plan
LEFT JOIN nsm_window1 AS l2
  ON l2.period = addWeeks(toDate32(sp.period), -1)
  AND l2.g_plan IS NOT DISTINCT FROM sp.g_plan
CROSS JOIN nsm_first AS nsm_first
ORDER BY
  sp.period,
  sp.g_plan
SETTINGS join_use_nulls = 1, count_distinct_implementation = 'uniqExact'
