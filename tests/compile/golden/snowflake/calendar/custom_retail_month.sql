WITH nsm_rows_cal_orders AS (
  SELECT
    nsm_calendar.retail_month AS period,
    cal_orders.amount AS c_amount
  FROM cal_orders AS cal_orders
  LEFT JOIN cal_days AS nsm_calendar
    ON nsm_calendar.day = CAST(cal_orders.ordered_at AS DATE)
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
), nsm_periods AS (
  SELECT DISTINCT
    nsm_calendar.retail_month AS period
  FROM cal_days AS nsm_calendar
  CROSS JOIN nsm_bounds AS b
  WHERE
    nsm_calendar.retail_month >= b.period_from
    AND nsm_calendar.retail_month <= b.period_hi
), nsm_agg_cal_orders AS (
  SELECT
    period,
    SUM(c_amount) AS v1,
    COUNT(*) AS v2
  FROM nsm_rows_cal_orders
  GROUP BY
    period
)
SELECT
  sp.period AS period,
  CAST(COALESCE(l1.v1, 0) AS DOUBLE) / NULLIF(CAST(COALESCE(l1.v2, 0) AS DOUBLE), 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_cal_orders AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period
