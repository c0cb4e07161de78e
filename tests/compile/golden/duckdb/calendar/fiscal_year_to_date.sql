WITH RECURSIVE nsm_rows_cal_orders AS (
  SELECT
    CAST(DATE_TRUNC('month', cal_orders.ordered_at) AS DATE) AS period,
    CAST(cal_orders.ordered_at AS DATE) AS nsm_day,
    cal_orders.amount AS c_amount
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
    CAST(pr.period + INTERVAL 1 MONTH AS DATE)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    CAST(pr.period + INTERVAL 1 MONTH AS DATE) <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    SUM(r.c_amount) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_cal_orders AS r
  WHERE
    r.nsm_day >= CAST(CAST(DATE_TRUNC(
      'year',
      CAST(CAST(DATE_TRUNC('month', p.period) AS DATE) + INTERVAL (-1) MONTH AS DATE)
    ) AS DATE) + INTERVAL 1 MONTH AS DATE)
    AND r.nsm_day < CAST(p.period + INTERVAL 1 MONTH AS DATE)
  GROUP BY
    p.period
)
SELECT
  sp.period AS period,
  COALESCE(l1.value, 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_window1 AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period
