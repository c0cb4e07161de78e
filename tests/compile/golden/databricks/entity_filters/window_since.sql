WITH nsm_per_account_integration_points AS (
  SELECT
    period,
    nsm_entity,
    COUNT(*) AS nsm_value
  FROM (
    SELECT DISTINCT
      CAST(DATE_TRUNC('week', events.called_at) AS DATE) AS period,
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
    CAST(DATE_TRUNC('week', events.called_at) AS DATE) AS period,
    CAST(events.called_at AS DATE) AS nsm_day
  FROM events AS events
  LEFT JOIN nsm_per_account_integration_points
    ON nsm_per_account_integration_points.period = CAST(DATE_TRUNC('week', events.called_at) AS DATE)
    AND nsm_per_account_integration_points.nsm_entity = events.account_id
  WHERE
    events.environment = 'production'
    AND NOT events.account_id IS NULL
    AND COALESCE(nsm_per_account_integration_points.nsm_value, 0) >= 2
), nsm_bounds AS (
  SELECT
    CAST('2026-03-02' AS DATE) AS period_lo,
    CAST('2026-06-22' AS DATE) AS period_hi,
    CAST('2026-03-02' AS DATE) AS period_from
), nsm_periods AS (
  SELECT
    EXPLODE(SEQUENCE(b.period_from, GREATEST(b.period_from, b.period_hi), INTERVAL 1 WEEK)) AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_events AS r
  WHERE
    r.nsm_day >= DATE_ADD(DATE_ADD(p.period, 7), -28)
    AND r.nsm_day < DATE_ADD(p.period, 7)
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
