WITH nsm_rows_vocab_customers AS (
  SELECT
    DATEFROMPARTS(YEAR(vocab_customers.signed_up_at), MONTH(vocab_customers.signed_up_at), 1) AS period,
    vocab_customers.signed_up_at AS nsm_ts,
    vocab_customers.customer_id AS c_customer_id
  FROM vocab_customers AS vocab_customers
), nsm_rows_vocab_orders AS (
  SELECT
    DATEFROMPARTS(YEAR(vocab_orders.ordered_at), MONTH(vocab_orders.ordered_at), 1) AS period,
    vocab_orders.ordered_at AS nsm_ts,
    vocab_orders.customer_id AS c_customer_id
  FROM vocab_orders AS vocab_orders
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    MIN(d.period) AS period_from
  FROM (
    SELECT
      period AS period
    FROM nsm_rows_vocab_customers
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
), nsm_converted1 AS (
  SELECT
    b.period AS period,
    COUNT(DISTINCT b.c_customer_id) AS value
  FROM nsm_rows_vocab_customers AS b
  JOIN nsm_rows_vocab_orders AS c
    ON c.c_customer_id = b.c_customer_id
  WHERE
    c.nsm_ts >= b.nsm_ts AND c.nsm_ts <= DATEADD(MONTH, 1, b.nsm_ts)
  GROUP BY
    b.period
)
SELECT
  sp.period AS period,
  COALESCE(l1.value, 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_converted1 AS l1
  ON l1.period = sp.period
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period OPTION(
    MAXRECURSION 0
)
