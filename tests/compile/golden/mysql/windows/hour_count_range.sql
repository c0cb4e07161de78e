WITH RECURSIVE nsm_rows_vocab_orders AS (
  SELECT
    CAST(DATE_FORMAT(vocab_orders.ordered_at, '%Y-%m-%d %H:00:00') AS DATETIME) AS period
  FROM vocab_orders AS vocab_orders
  WHERE
    DATE(vocab_orders.ordered_at) >= CAST('2026-03-08' AS DATE)
    AND DATE(vocab_orders.ordered_at) < CAST('2026-03-10' AS DATE)
), nsm_bounds AS (
  SELECT
    CAST('2026-03-08 00:00:00' AS DATETIME) AS period_lo,
    CAST('2026-03-09 23:00:00' AS DATETIME) AS period_hi,
    CAST('2026-03-08 00:00:00' AS DATETIME) AS period_from
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    DATE_ADD(pr.period, INTERVAL 1 HOUR)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATE_ADD(pr.period, INTERVAL 1 HOUR) <= b.period_hi
), nsm_agg_vocab_orders AS (
  SELECT
    period,
    COUNT(*) AS v1
  FROM nsm_rows_vocab_orders
  GROUP BY
    period
)
SELECT /*+ SET_VAR(cte_max_recursion_depth = 1000000) */
  sp.period AS period,
  COALESCE(l1.v1, 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_vocab_orders AS l1
  ON l1.period = sp.period
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period
