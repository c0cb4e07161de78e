WITH RECURSIVE nsm_rows_probes AS (
  SELECT
    CAST(DATE_FORMAT(probes.happened_at, '%Y-%m-%d %H:00:00') AS DATETIME) AS period,
    CAST(DATE_FORMAT(probes.happened_at, '%Y-%m-%d %H:00:00') AS DATETIME) AS nsm_day
  FROM probes AS probes
  WHERE
    probes.kind = 'event'
), nsm_bounds AS (
  SELECT
    CAST('2026-03-19 00:00:00' AS DATETIME) AS period_lo,
    CAST('2026-03-20 23:00:00' AS DATETIME) AS period_hi,
    CAST('2026-03-19 00:00:00' AS DATETIME) AS period_from
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    DATE_ADD(pr.period, INTERVAL 1 HOUR)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATE_ADD(pr.period, INTERVAL 1 HOUR) <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_probes AS r
  WHERE
    r.nsm_day >= DATE_ADD(DATE_ADD(p.period, INTERVAL 1 HOUR), INTERVAL -6 HOUR)
    AND r.nsm_day < DATE_ADD(p.period, INTERVAL 1 HOUR)
  GROUP BY
    p.period
)
SELECT /*+ SET_VAR(cte_max_recursion_depth = 1000000) */
  sp.period AS period,
  COALESCE(l1.value, 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_window1 AS l1
  ON l1.period = sp.period
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period
