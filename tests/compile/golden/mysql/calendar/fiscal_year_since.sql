WITH RECURSIVE nsm_rows_cal_orders AS (
  SELECT
    DATE_ADD(
      MAKEDATE(
        YEAR(
          DATE_ADD(
            DATE_SUB(
              DATE(cal_orders.ordered_at),
              INTERVAL (
                DAYOFMONTH(cal_orders.ordered_at) - 1
              ) DAY
            ),
            INTERVAL -1 MONTH
          )
        ),
        1
      ),
      INTERVAL 1 MONTH
    ) AS period,
    cal_orders.amount AS c_amount
  FROM cal_orders AS cal_orders
  WHERE
    DATE(cal_orders.ordered_at) >= CAST('2024-02-01' AS DATE)
    AND DATE(cal_orders.ordered_at) < CAST('2027-02-01' AS DATE)
), nsm_bounds AS (
  SELECT
    CAST('2024-02-01' AS DATE) AS period_lo,
    CAST('2026-02-01' AS DATE) AS period_hi,
    CAST('2024-02-01' AS DATE) AS period_from
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    DATE_ADD(pr.period, INTERVAL 1 YEAR)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATE_ADD(pr.period, INTERVAL 1 YEAR) <= b.period_hi
), nsm_agg_cal_orders AS (
  SELECT
    period,
    SUM(c_amount) AS v1
  FROM nsm_rows_cal_orders
  GROUP BY
    period
)
SELECT /*+ SET_VAR(cte_max_recursion_depth = 1000000) */
  sp.period AS period,
  COALESCE(l1.v1, 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_cal_orders AS l1
  ON l1.period = sp.period
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period
