WITH RECURSIVE nsm_rows_probes AS (
  SELECT
    STRFTIME('%Y-%m-%d %H:00:00', probes.happened_at) AS period,
    STRFTIME('%Y-%m-%d %H:00:00', probes.happened_at) AS nsm_day
  FROM probes AS probes
  WHERE
    probes.kind = 'event'
), nsm_bounds AS (
  SELECT
    DATETIME('2026-03-19 00:00:00') AS period_lo,
    DATETIME('2026-03-20 23:00:00') AS period_hi,
    DATETIME('2026-03-19 00:00:00') AS period_from
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    DATETIME(pr.period, '+1 hours')
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATETIME(pr.period, '+1 hours') <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_probes AS r
  WHERE
    r.nsm_day >= DATETIME(DATETIME(p.period, '+1 hours'), '-6 hours')
    AND r.nsm_day < DATETIME(p.period, '+1 hours')
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
