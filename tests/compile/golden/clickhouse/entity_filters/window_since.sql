WITH nsm_per_account_integration_points AS (
  SELECT
    period,
    nsm_entity,
    COUNT(*) AS nsm_value
  FROM (
    SELECT DISTINCT
      toMonday(events.called_at) AS period,
      events.account_id AS nsm_entity,
      events.account_id AS c_account_id,
      events.endpoint AS c_endpoint
    FROM events AS events
    WHERE
      events.environment = 'production'
      AND NOT (
        events.account_id IS NULL
      )
      AND NOT (
        events.endpoint IS NULL
      )
  ) AS r
  GROUP BY
    period,
    nsm_entity
), nsm_rows_events AS (
  SELECT
    toMonday(events.called_at) AS period,
    toDate(events.called_at) AS nsm_day
  FROM events AS events
  LEFT JOIN nsm_per_account_integration_points
    ON nsm_per_account_integration_points.period = toMonday(events.called_at)
    AND nsm_per_account_integration_points.nsm_entity = events.account_id
  WHERE
    events.environment = 'production'
    AND NOT (
      events.account_id IS NULL
    )
    AND COALESCE(nsm_per_account_integration_points.nsm_value, 0) >= 2
), nsm_bounds AS (
  SELECT
    CAST('2026-03-02' AS Nullable(DATE)) AS period_lo,
    CAST('2026-06-22' AS Nullable(DATE)) AS period_hi,
    CAST('2026-03-02' AS Nullable(DATE)) AS period_from
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
    addWeeks(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  WHERE
    addWeeks(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000) <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period AS period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_events AS r
  WHERE
    r.nsm_day >= addDays(toDate32(addWeeks(toDate32(p.period), 1)), -28)
    AND r.nsm_day < addWeeks(toDate32(p.period), 1)
  GROUP BY
    p.period
)
SELECT
  sp.period AS period,
  COALESCE(l1.value, 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_window1 AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period
SETTINGS join_use_nulls = 1, count_distinct_implementation = 'uniqExact'
