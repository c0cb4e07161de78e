WITH RECURSIVE nsm_rows_accounts AS (
  SELECT
    CAST(DATE_TRUNC('week', accounts.created_at) AS DATE) AS period,
    accounts.account_id AS c_account_id
  FROM accounts AS accounts
  WHERE
    NOT accounts.is_test AND NOT accounts.is_internal
), nsm_rows_events AS (
  SELECT
    CAST(DATE_TRUNC('week', events.called_at) AS DATE) AS period,
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
    CAST(pr.period + INTERVAL 1 WEEK AS DATE)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    CAST(pr.period + INTERVAL 1 WEEK AS DATE) <= b.period_hi
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
      WHEN CAST(c.period + INTERVAL 2 WEEK AS DATE) > MAX(m.last_period)
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
    ON a.nsm_entity = c.nsm_entity
    AND a.period = CAST(c.period + INTERVAL 2 WEEK AS DATE)
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
