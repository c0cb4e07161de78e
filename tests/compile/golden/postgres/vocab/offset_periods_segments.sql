WITH RECURSIVE nsm_rows_vocab_orders AS (
  SELECT
    CAST(DATE_TRUNC('month', CAST(vocab_orders.ordered_at AS TIMESTAMP)) AS DATE) AS period,
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
    CAST(pr.period + INTERVAL '1 MONTH' AS DATE)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    CAST(pr.period + INTERVAL '1 MONTH' AS DATE) <= b.period_hi
), nsm_agg_vocab_orders AS (
  SELECT
    period,
    g_status,
    COUNT(*) AS v1
  FROM nsm_rows_vocab_orders
  GROUP BY
    period,
    g_status
), nsm_segments AS (
  SELECT DISTINCT
    g_status
  FROM nsm_rows_vocab_orders
), nsm_spine AS (
  SELECT
    pr.period,
    sv.g_status
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
    WHEN CAST(sp.period + INTERVAL '-2 MONTH' AS DATE) >= nsm_first.first1
    THEN COALESCE(l2.v1, 0)
  END AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_agg_vocab_orders AS l1
  ON l1.period = sp.period AND l1.g_status IS NOT DISTINCT FROM sp.g_status
LEFT JOIN nsm_agg_vocab_orders AS l2
  ON l2.period = CAST(sp.period + INTERVAL '-2 MONTH' AS DATE)
  AND l2.g_status IS NOT DISTINCT FROM sp.g_status
CROSS JOIN nsm_first AS nsm_first
ORDER BY
  sp.period,
  sp.g_status
