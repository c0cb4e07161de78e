WITH RECURSIVE nsm_rows_accounts AS (
  SELECT
    DATE(accounts.created_at, 'weekday 0', '-6 days') AS period,
    DATETIME(accounts.created_at) AS nsm_ts,
    accounts.account_id AS c_account_id
  FROM accounts AS accounts
  WHERE
    NOT accounts.is_test AND NOT accounts.is_internal
), nsm_rows_events AS (
  SELECT
    DATE(events.called_at, 'weekday 0', '-6 days') AS period,
    DATETIME(events.called_at) AS nsm_ts,
    events.account_id AS c_account_id
  FROM events AS events
  WHERE
    events.environment = 'production'
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
), nsm_agg_accounts AS (
  SELECT
    period,
    COUNT(DISTINCT c_account_id) AS v1
  FROM nsm_rows_accounts
  GROUP BY
    period
), nsm_converted1 AS (
  SELECT
    b.period,
    COUNT(DISTINCT b.c_account_id) AS value
  FROM nsm_rows_accounts AS b
  JOIN nsm_rows_events AS c
    ON c.c_account_id = b.c_account_id
  WHERE
    c.nsm_ts >= b.nsm_ts AND c.nsm_ts <= DATETIME(b.nsm_ts, '+7 days')
  GROUP BY
    b.period
)
SELECT
  sp.period AS period,
  CAST(COALESCE(l1.value, 0) AS REAL) / NULLIF(CAST(COALESCE(l2.v1, 0) AS REAL), 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_converted1 AS l1
  ON l1.period = sp.period
LEFT JOIN nsm_agg_accounts AS l2
  ON l2.period = sp.period
ORDER BY
  sp.period NULLS LAST
