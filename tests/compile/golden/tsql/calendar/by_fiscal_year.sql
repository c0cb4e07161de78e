WITH nsm_rows_cal_orders AS (
  SELECT
    DATEADD(
      MONTH,
      1,
      DATEFROMPARTS(
        YEAR(
          DATEADD(
            MONTH,
            -1,
            DATEFROMPARTS(YEAR(cal_orders.ordered_at), MONTH(cal_orders.ordered_at), 1)
          )
        ),
        1,
        1
      )
    ) AS period
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
    DATEADD(YEAR, 1, pr.period)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATEADD(YEAR, 1, pr.period) <= b.period_hi
), nsm_agg_cal_orders AS (
  SELECT
    period AS period,
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
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period OPTION(
    MAXRECURSION 0
)
