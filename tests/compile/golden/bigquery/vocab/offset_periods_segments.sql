WITH nsm_rows_vocab_orders AS (
  SELECT
    DATE_TRUNC(CAST(vocab_orders.ordered_at AS DATE), MONTH) AS period,
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
), nsm_periods AS (
  SELECT
    period
  FROM nsm_bounds AS b
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(b.period_from, b.period_hi, INTERVAL 1 MONTH)) AS period
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
    WHEN DATE_ADD(sp.period, INTERVAL -2 MONTH) >= nsm_first.first1
    THEN COALESCE(l2.v1, 0)
  END AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_agg_vocab_orders AS l1
  ON l1.period = sp.period AND l1.g_status IS NOT DISTINCT FROM sp.g_status
LEFT JOIN nsm_agg_vocab_orders AS l2
  ON l2.period = DATE_ADD(sp.period, INTERVAL -2 MONTH)
  AND l2.g_status IS NOT DISTINCT FROM sp.g_status
CROSS JOIN nsm_first AS nsm_first
ORDER BY
  sp.period NULLS LAST,
  sp.g_status NULLS LAST
