WITH nsm_rows_vocab_orders AS (
  SELECT
    CAST(DATE_TRUNC('month', vocab_orders.ordered_at) AS DATE) AS period,
    vocab_orders.amount AS c_amount
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
    EXPLODE(SEQUENCE(b.period_from, GREATEST(b.period_from, b.period_hi), INTERVAL 1 MONTH)) AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
), nsm_agg_vocab_orders AS (
  SELECT
    period,
    SUM(c_amount) AS v1,
    COUNT(*) AS v2
  FROM nsm_rows_vocab_orders
  GROUP BY
    period
), nsm_first AS (
  SELECT
    (
      SELECT
        MIN(period)
      FROM nsm_rows_vocab_orders
    ) AS first1,
    (
      SELECT
        MIN(period)
      FROM nsm_rows_vocab_orders
    ) AS first2
)
SELECT
  sp.period AS period,
  (
    CAST(COALESCE(l1.v1, 0) AS DOUBLE) / NULLIF(CAST(COALESCE(l1.v2, 0) AS DOUBLE), 0)
  ) - (
    CAST(CASE
      WHEN ADD_MONTHS(sp.period, -12) >= nsm_first.first1
      THEN COALESCE(l2.v1, 0)
    END AS DOUBLE) / NULLIF(
      CAST(CASE
        WHEN ADD_MONTHS(sp.period, -12) >= nsm_first.first2
        THEN COALESCE(l2.v2, 0)
      END AS DOUBLE),
      0
    )
  ) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_vocab_orders AS l1
  ON l1.period = sp.period
LEFT JOIN nsm_agg_vocab_orders AS l2
  ON l2.period = ADD_MONTHS(sp.period, -12)
CROSS JOIN nsm_first AS nsm_first
ORDER BY
  sp.period NULLS LAST
