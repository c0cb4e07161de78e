WITH nsm_per_account_integration_points AS (
  SELECT
    period,
    nsm_entity,
    COUNT(*) AS nsm_value
  FROM (
    SELECT DISTINCT
      CAST('1970-01-01' AS DATE) AS period,
      events.account_id AS nsm_entity,
      events.account_id AS c_account_id,
      events.endpoint AS c_endpoint
    FROM events AS events
    WHERE
      events.environment = 'production'
      AND NOT events.account_id IS NULL
      AND NOT events.endpoint IS NULL
      AND CAST(events.called_at AS DATE) >= CAST('2026-03-02' AS DATE)
      AND CAST(events.called_at AS DATE) <= CAST('2026-06-22' AS DATE)
  ) AS r
  GROUP BY
    period,
    nsm_entity
), nsm_rows_events AS (
  SELECT
    CAST('1970-01-01' AS DATE) AS period,
    CAST(events.called_at AS DATE) AS nsm_day
  FROM events AS events
  LEFT JOIN nsm_per_account_integration_points
    ON nsm_per_account_integration_points.period = CAST('1970-01-01' AS DATE)
    AND nsm_per_account_integration_points.nsm_entity = events.account_id
  WHERE
    events.environment = 'production'
    AND NOT events.account_id IS NULL
    AND COALESCE(nsm_per_account_integration_points.nsm_value, 0) >= 3
    AND CAST(events.called_at AS DATE) >= CAST('2026-03-02' AS DATE)
    AND CAST(events.called_at AS DATE) < CAST('2026-06-23' AS DATE)
), nsm_bounds AS (
  SELECT
    CAST('1970-01-01' AS DATE) AS period_lo,
    CAST('1970-01-01' AS DATE) AS period_hi,
    CAST('1970-01-01' AS DATE) AS period_from,
    CAST('2026-03-02' AS DATE) AS range_start,
    CAST('2026-06-22' AS DATE) AS range_end
), nsm_periods AS (
  SELECT
    b.period_lo AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_lo <= b.period_hi
), nsm_agg_events AS (
  SELECT
    period,
    COUNT(*) AS v1
  FROM nsm_rows_events
  GROUP BY
    period
)
SELECT
  rb.range_start AS period,
  COALESCE(l1.v1, 0) AS value
FROM nsm_periods AS sp
CROSS JOIN nsm_bounds AS rb
LEFT JOIN nsm_agg_events AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period
