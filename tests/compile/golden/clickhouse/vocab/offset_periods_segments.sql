WITH nsm_rows_vocab_orders AS (
  SELECT
    toStartOfMonth(vocab_orders.ordered_at) AS period,
    vocab_orders.status AS g_status
  FROM vocab_orders AS vocab_orders
  WHERE
    vocab_orders.status = 'paid'
), nsm_bounds AS (
  SELECT
    minOrNull(d.period) AS period_lo,
    maxOrNull(d.period) AS period_hi,
    minOrNull(d.period) AS period_from
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
    addMonths(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  WHERE
    addMonths(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000) <= b.period_hi
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
    pr.period AS period,
    sv.g_status AS g_status
  FROM nsm_periods AS pr
  CROSS JOIN nsm_segments AS sv
), nsm_first AS (
  SELECT
    (
      SELECT
        minOrNull(period)
      FROM nsm_rows_vocab_orders
    ) AS first1
)
SELECT
  sp.period AS period,
  sp.g_status AS status,
  COALESCE(l1.v1, 0) - CASE
    WHEN addMonths(toDate32(sp.period), -2) >= nsm_first.first1
    THEN COALESCE(l2.v1, 0)
  END AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_agg_vocab_orders AS l1
  ON l1.period = sp.period AND l1.g_status IS NOT DISTINCT FROM sp.g_status
LEFT JOIN nsm_agg_vocab_orders AS l2
  ON l2.period = addMonths(toDate32(sp.period), -2)
  AND l2.g_status IS NOT DISTINCT FROM sp.g_status
CROSS JOIN nsm_first AS nsm_first
ORDER BY
  sp.period,
  sp.g_status
SETTINGS join_use_nulls = 1, count_distinct_implementation = 'uniqExact'
