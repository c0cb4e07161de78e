WITH nsm_per_account_invoiced AS (
  SELECT
    period,
    nsm_entity,
    SUM(c_amount) AS nsm_value
  FROM (
    SELECT
      CAST(DATE_TRUNC('month', invoices.issued_at) AS DATE) AS period,
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
    CAST(DATE_TRUNC('month', accounts.created_at) AS DATE) AS period
  FROM accounts AS accounts
  LEFT JOIN nsm_per_account_invoiced
    ON nsm_per_account_invoiced.period = CAST(DATE_TRUNC('month', accounts.created_at) AS DATE)
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
), nsm_periods AS (
  SELECT
    EXPLODE(SEQUENCE(b.period_from, GREATEST(b.period_from, b.period_hi), INTERVAL 1 MONTH)) AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
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
