WITH RECURSIVE nsm_rows_cal_orders AS (
  SELECT
    CAST(CAST(DATE_TRUNC('week', CAST(CAST(cal_orders.ordered_at AS DATE) + INTERVAL (-6) DAY AS DATE)) AS DATE) + INTERVAL 6 DAY AS DATE) AS period,
    cal_orders.probe AS g_probe
  FROM cal_orders AS cal_orders
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    MIN(d.period) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_cal_orders
  ) AS d
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    CAST(pr.period + INTERVAL 1 WEEK AS DATE)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    CAST(pr.period + INTERVAL 1 WEEK AS DATE) <= b.period_hi
), nsm_agg_cal_orders AS (
  SELECT
    period,
    g_probe,
    COUNT(*) AS v1
  FROM nsm_rows_cal_orders
  GROUP BY
    period,
    g_probe
), nsm_segments AS (
  SELECT DISTINCT
    g_probe
  FROM nsm_rows_cal_orders
), nsm_spine AS (
  SELECT
    pr.period,
    sv.g_probe
  FROM nsm_periods AS pr
  CROSS JOIN nsm_segments AS sv
)
SELECT
  sp.period AS period,
  sp.g_probe AS probe,
  COALESCE(l1.v1, 0) AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_agg_cal_orders AS l1
  ON l1.period = sp.period AND l1.g_probe IS NOT DISTINCT FROM sp.g_probe
ORDER BY
  sp.period,
  sp.g_probe
