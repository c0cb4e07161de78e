WITH RECURSIVE nsm_rows_probes AS (
  SELECT
    CAST(probes.happened_at AS DATE) AS period,
    CAST(probes.happened_at AS DATE) AS nsm_day
  FROM probes AS probes
  WHERE
    probes.kind = 'event'
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    MIN(d.period) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_probes
  ) AS d
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    CAST(pr.period + INTERVAL '1 DAY' AS DATE)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    CAST(pr.period + INTERVAL '1 DAY' AS DATE) <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_probes AS r
  WHERE
    r.nsm_day >= CAST(CAST(p.period + INTERVAL '1 DAY' AS DATE) + INTERVAL '-2 DAY' AS DATE)
    AND r.nsm_day < CAST(p.period + INTERVAL '1 DAY' AS DATE)
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
