WITH nsm_rows_vocab_orders AS (
  SELECT
    DATE_TRUNC('hour', vocab_orders.ordered_at) AS period,
    vocab_orders.status AS g_status,
    DATE_TRUNC('hour', vocab_orders.ordered_at) AS nsm_day
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
), nsm_window1 AS (
  SELECT
    p.period,
    r.g_status,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_vocab_orders AS r
  WHERE
    r.nsm_day >= DATEADD(DAY, -1, DATEADD(HOUR, 1, p.period))
    AND r.nsm_day < DATEADD(HOUR, 1, p.period)
  GROUP BY
    p.period,
    r.g_status
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
)
SELECT
  sp.period AS period,
  sp.g_status AS status,
  COALESCE(l1.value, 0) AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_window1 AS l1
  ON l1.period = sp.period AND l1.g_status IS NOT DISTINCT FROM sp.g_status
ORDER BY
  sp.period,
  sp.g_status
