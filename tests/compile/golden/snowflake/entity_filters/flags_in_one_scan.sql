WITH nsm_per_account_integration_points AS (
  SELECT
    period,
    nsm_entity,
    COUNT(*) AS nsm_value
  FROM (
    SELECT DISTINCT
      CAST(DATE_TRUNC('month', events.called_at) AS DATE) AS period,
      events.account_id AS nsm_entity,
      events.account_id AS c_account_id,
      events.endpoint AS c_endpoint
    FROM events AS events
    WHERE
      events.environment = 'production'
      AND NOT events.account_id IS NULL
      AND NOT events.endpoint IS NULL
      AND CAST(events.called_at AS DATE) >= CAST('2026-04-01' AS DATE)
      AND CAST(events.called_at AS DATE) < CAST('2026-07-01' AS DATE)
  ) AS r
  GROUP BY
    period,
    nsm_entity
), nsm_per_account_api_calls AS (
  SELECT
    period,
    nsm_entity,
    COUNT(*) AS nsm_value
  FROM (
    SELECT
      CAST(DATE_TRUNC('month', events.called_at) AS DATE) AS period,
      events.account_id AS nsm_entity
    FROM events AS events
    WHERE
      events.environment = 'production'
      AND NOT events.account_id IS NULL
      AND CAST(events.called_at AS DATE) >= CAST('2026-04-01' AS DATE)
      AND CAST(events.called_at AS DATE) < CAST('2026-07-01' AS DATE)
  ) AS r
  GROUP BY
    period,
    nsm_entity
), nsm_rows_events AS (
  SELECT
    CAST(DATE_TRUNC('month', events.called_at) AS DATE) AS period,
    events.account_id AS c_account_id,
    CASE
      WHEN events.environment = 'production'
      AND NOT events.account_id IS NULL
      AND COALESCE(nsm_per_account_integration_points.nsm_value, 0) >= 2
      THEN 1
      ELSE 0
    END AS f1,
    CASE WHEN events.environment = 'production' THEN 1 ELSE 0 END AS f2,
    CASE
      WHEN NOT events.account_id IS NULL
      AND COALESCE(nsm_per_account_api_calls.nsm_value, 0) = 1
      THEN 1
      ELSE 0
    END AS f3
  FROM events AS events
  LEFT JOIN nsm_per_account_integration_points
    ON nsm_per_account_integration_points.period = CAST(DATE_TRUNC('month', events.called_at) AS DATE)
    AND nsm_per_account_integration_points.nsm_entity = events.account_id
  LEFT JOIN nsm_per_account_api_calls
    ON nsm_per_account_api_calls.period = CAST(DATE_TRUNC('month', events.called_at) AS DATE)
    AND nsm_per_account_api_calls.nsm_entity = events.account_id
  WHERE
    (
      (
        events.environment = 'production'
        AND NOT events.account_id IS NULL
        AND COALESCE(nsm_per_account_integration_points.nsm_value, 0) >= 2
      )
      OR events.environment = 'production'
      OR (
        NOT events.account_id IS NULL
        AND COALESCE(nsm_per_account_api_calls.nsm_value, 0) = 1
      )
    )
    AND CAST(events.called_at AS DATE) >= CAST('2026-04-01' AS DATE)
    AND CAST(events.called_at AS DATE) < CAST('2026-07-01' AS DATE)
), nsm_bounds AS (
  SELECT
    CAST('2026-04-01' AS DATE) AS period_lo,
    CAST('2026-06-01' AS DATE) AS period_hi,
    CAST('2026-04-01' AS DATE) AS period_from
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
    DATEADD(MONTH, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000, b.period_from) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  WHERE
    DATEADD(MONTH, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000, b.period_from) <= b.period_hi
), nsm_agg_events AS (
  SELECT
    period,
    COUNT(CASE WHEN f1 = 1 THEN 1 END) AS v1,
    COUNT(CASE WHEN f2 = 1 THEN 1 END) AS v2,
    COUNT(DISTINCT CASE WHEN f3 = 1 THEN c_account_id END) AS v3
  FROM nsm_rows_events
  GROUP BY
    period
)
SELECT
  sp.period AS period,
  COALESCE(l1.v1, 0) AS engaged_calls,
  COALESCE(l1.v2, 0) AS api_calls,
  COALESCE(l1.v3, 0) AS single_call_accounts
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_events AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period
