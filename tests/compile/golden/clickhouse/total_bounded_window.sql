WITH nsm_rows_events AS (
  SELECT
    CASE
      WHEN toDate(events.called_at) >= CAST('2026-03-10' AS Nullable(DATE))
      AND toDate(events.called_at) <= CAST('2026-05-20' AS Nullable(DATE))
      THEN CAST('1970-01-01' AS Nullable(DATE))
    END AS period,
    accounts.plan AS g_plan,
    toDate(events.called_at) AS nsm_day
  FROM events AS events
  LEFT JOIN accounts AS accounts
    ON events.account_id = accounts.account_id
  WHERE
    events.environment = 'production'
), nsm_bounds AS (
  SELECT
    CAST('1970-01-01' AS Nullable(DATE)) AS period_lo,
    CAST('1970-01-01' AS Nullable(DATE)) AS period_hi,
    CAST('1970-01-01' AS Nullable(DATE)) AS period_from,
    CAST('2026-03-10' AS Nullable(DATE)) AS range_start,
    CAST('2026-05-20' AS Nullable(DATE)) AS range_end
), nsm_periods AS (
  SELECT
    b.period_lo AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_lo <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period AS period,
    r.g_plan AS g_plan,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_events AS r
  CROSS JOIN nsm_bounds AS rb
  WHERE
    r.nsm_day >= addDays(toDate32(addDays(toDate32(rb.range_end), 1)), -14)
    AND r.nsm_day < addDays(toDate32(rb.range_end), 1)
  GROUP BY
    p.period,
    r.g_plan
), nsm_segments AS (
  SELECT DISTINCT
    g_plan
  FROM nsm_rows_events
  WHERE
    NOT (
      period IS NULL
    )
), nsm_spine AS (
  SELECT
    pr.period AS period,
    sv.g_plan AS g_plan
  FROM nsm_periods AS pr
  CROSS JOIN nsm_segments AS sv
)
SELECT
  rb.range_start AS period,
  sp.g_plan AS plan,
  COALESCE(l1.value, 0) AS value
FROM nsm_spine AS sp
CROSS JOIN nsm_bounds AS rb
LEFT JOIN nsm_window1 AS l1
  ON l1.period = sp.period AND l1.g_plan IS NOT DISTINCT FROM sp.g_plan
ORDER BY
  sp.period,
  sp.g_plan
SETTINGS join_use_nulls = 1, count_distinct_implementation = 'uniqExact'
