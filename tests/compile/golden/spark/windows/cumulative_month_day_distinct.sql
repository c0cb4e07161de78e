WITH nsm_rows_vocab_orders AS (
  SELECT
    CAST(vocab_orders.ordered_at AS DATE) AS period,
    CAST(vocab_orders.ordered_at AS DATE) AS nsm_day,
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
    FROM nsm_rows_vocab_orders
  ) AS d
), nsm_periods AS (
  SELECT
    EXPLODE(SEQUENCE(b.period_from, GREATEST(b.period_from, b.period_hi), INTERVAL 1 DAY)) AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    COUNT(DISTINCT r.c_customer_id) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_vocab_orders AS r
  WHERE
    r.nsm_day >= ADD_MONTHS(DATE_ADD(p.period, 1), -1)
    AND r.nsm_day < DATE_ADD(p.period, 1)
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
  sp.period NULLS LAST
