WITH nsm_rows_vocab_customers AS (
  SELECT
    toStartOfMonth(vocab_customers.signed_up_at) AS period,
    vocab_customers.plan AS g_plan,
    vocab_customers.signed_up_at AS nsm_ts,
    vocab_customers.customer_id AS c_customer_id
  FROM vocab_customers AS vocab_customers
), nsm_rows_vocab_orders AS (
  SELECT
    toStartOfMonth(vocab_orders.ordered_at) AS period,
    vocab_orders.ordered_at AS nsm_ts,
    vocab_orders.customer_id AS c_customer_id
  FROM vocab_orders AS vocab_orders
), nsm_bounds AS (
  SELECT
    minOrNull(d.period) AS period_lo,
    maxOrNull(d.period) AS period_hi,
    minOrNull(d.period) AS period_from
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
    addMonths(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  WHERE
    addMonths(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000) <= b.period_hi
), nsm_agg_vocab_customers AS (
  SELECT
    period,
    g_plan,
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
    c.nsm_ts >= b.nsm_ts AND c.nsm_ts < addMonths(b.nsm_ts, 3)
  GROUP BY
    b.period,
    b.g_plan
), nsm_segments AS (
  SELECT DISTINCT
    g_plan
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
  CAST(COALESCE(l1.value, 0) AS Nullable(Float64)) / nullIf(CAST(COALESCE(l2.v1, 0) AS Nullable(Float64)), 0) AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_converted1 AS l1
  ON l1.period = sp.period AND l1.g_plan IS NOT DISTINCT FROM sp.g_plan
LEFT JOIN nsm_agg_vocab_customers AS l2
  ON l2.period = sp.period AND l2.g_plan IS NOT DISTINCT FROM sp.g_plan
ORDER BY
  sp.period,
  sp.g_plan
SETTINGS join_use_nulls = 1, count_distinct_implementation = 'uniqExact'
