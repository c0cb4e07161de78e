WITH nsm_rows_probes AS (
  SELECT
    DATEADD(
      HOUR,
      DATEDIFF(HOUR, CAST('1900-01-01' AS DATETIME2), probes.happened_at),
      CAST('1900-01-01' AS DATETIME2)
    ) AS period,
    DATEADD(
      HOUR,
      DATEDIFF(HOUR, CAST('1900-01-01' AS DATETIME2), probes.happened_at),
      CAST('1900-01-01' AS DATETIME2)
    ) AS nsm_day
  FROM probes AS probes
  WHERE
    probes.kind = 'event'
), nsm_bounds AS (
  SELECT
    CAST('2026-03-19 00:00:00' AS DATETIME2) AS period_lo,
    CAST('2026-03-20 23:00:00' AS DATETIME2) AS period_hi,
    CAST('2026-03-19 00:00:00' AS DATETIME2) AS period_from
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    DATEADD(HOUR, 1, pr.period)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATEADD(HOUR, 1, pr.period) <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period AS period,
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
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period OPTION(
    MAXRECURSION 0
)
