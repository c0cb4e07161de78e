WITH nsm_rows_cal_orders AS (
  SELECT
    DATEADD(
      DAY,
      6,
      DATEADD(
        DAY,
        1 - DAYOFWEEKISO(DATEADD(DAY, -6, CAST(cal_orders.ordered_at AS DATE))),
        CAST(DATEADD(DAY, -6, CAST(cal_orders.ordered_at AS DATE)) AS DATE)
      )
    ) AS period,
    cal_orders.probe AS g_probe
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
    DATEADD(WEEK, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000, b.period_from) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  WHERE
    DATEADD(WEEK, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000, b.period_from) <= b.period_hi
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
