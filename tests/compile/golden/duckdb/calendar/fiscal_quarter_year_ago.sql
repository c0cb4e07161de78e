WITH RECURSIVE nsm_rows_cal_orders AS (
  SELECT
    CAST(CAST(DATE_TRUNC(
      'quarter',
      CAST(CAST(DATE_TRUNC('month', cal_orders.ordered_at) AS DATE) + INTERVAL (-1) MONTH AS DATE)
    ) AS DATE) + INTERVAL 1 MONTH AS DATE) AS period
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
    CAST(pr.period + INTERVAL 1 QUARTER AS DATE)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    CAST(pr.period + INTERVAL 1 QUARTER AS DATE) <= b.period_hi
), nsm_agg_cal_orders AS (
  SELECT
    period,
    COUNT(*) AS v1
  FROM nsm_rows_cal_orders
  GROUP BY
    period
), nsm_first AS (
  SELECT
    (
      SELECT
        MIN(period)
      FROM nsm_rows_cal_orders
    ) AS first1
)
SELECT
  sp.period AS period,
  CAST(COALESCE(l1.v1, 0) - CASE
    WHEN CAST(sp.period + INTERVAL (-4) QUARTER AS DATE) >= nsm_first.first1
    THEN COALESCE(l2.v1, 0)
  END AS DOUBLE) / NULLIF(
    CAST(CASE
      WHEN CAST(sp.period + INTERVAL (-4) QUARTER AS DATE) >= nsm_first.first1
      THEN COALESCE(l2.v1, 0)
    END AS DOUBLE),
    0
  ) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_cal_orders AS l1
  ON l1.period = sp.period
LEFT JOIN nsm_agg_cal_orders AS l2
  ON l2.period = CAST(sp.period + INTERVAL (-4) QUARTER AS DATE)
CROSS JOIN nsm_first AS nsm_first
ORDER BY
  sp.period
