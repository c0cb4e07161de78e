WITH nsm_rows_vocab_orders AS (
  SELECT
    TIMESTAMP_TRUNC(vocab_orders.ordered_at, HOUR) AS period
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
    period
  FROM nsm_bounds AS b
  CROSS JOIN UNNEST(GENERATE_TIMESTAMP_ARRAY(b.period_from, b.period_hi, INTERVAL 1 HOUR)) AS period
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
SELECT
  sp.period AS period,
  COALESCE(l1.v1, 0) - CASE
    WHEN TIMESTAMP_ADD(sp.period, INTERVAL -1 HOUR) >= nsm_first.first1
    THEN COALESCE(l2.v1, 0)
  END AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_vocab_orders AS l1
  ON l1.period = sp.period
LEFT JOIN nsm_agg_vocab_orders AS l2
  ON l2.period = TIMESTAMP_ADD(sp.period, INTERVAL -1 HOUR)
CROSS JOIN nsm_first AS nsm_first
ORDER BY
  sp.period NULLS LAST
