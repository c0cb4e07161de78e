WITH RECURSIVE nsm_rows_vocab_orders AS (
  SELECT
    STRFTIME('%Y-%m-%d %H:00:00', vocab_orders.ordered_at) AS period,
    vocab_orders.status AS g_status,
    STRFTIME('%Y-%m-%d %H:00:00', vocab_orders.ordered_at) AS nsm_day
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
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    DATETIME(pr.period, '+1 hours')
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATETIME(pr.period, '+1 hours') <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    r.g_status,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_vocab_orders AS r
  WHERE
    r.nsm_day >= DATETIME(DATETIME(p.period, '+1 hours'), '-1 days')
    AND r.nsm_day < DATETIME(p.period, '+1 hours')
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
  ON l1.period = sp.period AND l1.g_status IS sp.g_status
ORDER BY
  sp.period NULLS LAST,
  sp.g_status NULLS LAST
