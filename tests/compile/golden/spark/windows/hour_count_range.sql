WITH nsm_rows_vocab_orders AS (
  SELECT
    DATE_TRUNC('hour', vocab_orders.ordered_at) AS period
  FROM vocab_orders AS vocab_orders
  WHERE
    CAST(vocab_orders.ordered_at AS DATE) >= CAST('2026-03-08' AS DATE)
    AND CAST(vocab_orders.ordered_at AS DATE) < CAST('2026-03-10' AS DATE)
), nsm_bounds AS (
  SELECT
    CAST('2026-03-08 00:00:00' AS TIMESTAMP) AS period_lo,
    CAST('2026-03-09 23:00:00' AS TIMESTAMP) AS period_hi,
    CAST('2026-03-08 00:00:00' AS TIMESTAMP) AS period_from
), nsm_periods AS (
  SELECT
    EXPLODE(SEQUENCE(b.period_from, GREATEST(b.period_from, b.period_hi), INTERVAL 1 HOUR)) AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
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
