WITH nsm_rows_accounts AS (
  SELECT
    DATEADD(
      DAY,
      -(
        DATEDIFF(DAY, CAST('1900-01-01' AS DATE), CAST(accounts.created_at AS DATE)) % 7
      ),
      CAST(accounts.created_at AS DATE)
    ) AS period,
    accounts.account_id AS c_account_id
  FROM accounts AS accounts
  WHERE
    NOT accounts.is_test <> 0 AND NOT accounts.is_internal <> 0
), nsm_rows_events AS (
  SELECT
    DATEADD(
      DAY,
      -(
        DATEDIFF(DAY, CAST('1900-01-01' AS DATE), CAST(events.called_at AS DATE)) % 7
      ),
      CAST(events.called_at AS DATE)
    ) AS period,
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
      period AS period
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
    DATEADD(WEEK, 1, pr.period)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATEADD(WEEK, 1, pr.period) <= b.period_hi
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
    period AS period
  FROM nsm_rows_events
  WHERE
    NOT c_account_id IS NULL
), nsm_retained1 AS (
  SELECT
    c.period AS period,
    CASE
      WHEN DATEADD(WEEK, 2, c.period) > MAX(m.last_period)
      THEN NULL
      ELSE CAST(COUNT(a.nsm_entity) AS FLOAT) / NULLIF(CAST(COUNT(*) AS FLOAT), 0)
    END AS value
  FROM nsm_cohort1 AS c
  CROSS JOIN (
    SELECT
      MAX(period) AS last_period
    FROM nsm_active1
  ) AS m
  LEFT JOIN nsm_active1 AS a
    ON a.nsm_entity = c.nsm_entity AND a.period = DATEADD(WEEK, 2, c.period)
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
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period OPTION(
    MAXRECURSION 0
)
