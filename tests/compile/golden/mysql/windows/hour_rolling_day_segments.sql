WITH RECURSIVE nsm_rows_vocab_orders AS (
  SELECT
    CAST(DATE_FORMAT(vocab_orders.ordered_at, '%Y-%m-%d %H:00:00') AS DATETIME) AS period,
    vocab_orders.status AS g_status,
    CAST(DATE_FORMAT(vocab_orders.ordered_at, '%Y-%m-%d %H:00:00') AS DATETIME) AS nsm_day
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
    DATE_ADD(pr.period, INTERVAL 1 HOUR)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATE_ADD(pr.period, INTERVAL 1 HOUR) <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    r.g_status,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_vocab_orders AS r
  WHERE
    r.nsm_day >= DATE_ADD(DATE_ADD(p.period, INTERVAL 1 HOUR), INTERVAL -1 DAY)
    AND r.nsm_day < DATE_ADD(p.period, INTERVAL 1 HOUR)
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
SELECT /*+ SET_VAR(cte_max_recursion_depth = 1000000) */
  sp.period AS period,
  sp.g_status AS status,
  COALESCE(l1.value, 0) AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_window1 AS l1
  ON l1.period = sp.period AND l1.g_status <=> sp.g_status
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period,
  CASE WHEN sp.g_status IS NULL THEN 1 ELSE 0 END, sp.g_status
