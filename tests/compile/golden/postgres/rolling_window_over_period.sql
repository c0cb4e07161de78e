WITH RECURSIVE nsm_rows_events AS (
  SELECT
    CAST(DATE_TRUNC('week', CAST(events.called_at AS TIMESTAMP)) AS DATE) AS period,
    accounts.plan AS g_plan,
    CAST(events.called_at AS DATE) AS nsm_day,
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
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    CAST(MIN(d.period) + INTERVAL '-1 WEEK' AS DATE) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_events
  ) AS d
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    CAST(pr.period + INTERVAL '1 WEEK' AS DATE)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    CAST(pr.period + INTERVAL '1 WEEK' AS DATE) <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    r.g_plan,
    COUNT(DISTINCT r.c_account_id) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_events AS r
  WHERE
    r.nsm_day >= CAST(CAST(p.period + INTERVAL '1 WEEK' AS DATE) + INTERVAL '-28 DAY' AS DATE)
    AND r.nsm_day < CAST(p.period + INTERVAL '1 WEEK' AS DATE)
  GROUP BY
    p.period,
    r.g_plan
), nsm_segments AS (
  SELECT DISTINCT
    g_plan
  FROM nsm_rows_events
), nsm_spine AS (
  SELECT
    pr.period,
    sv.g_plan
  FROM nsm_periods AS pr
  CROSS JOIN nsm_segments AS sv
  CROSS JOIN nsm_bounds AS b
  WHERE
    pr.period >= b.period_lo
), nsm_first AS (
  SELECT
    (
      SELECT
        MIN(period)
      FROM nsm_rows_events
    ) AS first1
)
SELECT
  sp.period AS period,
  sp.g_plan AS plan,
  CAST(COALESCE(l1.value, 0) - CASE
    WHEN CAST(sp.period + INTERVAL '-1 WEEK' AS DATE) >= nsm_first.first1
    THEN COALESCE(l2.value, 0)
  END AS DOUBLE PRECISION) / NULLIF(
    CAST(CASE
      WHEN CAST(sp.period + INTERVAL '-1 WEEK' AS DATE) >= nsm_first.first1
      THEN COALESCE(l2.value, 0)
    END AS DOUBLE PRECISION),
    0
  ) AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_window1 AS l1
  ON l1.period = sp.period AND l1.g_plan IS NOT DISTINCT FROM sp.g_plan
LEFT JOIN nsm_window1 AS l2
  ON l2.period = CAST(sp.period + INTERVAL '-1 WEEK' AS DATE)
  AND l2.g_plan IS NOT DISTINCT FROM sp.g_plan
CROSS JOIN nsm_first AS nsm_first
ORDER BY
  sp.period,
  sp.g_plan
