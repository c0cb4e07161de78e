WITH RECURSIVE nsm_rows_vocab_orders AS (
  SELECT
    DATE_TRUNC('hour', CAST(vocab_orders.ordered_at AS TIMESTAMP)) AS period,
    vocab_orders.status AS g_status,
    DATE_TRUNC('hour', CAST(vocab_orders.ordered_at AS TIMESTAMP)) AS nsm_day
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
    pr.period + INTERVAL '1 HOUR'
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    pr.period + INTERVAL '1 HOUR' <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    r.g_status,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_vocab_orders AS r
  WHERE
    r.nsm_day >= p.period + INTERVAL '1 HOUR' - INTERVAL '1 DAY'
    AND r.nsm_day < p.period + INTERVAL '1 HOUR'
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
