WITH nsm_rows_cal_orders AS (
  SELECT
    DATE_ADD(
      DATE_TRUNC(
        CAST(DATE_ADD(CAST(cal_orders.ordered_at AS DATE), INTERVAL -6 DAY) AS DATE),
        ISOWEEK
      ),
      INTERVAL 6 DAY
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
), nsm_periods AS (
  SELECT
    period
  FROM nsm_bounds AS b
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(b.period_from, b.period_hi, INTERVAL 1 WEEK)) AS period
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
  sp.period NULLS LAST,
  sp.g_probe NULLS LAST
