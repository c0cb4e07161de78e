WITH RECURSIVE nsm_rows_accounts AS (
  SELECT
    DATE_SUB(DATE(accounts.created_at), INTERVAL (
      WEEKDAY(accounts.created_at)
    ) DAY) AS period,
    accounts.account_id AS c_account_id
  FROM accounts AS accounts
  WHERE
    NOT accounts.is_test AND NOT accounts.is_internal
), nsm_rows_events AS (
  SELECT
    DATE_SUB(DATE(events.called_at), INTERVAL (
      WEEKDAY(events.called_at)
    ) DAY) AS period,
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
    DATE_ADD(pr.period, INTERVAL 1 WEEK)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATE_ADD(pr.period, INTERVAL 1 WEEK) <= b.period_hi
), nsm_cohort1 AS (
  SELECT
    c_account_id AS nsm_entity,
    MIN(period) AS period
  FROM nsm_rows_accounts
  WHERE
    NOT c_account_id IS NULL
  GROUP BY
    c_account_id
), nsm_active1 AS (
  SELECT DISTINCT
    c_account_id AS nsm_entity,
    period
  FROM nsm_rows_events
  WHERE
    NOT c_account_id IS NULL
), nsm_retained1 AS (
  SELECT
    c.period,
    CASE
      WHEN DATE_ADD(c.period, INTERVAL 2 WEEK) > MAX(m.last_period)
      THEN NULL
      ELSE CAST(COUNT(a.nsm_entity) AS DOUBLE) / NULLIF(CAST(COUNT(*) AS DOUBLE), 0)
    END AS value
  FROM nsm_cohort1 AS c
  CROSS JOIN (
    SELECT
      MAX(period) AS last_period
    FROM nsm_active1
  ) AS m
  LEFT JOIN nsm_active1 AS a
    ON a.nsm_entity = c.nsm_entity AND a.period = DATE_ADD(c.period, INTERVAL 2 WEEK)
  GROUP BY
    c.period
)
SELECT /*+ SET_VAR(cte_max_recursion_depth = 1000000) */
  sp.period AS period,
  l1.value AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_retained1 AS l1
  ON l1.period = sp.period
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period
