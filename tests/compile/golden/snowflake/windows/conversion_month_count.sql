WITH nsm_rows_vocab_customers AS (
  SELECT
    CAST(DATE_TRUNC('month', vocab_customers.signed_up_at) AS DATE) AS period,
    vocab_customers.signed_up_at AS nsm_ts,
    vocab_customers.customer_id AS c_customer_id
  FROM vocab_customers AS vocab_customers
), nsm_rows_vocab_orders AS (
  SELECT
    CAST(DATE_TRUNC('month', vocab_orders.ordered_at) AS DATE) AS period,
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
      period
    FROM nsm_rows_vocab_customers
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
    DATEADD(MONTH, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000, b.period_from) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  WHERE
    DATEADD(MONTH, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000, b.period_from) <= b.period_hi
), nsm_converted1 AS (
  SELECT
    b.period,
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
  sp.period
