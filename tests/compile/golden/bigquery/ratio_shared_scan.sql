WITH nsm_rows_events AS (
  SELECT
    DATE_TRUNC(CAST(events.called_at AS DATE), ISOWEEK) AS period,
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
), nsm_periods AS (
  SELECT
    period
  FROM nsm_bounds AS b
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(b.period_from, b.period_hi, INTERVAL 1 WEEK)) AS period
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
  CAST(COALESCE(l1.v1, 0) AS FLOAT64) / NULLIF(CAST(COALESCE(l1.v2, 0) AS FLOAT64), 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_events AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period NULLS LAST
