WITH nsm_rows_events AS (
  SELECT
    CAST(events.called_at AS DATE) AS period,
    events.latency_ms AS c_latency_ms
  FROM events AS events
  WHERE
    events.environment = 'production'
    AND CAST(events.called_at AS DATE) >= CAST('2026-03-10' AS DATE)
    AND CAST(events.called_at AS DATE) < CAST('2026-05-21' AS DATE)
), nsm_bounds AS (
  SELECT
    CAST('2026-03-10' AS DATE) AS period_lo,
    CAST('2026-05-20' AS DATE) AS period_hi,
    CAST('2026-03-10' AS DATE) AS period_from
), nsm_periods AS (
  SELECT
    period
  FROM nsm_bounds AS b
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(b.period_from, b.period_hi, INTERVAL 1 DAY)) AS period
), nsm_agg_events AS (
  SELECT
    period,
    AVG(CAST(c_latency_ms AS FLOAT64)) AS v1
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
