WITH RECURSIVE nsm_rows_vocab_orders AS (
  SELECT
    STRFTIME('%Y-%m-%d %H:00:00', vocab_orders.ordered_at) AS period
  FROM vocab_orders AS vocab_orders
  WHERE
    DATE(vocab_orders.ordered_at) >= DATE('2026-03-08')
    AND DATE(vocab_orders.ordered_at) < DATE('2026-03-10')
), nsm_bounds AS (
  SELECT
    DATETIME('2026-03-08 00:00:00') AS period_lo,
    DATETIME('2026-03-09 23:00:00') AS period_hi,
    DATETIME('2026-03-08 00:00:00') AS period_from
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    DATETIME(pr.period, '+1 hours')
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATETIME(pr.period, '+1 hours') <= b.period_hi
), nsm_agg_vocab_orders AS (
  SELECT
    period,
    COUNT(*) AS v1
  FROM nsm_rows_vocab_orders
  GROUP BY
    period
)
SELECT
  sp.period AS period,
  COALESCE(l1.v1, 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_vocab_orders AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period NULLS LAST
