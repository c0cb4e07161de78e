WITH RECURSIVE nsm_rows_events AS (
  SELECT
    DATE(events.called_at) AS period,
    events.latency_ms AS c_latency_ms
  FROM events AS events
  WHERE
    events.environment = 'production'
    AND DATE(events.called_at) >= CAST('2026-03-10' AS DATE)
    AND DATE(events.called_at) < CAST('2026-05-21' AS DATE)
), nsm_bounds AS (
  SELECT
    CAST('2026-03-10' AS DATE) AS period_lo,
    CAST('2026-05-20' AS DATE) AS period_hi,
    CAST('2026-03-10' AS DATE) AS period_from
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    DATE_ADD(pr.period, INTERVAL 1 DAY)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATE_ADD(pr.period, INTERVAL 1 DAY) <= b.period_hi
), nsm_agg_events AS (
  SELECT
    period,
    AVG(CAST(c_latency_ms AS DOUBLE)) AS v1
  FROM nsm_rows_events
  GROUP BY
    period
)
SELECT /*+ SET_VAR(cte_max_recursion_depth = 1000000) */
  sp.period AS period,
  l1.v1 AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_events AS l1
  ON l1.period = sp.period
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period
