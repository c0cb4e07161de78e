WITH nsm_rows_probes AS (
  SELECT
    DATE_TRUNC('hour', probes.happened_at) AS period,
    DATE_TRUNC('hour', probes.happened_at) AS nsm_day
  FROM probes AS probes
  WHERE
    probes.kind = 'event'
), nsm_bounds AS (
  SELECT
    CAST('2026-03-19 00:00:00' AS TIMESTAMP) AS period_lo,
    CAST('2026-03-20 23:00:00' AS TIMESTAMP) AS period_hi,
    CAST('2026-03-19 00:00:00' AS TIMESTAMP) AS period_from
), nsm_periods AS (
  SELECT
    EXPLODE(SEQUENCE(b.period_from, GREATEST(b.period_from, b.period_hi), INTERVAL 1 HOUR)) AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_probes AS r
  WHERE
    r.nsm_day >= p.period + INTERVAL '1' HOUR - INTERVAL '6' HOUR
    AND r.nsm_day < p.period + INTERVAL '1' HOUR
  GROUP BY
    p.period
)
SELECT
  sp.period AS period,
  COALESCE(l1.value, 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_window1 AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period NULLS LAST
