WITH nsm_rows_cal_orders AS (
  SELECT
    DATE_ADD(
      DATE_TRUNC(
        CAST(DATE_ADD(DATE_TRUNC(CAST(cal_orders.ordered_at AS DATE), MONTH), INTERVAL -1 MONTH) AS DATE),
        YEAR
      ),
      INTERVAL 1 MONTH
    ) AS period,
    cal_orders.amount AS c_amount
  FROM cal_orders AS cal_orders
  WHERE
    CAST(cal_orders.ordered_at AS DATE) >= CAST('2024-02-01' AS DATE)
    AND CAST(cal_orders.ordered_at AS DATE) < CAST('2027-02-01' AS DATE)
), nsm_bounds AS (
  SELECT
    CAST('2024-02-01' AS DATE) AS period_lo,
    CAST('2026-02-01' AS DATE) AS period_hi,
    CAST('2024-02-01' AS DATE) AS period_from
), nsm_periods AS (
  SELECT
    period
  FROM nsm_bounds AS b
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(b.period_from, b.period_hi, INTERVAL 1 YEAR)) AS period
), nsm_agg_cal_orders AS (
  SELECT
    period,
    SUM(c_amount) AS v1
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
