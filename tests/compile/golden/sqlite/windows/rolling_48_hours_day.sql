WITH RECURSIVE nsm_rows_probes AS (
  SELECT
    DATE(probes.happened_at) AS period,
    DATE(probes.happened_at) AS nsm_day
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
    DATE(pr.period, '+1 days')
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATE(pr.period, '+1 days') <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_probes AS r
  WHERE
    r.nsm_day >= DATE(DATE(p.period, '+1 days'), '-2 days')
    AND r.nsm_day < DATE(p.period, '+1 days')
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
