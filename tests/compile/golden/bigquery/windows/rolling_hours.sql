WITH nsm_rows_probes AS (
  SELECT
    TIMESTAMP_TRUNC(probes.happened_at, HOUR) AS period,
    TIMESTAMP_TRUNC(probes.happened_at, HOUR) AS nsm_day
  FROM probes AS probes
  WHERE
    probes.kind = 'event'
), nsm_bounds AS (
  SELECT
    TIMESTAMP('2026-03-19 00:00:00') AS period_lo,
    TIMESTAMP('2026-03-20 23:00:00') AS period_hi,
    TIMESTAMP('2026-03-19 00:00:00') AS period_from
), nsm_periods AS (
  SELECT
    period
  FROM nsm_bounds AS b
  CROSS JOIN UNNEST(GENERATE_TIMESTAMP_ARRAY(b.period_from, b.period_hi, INTERVAL 1 HOUR)) AS period
), nsm_window1 AS (
  SELECT
    p.period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_probes AS r
  WHERE
    r.nsm_day >= TIMESTAMP_ADD(TIMESTAMP_ADD(p.period, INTERVAL 1 HOUR), INTERVAL -6 HOUR)
    AND r.nsm_day < TIMESTAMP_ADD(p.period, INTERVAL 1 HOUR)
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
