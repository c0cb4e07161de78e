WITH nsm_rows_invoices AS (
  SELECT
    DATEFROMPARTS(YEAR(invoices.issued_at), MONTH(invoices.issued_at), 1) AS period,
    CAST(invoices.issued_at AS DATE) AS nsm_day,
    invoices.amount AS c_amount
  FROM invoices AS invoices
  LEFT JOIN accounts AS accounts
    ON invoices.account_id = accounts.account_id
  WHERE
    NOT accounts.is_test <> 0 AND NOT accounts.is_internal <> 0
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    MIN(d.period) AS period_from
  FROM (
    SELECT
      period AS period
    FROM nsm_rows_invoices
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
), nsm_window1 AS (
  SELECT
    p.period AS period,
    SUM(r.c_amount) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_invoices AS r
  WHERE
    r.nsm_day >= DATEFROMPARTS(YEAR(p.period), MONTH(p.period), 1)
    AND r.nsm_day < DATEADD(MONTH, 1, p.period)
  GROUP BY
    p.period
)
SELECT
  sp.period AS period,
  COALESCE(l1.value, 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_window1 AS l1
  ON l1.period = sp.period
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period OPTION(
    MAXRECURSION 0
)
