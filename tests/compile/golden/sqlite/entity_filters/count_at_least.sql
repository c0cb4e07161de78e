WITH RECURSIVE nsm_per_account_integration_points AS (
  SELECT
    period,
    nsm_entity,
    COUNT(*) AS nsm_value
  FROM (
    SELECT DISTINCT
      DATE(events.called_at, 'weekday 0', '-6 days') AS period,
      events.account_id AS nsm_entity,
      events.account_id AS c_account_id,
      events.endpoint AS c_endpoint
    FROM events AS events
    WHERE
      events.environment = 'production'
      AND NOT events.account_id IS NULL
      AND NOT events.endpoint IS NULL
  ) AS r
  GROUP BY
    period,
    nsm_entity
), nsm_rows_events AS (
  SELECT
    DATE(events.called_at, 'weekday 0', '-6 days') AS period
  FROM events AS events
  LEFT JOIN nsm_per_account_integration_points
    ON nsm_per_account_integration_points.period = DATE(events.called_at, 'weekday 0', '-6 days')
    AND nsm_per_account_integration_points.nsm_entity = events.account_id
  WHERE
    events.environment = 'production'
    AND NOT events.account_id IS NULL
    AND COALESCE(nsm_per_account_integration_points.nsm_value, 0) >= 2
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
    DATE(pr.period, '+7 days')
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATE(pr.period, '+7 days') <= b.period_hi
), nsm_agg_events AS (
  SELECT
    period,
    COUNT(*) AS v1
  FROM nsm_rows_events
  GROUP BY
    period
)
SELECT
  sp.period AS period,
  COALESCE(l1.v1, 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_events AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period NULLS LAST
