WITH nsm_rows_probes AS (
  SELECT
    DATE_TRUNC('hour', CAST(probes.happened_at AS TIMESTAMP)) AS period,
    DATE_TRUNC('hour', CAST(probes.happened_at AS TIMESTAMP)) AS nsm_day
  FROM probes AS probes
  WHERE
    probes.kind = 'event'
), nsm_bounds AS (
  SELECT
    CAST('2026-03-19 00:00:00' AS TIMESTAMP) AS period_lo,
    CAST('2026-03-20 23:00:00' AS TIMESTAMP) AS period_hi,
    CAST('2026-03-19 00:00:00' AS TIMESTAMP) AS period_from
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
    DATEADD(HOUR, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000 + d4.n * 10000, b.period_from) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  CROSS JOIN nsm_digits AS d4
  WHERE
    DATEADD(HOUR, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000 + d4.n * 10000, b.period_from) <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_probes AS r
  WHERE
    r.nsm_day >= DATEADD(HOUR, -6, DATEADD(HOUR, 1, p.period))
    AND r.nsm_day < DATEADD(HOUR, 1, p.period)
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
  sp.period
