WITH nsm_rows_vocab_orders AS (
  SELECT
    DATEADD(
      HOUR,
      DATEDIFF(HOUR, CAST('1900-01-01' AS DATETIME2), vocab_orders.ordered_at),
      CAST('1900-01-01' AS DATETIME2)
    ) AS period
  FROM vocab_orders AS vocab_orders
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    MIN(d.period) AS period_from
  FROM (
    SELECT
      period AS period
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
    DATEADD(HOUR, 1, pr.period)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATEADD(HOUR, 1, pr.period) <= b.period_hi
), nsm_agg_vocab_orders AS (
  SELECT
    period AS period,
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
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period OPTION(
    MAXRECURSION 0
)
