WITH RECURSIVE nsm_rows_events AS (
  SELECT
    CAST(DATE_TRUNC('week', events.called_at) AS DATE) AS period,
    CASE WHEN events.status_code >= 500 THEN 1 ELSE 0 END AS f1
  FROM events AS events
  WHERE
    events.environment = 'production'
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    MIN(d.period) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_events
  ) AS d
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    CAST(pr.period + INTERVAL 1 WEEK AS DATE)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    CAST(pr.period + INTERVAL 1 WEEK AS DATE) <= b.period_hi
), nsm_agg_events AS (
  SELECT
    period,
    COUNT(CASE WHEN f1 = 1 THEN 1 END) AS v1,
    COUNT(*) AS v2
  FROM nsm_rows_events
  GROUP BY
    period
)
SELECT
  sp.period AS period,
  CAST(COALESCE(l1.v1, 0) AS DOUBLE) / NULLIF(CAST(COALESCE(l1.v2, 0) AS DOUBLE), 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_events AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period
