WITH RECURSIVE nsm_rows_vocab_orders AS (
  SELECT
    CAST(DATE_FORMAT(vocab_orders.ordered_at, '%Y-%m-%d %H:00:00') AS DATETIME) AS period
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
), nsm_first AS (
  SELECT
    (
      SELECT
        MIN(period)
      FROM nsm_rows_vocab_orders
    ) AS first1
)
SELECT /*+ SET_VAR(cte_max_recursion_depth = 1000000) */
  sp.period AS period,
  COALESCE(l1.v1, 0) - CASE
    WHEN DATE_ADD(sp.period, INTERVAL -1 HOUR) >= nsm_first.first1
    THEN COALESCE(l2.v1, 0)
  END AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_vocab_orders AS l1
  ON l1.period = sp.period
LEFT JOIN nsm_agg_vocab_orders AS l2
  ON l2.period = DATE_ADD(sp.period, INTERVAL -1 HOUR)
CROSS JOIN nsm_first AS nsm_first
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period
