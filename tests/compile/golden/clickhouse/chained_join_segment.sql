WITH nsm_rows_events AS (
  SELECT
    toStartOfQuarter(events.called_at) AS period,
    regions.region_name AS g_region_name
  FROM events AS events
  LEFT JOIN accounts AS accounts
    ON events.account_id = accounts.account_id
  LEFT JOIN regions AS regions
    ON accounts.region_id = regions.region_id
  WHERE
    events.environment = 'production' AND COALESCE(regions.blocked, FALSE) = FALSE
), nsm_bounds AS (
  SELECT
    minOrNull(d.period) AS period_lo,
    maxOrNull(d.period) AS period_hi,
    minOrNull(d.period) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_events
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
    addQuarters(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  WHERE
    addQuarters(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100) <= b.period_hi
), nsm_agg_events AS (
  SELECT
    period,
    g_region_name,
    COUNT(*) AS v1
  FROM nsm_rows_events
  GROUP BY
    period,
    g_region_name
), nsm_segments AS (
  SELECT DISTINCT
    g_region_name
  FROM nsm_rows_events
), nsm_spine AS (
  SELECT
    pr.period AS period,
    sv.g_region_name AS g_region_name
  FROM nsm_periods AS pr
  CROSS JOIN nsm_segments AS sv
)
SELECT
  sp.period AS period,
  sp.g_region_name AS region_name,
  COALESCE(l1.v1, 0) AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_agg_events AS l1
  ON l1.period = sp.period AND l1.g_region_name IS NOT DISTINCT FROM sp.g_region_name
ORDER BY
  sp.period,
  sp.g_region_name
SETTINGS join_use_nulls = 1, count_distinct_implementation = 'uniqExact'
