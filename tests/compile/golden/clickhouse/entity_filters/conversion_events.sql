WITH nsm_per_account_integration_points AS (
  SELECT
    period,
    nsm_entity,
    COUNT(*) AS nsm_value
  FROM (
    SELECT DISTINCT
      toMonday(events.called_at) AS period,
      events.account_id AS nsm_entity,
      events.account_id AS c_account_id,
      events.endpoint AS c_endpoint
    FROM events AS events
    WHERE
      events.environment = 'production'
      AND NOT (
        events.account_id IS NULL
      )
      AND NOT (
        events.endpoint IS NULL
      )
  ) AS r
  GROUP BY
    period,
    nsm_entity
), nsm_rows_accounts AS (
  SELECT
    toMonday(accounts.created_at) AS period,
    accounts.created_at AS nsm_ts,
    accounts.account_id AS c_account_id
  FROM accounts AS accounts
), nsm_rows_events AS (
  SELECT
    toMonday(events.called_at) AS period,
    events.called_at AS nsm_ts,
    events.account_id AS c_account_id
  FROM events AS events
  LEFT JOIN nsm_per_account_integration_points
    ON nsm_per_account_integration_points.period = toMonday(events.called_at)
    AND nsm_per_account_integration_points.nsm_entity = events.account_id
  WHERE
    events.environment = 'production'
    AND NOT (
      events.account_id IS NULL
    )
    AND COALESCE(nsm_per_account_integration_points.nsm_value, 0) >= 2
), nsm_bounds AS (
  SELECT
    minOrNull(d.period) AS period_lo,
    maxOrNull(d.period) AS period_hi,
    minOrNull(d.period) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_accounts
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
    addWeeks(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  WHERE
    addWeeks(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000) <= b.period_hi
), nsm_converted1 AS (
  SELECT
    b.period AS period,
    COUNT(DISTINCT b.c_account_id) AS value
  FROM nsm_rows_accounts AS b
  JOIN nsm_rows_events AS c
    ON c.c_account_id = b.c_account_id
  WHERE
    c.nsm_ts >= b.nsm_ts AND c.nsm_ts <= addDays(b.nsm_ts, 7)
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
SETTINGS join_use_nulls = 1, count_distinct_implementation = 'uniqExact'
