WITH RECURSIVE nsm_per_account_integration_points AS (
  SELECT
    period,
    nsm_entity,
    COUNT(*) AS nsm_value
  FROM (
    SELECT DISTINCT
      DATE_SUB(DATE(events.called_at), INTERVAL (
        WEEKDAY(events.called_at)
      ) DAY) AS period,
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
    DATE_SUB(DATE(events.called_at), INTERVAL (
      WEEKDAY(events.called_at)
    ) DAY) AS period,
    NULLIF(events.environment, events.environment) AS g_environment,
    '' AS nsm_breakdown
  FROM events AS events
  LEFT JOIN nsm_per_account_integration_points
    ON nsm_per_account_integration_points.period = DATE_SUB(DATE(events.called_at), INTERVAL (
      WEEKDAY(events.called_at)
    ) DAY)
    AND nsm_per_account_integration_points.nsm_entity = events.account_id
  WHERE
    events.environment = 'production'
    AND NOT events.account_id IS NULL
    AND COALESCE(nsm_per_account_integration_points.nsm_value, 0) >= 2
  UNION ALL
  SELECT
    DATE_SUB(DATE(events.called_at), INTERVAL (
      WEEKDAY(events.called_at)
    ) DAY) AS period,
    events.environment AS g_environment,
    'environment' AS nsm_breakdown
  FROM events AS events
  LEFT JOIN nsm_per_account_integration_points
    ON nsm_per_account_integration_points.period = DATE_SUB(DATE(events.called_at), INTERVAL (
      WEEKDAY(events.called_at)
    ) DAY)
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
    DATE_ADD(pr.period, INTERVAL 1 WEEK)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATE_ADD(pr.period, INTERVAL 1 WEEK) <= b.period_hi
), nsm_agg_events AS (
  SELECT
    period,
    nsm_breakdown,
    g_environment,
    COUNT(*) AS v1
  FROM nsm_rows_events
  GROUP BY
    period,
    nsm_breakdown,
    g_environment
), nsm_segments AS (
  SELECT DISTINCT
    nsm_breakdown,
    g_environment
  FROM nsm_rows_events
), nsm_spine AS (
  SELECT
    pr.period,
    sv.nsm_breakdown,
    sv.g_environment
  FROM nsm_periods AS pr
  CROSS JOIN nsm_segments AS sv
)
SELECT /*+ SET_VAR(cte_max_recursion_depth = 1000000) */
  sp.period AS period,
  sp.nsm_breakdown AS breakdown,
  sp.g_environment AS environment,
  COALESCE(l1.v1, 0) AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_agg_events AS l1
  ON l1.period = sp.period
  AND l1.nsm_breakdown <=> sp.nsm_breakdown
  AND l1.g_environment <=> sp.g_environment
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period,
  CASE WHEN sp.nsm_breakdown IS NULL THEN 1 ELSE 0 END, sp.nsm_breakdown,
  CASE WHEN sp.g_environment IS NULL THEN 1 ELSE 0 END, sp.g_environment
