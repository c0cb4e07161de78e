WITH RECURSIVE nsm_per_account_integration_points AS (
  SELECT
    period,
    nsm_entity,
    COUNT(*) AS nsm_value
  FROM (
    SELECT DISTINCT
      DATE_SUB(DATE(events.called_at), INTERVAL (
        WEEKDAY(events.called_at)
      ) DAY) AS period,
      events.account_id AS nsm_entity,
      events.account_id AS c_account_id,
      events.endpoint AS c_endpoint
    FROM events AS events
    WHERE
      events.environment = 'production'
      AND NOT events.account_id IS NULL
      AND NOT events.endpoint IS NULL
  ) AS r
  GROUP BY
    period,
    nsm_entity
), nsm_rows_events AS (
  SELECT
    DATE_SUB(DATE(events.called_at), INTERVAL (
      WEEKDAY(events.called_at)
    ) DAY) AS period,
    DATE(events.called_at) AS nsm_day
  FROM events AS events
  LEFT JOIN nsm_per_account_integration_points
    ON nsm_per_account_integration_points.period = DATE_SUB(DATE(events.called_at), INTERVAL (
      WEEKDAY(events.called_at)
    ) DAY)
    AND nsm_per_account_integration_points.nsm_entity = events.account_id
  WHERE
    events.environment = 'production'
    AND NOT events.account_id IS NULL
    AND COALESCE(nsm_per_account_integration_points.nsm_value, 0) >= 2
), nsm_bounds AS (
  SELECT
    CAST('2026-03-02' AS DATE) AS period_lo,
    CAST('2026-06-22' AS DATE) AS period_hi,
    CAST('2026-03-02' AS DATE) AS period_from
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    DATE_ADD(pr.period, INTERVAL 1 WEEK)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATE_ADD(pr.period, INTERVAL 1 WEEK) <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_events AS r
  WHERE
    r.nsm_day >= DATE_ADD(DATE_ADD(p.period, INTERVAL 1 WEEK), INTERVAL -28 DAY)
    AND r.nsm_day < DATE_ADD(p.period, INTERVAL 1 WEEK)
  GROUP BY
    p.period
)
SELECT /*+ SET_VAR(cte_max_recursion_depth = 1000000) */
  sp.period AS period,
  COALESCE(l1.value, 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_window1 AS l1
  ON l1.period = sp.period
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period
