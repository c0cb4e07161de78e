WITH RECURSIVE nsm_rows_vocab_orders AS (
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
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    CAST(pr.period + INTERVAL 1 DAY AS DATE)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    CAST(pr.period + INTERVAL 1 DAY AS DATE) <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    COUNT(DISTINCT r.c_customer_id) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_vocab_orders AS r
  WHERE
    r.nsm_day >= CAST(CAST(p.period + INTERVAL 1 DAY AS DATE) + INTERVAL (-1) MONTH AS DATE)
    AND r.nsm_day < CAST(p.period + INTERVAL 1 DAY AS DATE)
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
  sp.period
