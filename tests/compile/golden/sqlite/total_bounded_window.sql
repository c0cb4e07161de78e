WITH nsm_rows_events AS (
  SELECT
    CASE
      WHEN DATE(events.called_at) >= DATE('2026-03-10')
      AND DATE(events.called_at) <= DATE('2026-05-20')
      THEN DATE('1970-01-01')
    END AS period,
    accounts.plan AS g_plan,
    DATE(events.called_at) AS nsm_day
  FROM events AS events
  LEFT JOIN accounts AS accounts
    ON events.account_id = accounts.account_id
  WHERE
    events.environment = 'production'
), nsm_bounds AS (
  SELECT
    DATE('1970-01-01') AS period_lo,
    DATE('1970-01-01') AS period_hi,
    DATE('1970-01-01') AS period_from,
    DATE('2026-03-10') AS range_start,
    DATE('2026-05-20') AS range_end
), nsm_periods AS (
  SELECT
    b.period_lo AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_lo <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    r.g_plan,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_events AS r
  CROSS JOIN nsm_bounds AS rb
  WHERE
    r.nsm_day >= DATE(DATE(rb.range_end, '+1 days'), '-14 days')
    AND r.nsm_day < DATE(rb.range_end, '+1 days')
  GROUP BY
    p.period,
    r.g_plan
), nsm_segments AS (
  SELECT DISTINCT
    g_plan
  FROM nsm_rows_events
  WHERE
    NOT period IS NULL
), nsm_spine AS (
  SELECT
    pr.period,
    sv.g_plan
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
  ON l1.period = sp.period AND l1.g_plan IS sp.g_plan
ORDER BY
  sp.period NULLS LAST,
  sp.g_plan NULLS LAST
