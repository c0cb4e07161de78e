WITH nsm_rows_cal_orders AS (
  SELECT
    CAST(DATEADD(
      MONTH,
      1,
      CAST(DATE_TRUNC(
        'year',
        CAST(CAST(DATEADD(
          MONTH,
          -1,
          CAST(DATE_TRUNC('month', CAST(cal_orders.ordered_at AS TIMESTAMP)) AS DATE)
        ) AS DATE) AS TIMESTAMP)
      ) AS DATE)
    ) AS DATE) AS period,
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
), nsm_digits AS (
  SELECT
    0 AS n
  UNION ALL
  SELECT
    1 AS n
  UNION ALL
  SELECT
    2 AS n
  UNION ALL
  SELECT
    3 AS n
  UNION ALL
  SELECT
    4 AS n
  UNION ALL
  SELECT
    5 AS n
  UNION ALL
  SELECT
    6 AS n
  UNION ALL
  SELECT
    7 AS n
  UNION ALL
  SELECT
    8 AS n
  UNION ALL
  SELECT
    9 AS n
), nsm_periods AS (
  SELECT
    CAST(DATEADD(YEAR, d0.n + d1.n * 10 + d2.n * 100, b.period_from) AS DATE) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  WHERE
    CAST(DATEADD(YEAR, d0.n + d1.n * 10 + d2.n * 100, b.period_from) AS DATE) <= b.period_hi
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
  sp.period
