WITH RECURSIVE nsm_rows_x_users AS (
  SELECT
    CAST(DATE_TRUNC('week', x_users.signed_up_at) AS DATE) AS period,
    x_users.signed_up_at AS nsm_ts,
    x_users.user_id AS c_user_id,
    x_accounts.account_id AS k_x_accounts_account_id
  FROM x_users AS x_users
  LEFT JOIN x_accounts AS x_accounts
    ON x_users.account_id = x_accounts.account_id
), nsm_rows_x_calls AS (
  SELECT
    CAST(DATE_TRUNC('week', x_calls.called_at) AS DATE) AS period,
    x_calls.called_at AS nsm_ts,
    x_accounts.account_id AS k_x_accounts_account_id
  FROM x_calls AS x_calls
  LEFT JOIN x_accounts AS x_accounts
    ON x_calls.account_id = x_accounts.account_id
  WHERE
    x_calls.environment = 'production'
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    MIN(d.period) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_x_users
  ) AS d
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    CAST(pr.period + INTERVAL 1 WEEK AS DATE)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    CAST(pr.period + INTERVAL 1 WEEK AS DATE) <= b.period_hi
), nsm_agg_x_users AS (
  SELECT
    period,
    COUNT(DISTINCT c_user_id) AS v1
  FROM nsm_rows_x_users
  GROUP BY
    period
), nsm_converted1 AS (
  SELECT
    b.period,
    COUNT(DISTINCT b.c_user_id) AS value
  FROM nsm_rows_x_users AS b
  JOIN nsm_rows_x_calls AS c
    ON c.k_x_accounts_account_id = b.k_x_accounts_account_id
  WHERE
    c.nsm_ts >= b.nsm_ts AND c.nsm_ts <= b.nsm_ts + INTERVAL 7 DAY
  GROUP BY
    b.period
)
SELECT
  sp.period AS period,
  CAST(COALESCE(l1.value, 0) AS DOUBLE) / NULLIF(CAST(COALESCE(l2.v1, 0) AS DOUBLE), 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_converted1 AS l1
  ON l1.period = sp.period
LEFT JOIN nsm_agg_x_users AS l2
  ON l2.period = sp.period
ORDER BY
  sp.period
