WITH nsm_rows_events AS (
  SELECT
    toMonday(events.called_at) AS period,
    nullIf(accounts.plan, accounts.plan) AS g_plan,
    nullIf(accounts.developer_segment, accounts.developer_segment) AS g_developer_segment,
    events.account_id AS c_account_id,
    events.endpoint AS c_endpoint,
    '' AS nsm_breakdown
  FROM events AS events
  LEFT JOIN accounts AS accounts
    ON events.account_id = accounts.account_id
  WHERE
    events.environment = 'production'
    AND NOT accounts.is_test
    AND NOT accounts.is_internal
  UNION ALL
  SELECT
    toMonday(events.called_at) AS period,
    accounts.plan AS g_plan,
    nullIf(accounts.developer_segment, accounts.developer_segment) AS g_developer_segment,
    events.account_id AS c_account_id,
    events.endpoint AS c_endpoint,
    'plan' AS nsm_breakdown
  FROM events AS events
  LEFT JOIN accounts AS accounts
    ON events.account_id = accounts.account_id
  WHERE
    events.environment = 'production'
    AND NOT accounts.is_test
    AND NOT accounts.is_internal
  UNION ALL
  SELECT
    toMonday(events.called_at) AS period,
    nullIf(accounts.plan, accounts.plan) AS g_plan,
    accounts.developer_segment AS g_developer_segment,
    events.account_id AS c_account_id,
    events.endpoint AS c_endpoint,
    'developer_segment' AS nsm_breakdown
  FROM events AS events
  LEFT JOIN accounts AS accounts
    ON events.account_id = accounts.account_id
  WHERE
    events.environment = 'production'
    AND NOT accounts.is_test
    AND NOT accounts.is_internal
), nsm_bounds AS (
  SELECT
    minOrNull(d.period) AS period_lo,
    maxOrNull(d.period) AS period_hi,
    minOrNull(d.period) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_events
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
), nsm_combos1 AS (
  SELECT
    d.period AS period,
    d.nsm_breakdown AS nsm_breakdown,
    d.g_plan AS g_plan,
    d.g_developer_segment AS g_developer_segment,
    COUNT(*) AS value
  FROM (
    SELECT DISTINCT
      r.period AS period,
      r.nsm_breakdown AS nsm_breakdown,
      r.g_plan AS g_plan,
      r.g_developer_segment AS g_developer_segment,
      r.c_account_id AS c_account_id,
      r.c_endpoint AS c_endpoint
    FROM nsm_rows_events AS r
    WHERE
      NOT (
        r.c_account_id IS NULL
      ) AND NOT (
        r.c_endpoint IS NULL
      )
  ) AS d
  GROUP BY
    d.period,
    d.nsm_breakdown,
    d.g_plan,
    d.g_developer_segment
), nsm_segments AS (
  SELECT DISTINCT
    nsm_breakdown,
    g_plan,
    g_developer_segment
  FROM nsm_rows_events
), nsm_spine AS (
  SELECT
    pr.period AS period,
    sv.nsm_breakdown AS nsm_breakdown,
    sv.g_plan AS g_plan,
    sv.g_developer_segment AS g_developer_segment
  FROM nsm_periods AS pr
  CROSS JOIN nsm_segments AS sv
)
SELECT
  sp.period AS period,
  sp.nsm_breakdown AS breakdown,
  sp.g_plan AS plan,
  sp.g_developer_segment AS developer_segment,
  COALESCE(l1.value, 0) AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_combos1 AS l1
  ON l1.period = sp.period
  AND l1.nsm_breakdown IS NOT DISTINCT FROM sp.nsm_breakdown
  AND l1.g_plan IS NOT DISTINCT FROM sp.g_plan
  AND l1.g_developer_segment IS NOT DISTINCT FROM sp.g_developer_segment
ORDER BY
  sp.period,
  sp.nsm_breakdown,
  sp.g_plan,
  sp.g_developer_segment
SETTINGS join_use_nulls = 1, count_distinct_implementation = 'uniqExact'
