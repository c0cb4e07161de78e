WITH nsm_rows_cal_orders AS (
  SELECT
    DATE_TRUNC(CAST(cal_orders.ordered_at AS DATE), YEAR) AS period
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
), nsm_periods AS (
  SELECT
    period
  FROM nsm_bounds AS b
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(b.period_from, b.period_hi, INTERVAL 1 YEAR)) AS period
), nsm_agg_cal_orders AS (
  SELECT
    period,
    COUNT(*) AS v1
  FROM nsm_rows_cal_orders
  GROUP BY
    period
)
SELECT
  sp.period AS period,
  COALESCE(l1.v1, 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_cal_orders AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period NULLS LAST
