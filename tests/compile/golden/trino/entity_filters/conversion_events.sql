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
), nsm_rows_accounts AS (
  SELECT
    CAST(DATE_TRUNC('week', accounts.created_at) AS DATE) AS period,
    accounts.created_at AS nsm_ts,
    accounts.account_id AS c_account_id
  FROM accounts AS accounts
), nsm_rows_events AS (
  SELECT
    CAST(DATE_TRUNC('week', events.called_at) AS DATE) AS period,
    events.called_at AS nsm_ts,
    events.account_id AS c_account_id
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
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    MIN(d.period) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_accounts
  ) AS d
), nsm_periods AS (
  SELECT
    u.period
  FROM nsm_bounds AS b
  CROSS JOIN UNNEST(SEQUENCE(b.period_from, GREATEST(b.period_from, b.period_hi), INTERVAL '7' DAY)) AS u(period)
  WHERE
    u.period <= b.period_hi
), nsm_converted1 AS (
  SELECT
    b.period,
    COUNT(DISTINCT b.c_account_id) AS value
  FROM nsm_rows_accounts AS b
  JOIN nsm_rows_events AS c
    ON c.c_account_id = b.c_account_id
  WHERE
    c.nsm_ts >= b.nsm_ts AND c.nsm_ts <= DATE_ADD('day', 7, b.nsm_ts)
  GROUP BY
    b.period
)
SELECT
  sp.period AS period,
  COALESCE(l1.value, 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_converted1 AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period
