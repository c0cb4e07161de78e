WITH nsm_rows_cal_orders AS (
  SELECT
    DATEFROMPARTS(YEAR(cal_orders.ordered_at), MONTH(cal_orders.ordered_at), 1) AS period,
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
      period AS period
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
    DATEADD(MONTH, 1, pr.period)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATEADD(MONTH, 1, pr.period) <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period AS period,
    SUM(r.c_amount) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_cal_orders AS r
  WHERE
    r.nsm_day >= DATEADD(
      MONTH,
      1,
      DATEFROMPARTS(YEAR(DATEADD(MONTH, -1, DATEFROMPARTS(YEAR(p.period), MONTH(p.period), 1))), 1, 1)
    )
    AND r.nsm_day < DATEADD(MONTH, 1, p.period)
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
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period OPTION(
    MAXRECURSION 0
)
