WITH nsm_rows_events AS (
  SELECT
    DATEFROMPARTS(YEAR(events.called_at), (
      DATEPART(QUARTER, events.called_at) - 1
    ) * 3 + 1, 1) AS period,
    regions.region_name AS g_region_name
  FROM events AS events
  LEFT JOIN accounts AS accounts
    ON events.account_id = accounts.account_id
  LEFT JOIN regions AS regions
    ON accounts.region_id = regions.region_id
  WHERE
    events.environment = 'production' AND COALESCE(regions.blocked, 0) = 0
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    MIN(d.period) AS period_from
  FROM (
    SELECT
      period AS period
    FROM nsm_rows_events
  ) AS d
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    DATEADD(QUARTER, 1, pr.period)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATEADD(QUARTER, 1, pr.period) <= b.period_hi
), nsm_agg_events AS (
  SELECT
    period AS period,
    g_region_name AS g_region_name,
    COUNT(*) AS v1
  FROM nsm_rows_events
  GROUP BY
    period,
    g_region_name
), nsm_segments AS (
  SELECT DISTINCT
    g_region_name AS g_region_name
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
  ON l1.period = sp.period
  AND (
    l1.g_region_name = sp.g_region_name
    OR (
      l1.g_region_name IS NULL AND sp.g_region_name IS NULL
    )
  )
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period,
  CASE WHEN sp.g_region_name IS NULL THEN 1 ELSE 0 END, sp.g_region_name OPTION(
    MAXRECURSION 0
)
