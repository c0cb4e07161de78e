WITH RECURSIVE nsm_per_account_integration_points AS (
  SELECT
    period,
    nsm_entity,
    COUNT(*) AS nsm_value
  FROM (
    SELECT DISTINCT
      CAST(DATE_TRUNC('week', CAST(events.called_at AS TIMESTAMP)) AS DATE) AS period,
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
    CAST(DATE_TRUNC('week', CAST(events.called_at AS TIMESTAMP)) AS DATE) AS period,
    events.account_id AS c_account_id
  FROM events AS events
  LEFT JOIN nsm_per_account_integration_points
    ON nsm_per_account_integration_points.period = CAST(DATE_TRUNC('week', CAST(events.called_at AS TIMESTAMP)) AS DATE)
    AND nsm_per_account_integration_points.nsm_entity = events.account_id
  WHERE
    NOT events.account_id IS NULL
    AND COALESCE(nsm_per_account_integration_points.nsm_value, 0) >= 2
    AND COALESCE(nsm_per_account_integration_points.nsm_value, 0) <= 3
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
    CAST(pr.period + INTERVAL '1 WEEK' AS DATE)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    CAST(pr.period + INTERVAL '1 WEEK' AS DATE) <= b.period_hi
), nsm_agg_events AS (
  SELECT
    period,
    COUNT(DISTINCT c_account_id) AS v1
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
  sp.period
