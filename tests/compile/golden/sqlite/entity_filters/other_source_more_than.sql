WITH RECURSIVE nsm_per_account_invoiced AS (
  SELECT
    period,
    nsm_entity,
    SUM(c_amount) AS nsm_value
  FROM (
    SELECT
      DATE(invoices.issued_at, 'start of month') AS period,
      invoices.account_id AS nsm_entity,
      invoices.amount AS c_amount
    FROM invoices AS invoices
    WHERE
      NOT invoices.account_id IS NULL
  ) AS r
  GROUP BY
    period,
    nsm_entity
), nsm_rows_accounts AS (
  SELECT
    DATE(accounts.created_at, 'start of month') AS period
  FROM accounts AS accounts
  LEFT JOIN nsm_per_account_invoiced
    ON nsm_per_account_invoiced.period = DATE(accounts.created_at, 'start of month')
    AND nsm_per_account_invoiced.nsm_entity = accounts.account_id
  WHERE
    NOT accounts.account_id IS NULL
    AND COALESCE(nsm_per_account_invoiced.nsm_value, 0) > 100
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
    DATE(pr.period, '+1 months')
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATE(pr.period, '+1 months') <= b.period_hi
), nsm_agg_accounts AS (
  SELECT
    period,
    COUNT(*) AS v1
  FROM nsm_rows_accounts
  GROUP BY
    period
)
SELECT
  sp.period AS period,
  COALESCE(l1.v1, 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_accounts AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period NULLS LAST
