WITH nsm_rows_probes AS (
  SELECT
    toStartOfHour(probes.happened_at) AS period,
    toStartOfHour(probes.happened_at) AS nsm_day
  FROM probes AS probes
  WHERE
    probes.kind = 'event'
), nsm_bounds AS (
  SELECT
    CAST('2026-03-19 00:00:00' AS Nullable(DateTime)) AS period_lo,
    CAST('2026-03-20 23:00:00' AS Nullable(DateTime)) AS period_hi,
    CAST('2026-03-19 00:00:00' AS Nullable(DateTime)) AS period_from
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
    addHours(b.period_from, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000 + d4.n * 10000) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  CROSS JOIN nsm_digits AS d4
  WHERE
    addHours(b.period_from, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000 + d4.n * 10000) <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period AS period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_probes AS r
  WHERE
    r.nsm_day >= addHours(addHours(p.period, 1), -6)
    AND r.nsm_day < addHours(p.period, 1)
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
SETTINGS join_use_nulls = 1, count_distinct_implementation = 'uniqExact'
