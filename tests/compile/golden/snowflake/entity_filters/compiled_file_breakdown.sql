WITH nsm_per_account_integration_points AS (
  SELECT
    period,
    nsm_entity,
    COUNT(*) AS nsm_value
  FROM (
    SELECT DISTINCT
      DATEADD(DAY, 1 - DAYOFWEEKISO(events.called_at), CAST(events.called_at AS DATE)) AS period,
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
    DATEADD(DAY, 1 - DAYOFWEEKISO(events.called_at), CAST(events.called_at AS DATE)) AS period,
    NULLIF(events.environment, events.environment) AS g_environment,
    '' AS nsm_breakdown
  FROM events AS events
  LEFT JOIN nsm_per_account_integration_points
    ON nsm_per_account_integration_points.period = DATEADD(DAY, 1 - DAYOFWEEKISO(events.called_at), CAST(events.called_at AS DATE))
    AND nsm_per_account_integration_points.nsm_entity = events.account_id
  WHERE
    events.environment = 'production'
    AND NOT events.account_id IS NULL
    AND COALESCE(nsm_per_account_integration_points.nsm_value, 0) >= 2
  UNION ALL
  SELECT
    DATEADD(DAY, 1 - DAYOFWEEKISO(events.called_at), CAST(events.called_at AS DATE)) AS period,
    events.environment AS g_environment,
    'environment' AS nsm_breakdown
  FROM events AS events
  LEFT JOIN nsm_per_account_integration_points
    ON nsm_per_account_integration_points.period = DATEADD(DAY, 1 - DAYOFWEEKISO(events.called_at), CAST(events.called_at AS DATE))
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
), nsm_digits AS (
  SELECT
    0 AS n
  UNION ALL
  SELECT
    1 AS n
  UNION ALL
  SELECT
    2 AS n
  UNION ALL
  SELECT
    3 AS n
  UNION ALL
  SELECT
    4 AS n
  UNION ALL
  SELECT
    5 AS n
  UNION ALL
  SELECT
    6 AS n
  UNION ALL
  SELECT
    7 AS n
  UNION ALL
  SELECT
    8 AS n
  UNION ALL
  SELECT
    9 AS n
), nsm_periods AS (
  SELECT
    DATEADD(WEEK, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000, b.period_from) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  WHERE
    DATEADD(WEEK, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000, b.period_from) <= b.period_hi
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
SELECT
  sp.period AS period,
  sp.nsm_breakdown AS breakdown,
  sp.g_environment AS environment,
  COALESCE(l1.v1, 0) AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_agg_events AS l1
  ON l1.period = sp.period
  AND l1.nsm_breakdown IS NOT DISTINCT FROM sp.nsm_breakdown
  AND l1.g_environment IS NOT DISTINCT FROM sp.g_environment
ORDER BY
  sp.period,
  sp.nsm_breakdown,
  sp.g_environment
