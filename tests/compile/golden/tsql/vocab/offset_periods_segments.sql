WITH nsm_rows_vocab_orders AS (
  SELECT
    DATEFROMPARTS(YEAR(vocab_orders.ordered_at), MONTH(vocab_orders.ordered_at), 1) AS period,
    vocab_orders.status AS g_status
  FROM vocab_orders AS vocab_orders
  WHERE
    vocab_orders.status = 'paid'
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
    DATEADD(MONTH, 1, pr.period)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATEADD(MONTH, 1, pr.period) <= b.period_hi
), nsm_agg_vocab_orders AS (
  SELECT
    period AS period,
    g_status AS g_status,
    COUNT(*) AS v1
  FROM nsm_rows_vocab_orders
  GROUP BY
    period,
    g_status
), nsm_segments AS (
  SELECT DISTINCT
    g_status AS g_status
  FROM nsm_rows_vocab_orders
), nsm_spine AS (
  SELECT
    pr.period AS period,
    sv.g_status AS g_status
  FROM nsm_periods AS pr
  CROSS JOIN nsm_segments AS sv
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
  sp.g_status AS status,
  COALESCE(l1.v1, 0) - CASE
    WHEN DATEADD(MONTH, -2, sp.period) >= nsm_first.first1
    THEN COALESCE(l2.v1, 0)
  END AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_agg_vocab_orders AS l1
  ON l1.period = sp.period
  AND (
    l1.g_status = sp.g_status OR (
      l1.g_status IS NULL AND sp.g_status IS NULL
    )
  )
LEFT JOIN nsm_agg_vocab_orders AS l2
  ON l2.period = DATEADD(MONTH, -2, sp.period)
  AND (
    l2.g_status = sp.g_status OR (
      l2.g_status IS NULL AND sp.g_status IS NULL
    )
  )
CROSS JOIN nsm_first AS nsm_first
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period,
  CASE WHEN sp.g_status IS NULL THEN 1 ELSE 0 END, sp.g_status OPTION(
    MAXRECURSION 0
)
