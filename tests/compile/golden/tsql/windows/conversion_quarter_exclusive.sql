WITH nsm_rows_vocab_customers AS (
  SELECT
    DATEFROMPARTS(YEAR(vocab_customers.signed_up_at), MONTH(vocab_customers.signed_up_at), 1) AS period,
    vocab_customers.plan AS g_plan,
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
), nsm_agg_vocab_customers AS (
  SELECT
    period AS period,
    g_plan AS g_plan,
    COUNT(DISTINCT c_customer_id) AS v1
  FROM nsm_rows_vocab_customers
  GROUP BY
    period,
    g_plan
), nsm_converted1 AS (
  SELECT
    b.period AS period,
    b.g_plan AS g_plan,
    COUNT(DISTINCT b.c_customer_id) AS value
  FROM nsm_rows_vocab_customers AS b
  JOIN nsm_rows_vocab_orders AS c
    ON c.c_customer_id = b.c_customer_id
  WHERE
    c.nsm_ts >= b.nsm_ts AND c.nsm_ts < DATEADD(MONTH, 3, b.nsm_ts)
  GROUP BY
    b.period,
    b.g_plan
), nsm_segments AS (
  SELECT DISTINCT
    g_plan AS g_plan
  FROM nsm_rows_vocab_customers
), nsm_spine AS (
  SELECT
    pr.period AS period,
    sv.g_plan AS g_plan
  FROM nsm_periods AS pr
  CROSS JOIN nsm_segments AS sv
)
SELECT
  sp.period AS period,
  sp.g_plan AS plan,
  CAST(COALESCE(l1.value, 0) AS FLOAT) / NULLIF(CAST(COALESCE(l2.v1, 0) AS FLOAT), 0) AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_converted1 AS l1
  ON l1.period = sp.period
  AND (
    l1.g_plan = sp.g_plan OR (
      l1.g_plan IS NULL AND sp.g_plan IS NULL
    )
  )
LEFT JOIN nsm_agg_vocab_customers AS l2
  ON l2.period = sp.period
  AND (
    l2.g_plan = sp.g_plan OR (
      l2.g_plan IS NULL AND sp.g_plan IS NULL
    )
  )
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period,
  CASE WHEN sp.g_plan IS NULL THEN 1 ELSE 0 END, sp.g_plan OPTION(
    MAXRECURSION 0
)
