WITH nsm_rows_vocab_orders AS (
  SELECT
    toMonday(vocab_orders.ordered_at) AS period,
    vocab_orders.status AS g_status,
    CASE WHEN vocab_orders.status = 'paid' THEN 1 ELSE 0 END AS f1
  FROM vocab_orders AS vocab_orders
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
    addWeeks(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  WHERE
    addWeeks(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000) <= b.period_hi
), nsm_agg_vocab_orders AS (
  SELECT
    period,
    g_status,
    COUNT(CASE WHEN f1 = 1 THEN 1 END) AS v1,
    COUNT(*) AS v2
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
)
SELECT
  sp.period AS period,
  sp.g_status AS status,
  COALESCE(
    CAST(COALESCE(l1.v1, 0) AS Nullable(Float64)) / nullIf(CAST(COALESCE(l1.v2, 0) AS Nullable(Float64)), 0),
    0.5
  ) AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_agg_vocab_orders AS l1
  ON l1.period = sp.period AND l1.g_status IS NOT DISTINCT FROM sp.g_status
ORDER BY
  sp.period,
  sp.g_status
SETTINGS join_use_nulls = 1, count_distinct_implementation = 'uniqExact'
