WITH nsm_rows_cal_orders AS (
  SELECT
    DATE_ADD(
      'month',
      1,
      CAST(DATE_TRUNC(
        'year',
        DATE_ADD('month', -1, CAST(DATE_TRUNC('month', cal_orders.ordered_at) AS DATE))
      ) AS DATE)
    ) AS period
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
    u.period
  FROM nsm_bounds AS b
  CROSS JOIN UNNEST(SEQUENCE(b.period_from, GREATEST(b.period_from, b.period_hi), INTERVAL '12' MONTH)) AS u(period)
  WHERE
    u.period <= b.period_hi
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
  sp.period
