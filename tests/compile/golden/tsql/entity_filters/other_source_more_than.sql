WITH nsm_per_account_invoiced AS (
  SELECT
    period AS period,
    nsm_entity AS nsm_entity,
    SUM(c_amount) AS nsm_value
  FROM (
    SELECT
      DATEFROMPARTS(YEAR(invoices.issued_at), MONTH(invoices.issued_at), 1) AS period,
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
    DATEFROMPARTS(YEAR(accounts.created_at), MONTH(accounts.created_at), 1) AS period
  FROM accounts AS accounts
  LEFT JOIN nsm_per_account_invoiced
    ON nsm_per_account_invoiced.period = DATEFROMPARTS(YEAR(accounts.created_at), MONTH(accounts.created_at), 1)
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
    DATEADD(MONTH, 1, pr.period)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATEADD(MONTH, 1, pr.period) <= b.period_hi
), nsm_agg_accounts AS (
  SELECT
    period AS period,
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
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period OPTION(
    MAXRECURSION 0
)
