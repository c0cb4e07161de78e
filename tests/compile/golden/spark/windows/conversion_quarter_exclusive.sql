WITH nsm_rows_vocab_customers AS (
  SELECT
    CAST(DATE_TRUNC('month', vocab_customers.signed_up_at) AS DATE) AS period,
    vocab_customers.plan AS g_plan,
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
), nsm_periods AS (
  SELECT
    EXPLODE(SEQUENCE(b.period_from, GREATEST(b.period_from, b.period_hi), INTERVAL 1 MONTH)) AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
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
    b.period,
    b.g_plan,
    COUNT(DISTINCT b.c_customer_id) AS value
  FROM nsm_rows_vocab_customers AS b
  JOIN nsm_rows_vocab_orders AS c
    ON c.c_customer_id = b.c_customer_id
  WHERE
    c.nsm_ts >= b.nsm_ts AND c.nsm_ts < b.nsm_ts + INTERVAL '3' MONTH
  GROUP BY
    b.period,
    b.g_plan
), nsm_segments AS (
  SELECT DISTINCT
    g_plan
  FROM nsm_rows_vocab_customers
), nsm_spine AS (
  SELECT
    pr.period,
    sv.g_plan
  FROM nsm_periods AS pr
  CROSS JOIN nsm_segments AS sv
)
SELECT
  sp.period AS period,
  sp.g_plan AS plan,
  CAST(COALESCE(l1.value, 0) AS DOUBLE) / NULLIF(CAST(COALESCE(l2.v1, 0) AS DOUBLE), 0) AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_converted1 AS l1
  ON l1.period = sp.period AND l1.g_plan IS NOT DISTINCT FROM sp.g_plan
LEFT JOIN nsm_agg_vocab_customers AS l2
  ON l2.period = sp.period AND l2.g_plan IS NOT DISTINCT FROM sp.g_plan
ORDER BY
  sp.period NULLS LAST,
  sp.g_plan NULLS LAST
