WITH nsm_rows_x_users AS (
  SELECT
    toMonday(x_users.signed_up_at) AS period,
    x_users.signed_up_at AS nsm_ts,
    x_users.user_id AS c_user_id,
    x_accounts.account_id AS k_x_accounts_account_id
  FROM x_users AS x_users
  LEFT JOIN x_accounts AS x_accounts
    ON x_users.account_id = x_accounts.account_id
), nsm_rows_x_calls AS (
  SELECT
    toMonday(x_calls.called_at) AS period,
    x_calls.called_at AS nsm_ts,
    x_accounts.account_id AS k_x_accounts_account_id
  FROM x_calls AS x_calls
  LEFT JOIN x_accounts AS x_accounts
    ON x_calls.account_id = x_accounts.account_id
  WHERE
    x_calls.environment = 'production'
), nsm_bounds AS (
  SELECT
    minOrNull(d.period) AS period_lo,
    maxOrNull(d.period) AS period_hi,
    minOrNull(d.period) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_x_users
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
), nsm_agg_x_users AS (
  SELECT
    period,
    COUNT(DISTINCT c_user_id) AS v1
  FROM nsm_rows_x_users
  GROUP BY
    period
), nsm_converted1 AS (
  SELECT
    b.period AS period,
    COUNT(DISTINCT b.c_user_id) AS value
  FROM nsm_rows_x_users AS b
  JOIN nsm_rows_x_calls AS c
    ON c.k_x_accounts_account_id = b.k_x_accounts_account_id
  WHERE
    c.nsm_ts >= b.nsm_ts AND c.nsm_ts <= addDays(b.nsm_ts, 7)
  GROUP BY
    b.period
)
SELECT
  sp.period AS period,
  CAST(COALESCE(l1.value, 0) AS Nullable(Float64)) / nullIf(CAST(COALESCE(l2.v1, 0) AS Nullable(Float64)), 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_converted1 AS l1
  ON l1.period = sp.period
LEFT JOIN nsm_agg_x_users AS l2
  ON l2.period = sp.period
ORDER BY
  sp.period
SETTINGS join_use_nulls = 1, count_distinct_implementation = 'uniqExact'
