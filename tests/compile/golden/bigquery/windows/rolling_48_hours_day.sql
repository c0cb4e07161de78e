WITH nsm_rows_probes AS (
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
), nsm_periods AS (
  SELECT
    period
  FROM nsm_bounds AS b
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(b.period_from, b.period_hi, INTERVAL 1 DAY)) AS period
), nsm_window1 AS (
  SELECT
    p.period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_probes AS r
  WHERE
    r.nsm_day >= DATE_ADD(DATE_ADD(p.period, INTERVAL 1 DAY), INTERVAL -2 DAY)
    AND r.nsm_day < DATE_ADD(p.period, INTERVAL 1 DAY)
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
