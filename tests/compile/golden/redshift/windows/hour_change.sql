WITH nsm_rows_vocab_orders AS (
  SELECT
    DATE_TRUNC('hour', CAST(vocab_orders.ordered_at AS TIMESTAMP)) AS period
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
    DATEADD(HOUR, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000 + d4.n * 10000, b.period_from) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  CROSS JOIN nsm_digits AS d4
  WHERE
    DATEADD(HOUR, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000 + d4.n * 10000, b.period_from) <= b.period_hi
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
    WHEN DATEADD(HOUR, -1, sp.period) >= nsm_first.first1
    THEN COALESCE(l2.v1, 0)
  END AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_vocab_orders AS l1
  ON l1.period = sp.period
LEFT JOIN nsm_agg_vocab_orders AS l2
  ON l2.period = DATEADD(HOUR, -1, sp.period)
CROSS JOIN nsm_first AS nsm_first
ORDER BY
  sp.period
