WITH nsm_rows_cal_orders AS (
  SELECT
    nsm_calendar.retail_quarter AS period,
    cal_orders.probe AS g_probe
  FROM cal_orders AS cal_orders
  LEFT JOIN cal_days AS nsm_calendar
    ON nsm_calendar.day = CAST(cal_orders.ordered_at AS DATE)
), nsm_bounds AS (
  SELECT
    CAST('2023-03-01' AS DATE) AS period_lo,
    MAX(d.period) AS period_hi,
    CAST('2023-03-01' AS DATE) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_cal_orders
  ) AS d
), nsm_periods AS (
  SELECT DISTINCT
    nsm_calendar.retail_quarter AS period
  FROM cal_days AS nsm_calendar
  CROSS JOIN nsm_bounds AS b
  WHERE
    nsm_calendar.retail_quarter >= b.period_from
    AND nsm_calendar.retail_quarter <= b.period_hi
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
  WHERE
    period >= CAST('2023-03-01' AS DATE)
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
