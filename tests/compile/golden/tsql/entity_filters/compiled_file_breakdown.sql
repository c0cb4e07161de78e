WITH nsm_per_account_integration_points AS (
  SELECT
    period AS period,
    nsm_entity AS nsm_entity,
    COUNT(*) AS nsm_value
  FROM (
    SELECT DISTINCT
      DATEADD(
        DAY,
        -(
          DATEDIFF(DAY, CAST('1900-01-01' AS DATE), CAST(events.called_at AS DATE)) % 7
        ),
        CAST(events.called_at AS DATE)
      ) AS period,
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
    DATEADD(
      DAY,
      -(
        DATEDIFF(DAY, CAST('1900-01-01' AS DATE), CAST(events.called_at AS DATE)) % 7
      ),
      CAST(events.called_at AS DATE)
    ) AS period,
    NULLIF(events.environment, events.environment) AS g_environment,
    '' AS nsm_breakdown
  FROM events AS events
  LEFT JOIN nsm_per_account_integration_points
    ON nsm_per_account_integration_points.period = DATEADD(
      DAY,
      -(
        DATEDIFF(DAY, CAST('1900-01-01' AS DATE), CAST(events.called_at AS DATE)) % 7
      ),
      CAST(events.called_at AS DATE)
    )
    AND nsm_per_account_integration_points.nsm_entity = events.account_id
  WHERE
    events.environment = 'production'
    AND NOT events.account_id IS NULL
    AND COALESCE(nsm_per_account_integration_points.nsm_value, 0) >= 2
  UNION ALL
  SELECT
    DATEADD(
      DAY,
      -(
        DATEDIFF(DAY, CAST('1900-01-01' AS DATE), CAST(events.called_at AS DATE)) % 7
      ),
      CAST(events.called_at AS DATE)
    ) AS period,
    events.environment AS g_environment,
    'environment' AS nsm_breakdown
  FROM events AS events
  LEFT JOIN nsm_per_account_integration_points
    ON nsm_per_account_integration_points.period = DATEADD(
      DAY,
      -(
        DATEDIFF(DAY, CAST('1900-01-01' AS DATE), CAST(events.called_at AS DATE)) % 7
      ),
      CAST(events.called_at AS DATE)
    )
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
      period AS period
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
    DATEADD(WEEK, 1, pr.period)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATEADD(WEEK, 1, pr.period) <= b.period_hi
), nsm_agg_events AS (
  SELECT
    period AS period,
    nsm_breakdown AS nsm_breakdown,
    g_environment AS g_environment,
    COUNT(*) AS v1
  FROM nsm_rows_events
  GROUP BY
    period,
    nsm_breakdown,
    g_environment
), nsm_segments AS (
  SELECT DISTINCT
    nsm_breakdown AS nsm_breakdown,
    g_environment AS g_environment
  FROM nsm_rows_events
), nsm_spine AS (
  SELECT
    pr.period AS period,
    sv.nsm_breakdown AS nsm_breakdown,
    sv.g_environment AS g_environment
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
  AND (
    l1.nsm_breakdown = sp.nsm_breakdown
    OR (
      l1.nsm_breakdown IS NULL AND sp.nsm_breakdown IS NULL
    )
  )
  AND (
    l1.g_environment = sp.g_environment
    OR (
      l1.g_environment IS NULL AND sp.g_environment IS NULL
    )
  )
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period,
  CASE WHEN sp.nsm_breakdown IS NULL THEN 1 ELSE 0 END, sp.nsm_breakdown,
  CASE WHEN sp.g_environment IS NULL THEN 1 ELSE 0 END, sp.g_environment OPTION(
    MAXRECURSION 0
)
