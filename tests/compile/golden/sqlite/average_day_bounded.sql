WITH RECURSIVE nsm_rows_events AS (
  SELECT
    DATE(events.called_at) AS period,
    events.latency_ms AS c_latency_ms
  FROM events AS events
  WHERE
    events.environment = 'production'
    AND DATE(events.called_at) >= DATE('2026-03-10')
    AND DATE(events.called_at) < DATE('2026-05-21')
), nsm_bounds AS (
  SELECT
    DATE('2026-03-10') AS period_lo,
    DATE('2026-05-20') AS period_hi,
    DATE('2026-03-10') AS period_from
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    DATE(pr.period, '+1 days')
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATE(pr.period, '+1 days') <= b.period_hi
), nsm_agg_events AS (
  SELECT
    period,
    AVG(CAST(c_latency_ms AS REAL)) AS v1
  FROM nsm_rows_events
  GROUP BY
    period
)
SELECT
  sp.period AS period,
  l1.v1 AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_events AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period NULLS LAST
