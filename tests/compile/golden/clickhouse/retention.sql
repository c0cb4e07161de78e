WITH nsm_rows_accounts AS (
  SELECT
    toMonday(accounts.created_at) AS period,
    accounts.account_id AS c_account_id
  FROM accounts AS accounts
  WHERE
    NOT accounts.is_test AND NOT accounts.is_internal
), nsm_rows_events AS (
  SELECT
    toMonday(events.called_at) AS period,
    events.account_id AS c_account_id
  FROM events AS events
  WHERE
    events.environment = 'production'
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
), nsm_cohort1 AS (
  SELECT
    c_account_id AS nsm_entity,
    minOrNull(period) AS period
  FROM nsm_rows_accounts
  WHERE
    NOT (
      c_account_id IS NULL
    )
  GROUP BY
    c_account_id
), nsm_active1 AS (
  SELECT DISTINCT
    c_account_id AS nsm_entity,
    period
  FROM nsm_rows_events
  WHERE
    NOT (
      c_account_id IS NULL
    )
), nsm_retained1 AS (
  SELECT
    c.period AS period,
    CASE
      WHEN addWeeks(toDate32(c.period), 2) > maxOrNull(m.last_period)
      THEN NULL
      ELSE CAST(COUNT(a.nsm_entity) AS Nullable(Float64)) / nullIf(CAST(COUNT(*) AS Nullable(Float64)), 0)
    END AS value
  FROM nsm_cohort1 AS c
  CROSS JOIN (
    SELECT
      maxOrNull(period) AS last_period
    FROM nsm_active1
  ) AS m
  LEFT JOIN nsm_active1 AS a
    ON a.nsm_entity = c.nsm_entity AND a.period = addWeeks(toDate32(c.period), 2)
  GROUP BY
    c.period
)
SELECT
  sp.period AS period,
  l1.value AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_retained1 AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period
SETTINGS join_use_nulls = 1, count_distinct_implementation = 'uniqExact'
