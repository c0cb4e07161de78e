WITH nsm_ever_account_api_calls AS (
  SELECT
    nsm_entity,
    COUNT(*) AS nsm_value
  FROM (
    SELECT
      events.account_id AS nsm_entity
    FROM events AS events
    WHERE
      events.environment = 'production' AND NOT (
        events.account_id IS NULL
      )
  ) AS r
  GROUP BY
    nsm_entity
), nsm_rows_events AS (
  SELECT
    CASE
      WHEN toDate(events.called_at) >= CAST('2026-03-02' AS Nullable(DATE))
      AND toDate(events.called_at) <= CAST('2026-06-22' AS Nullable(DATE))
      THEN CAST('1970-01-01' AS Nullable(DATE))
    END AS period,
    toDate(events.called_at) AS nsm_day
  FROM events AS events
  LEFT JOIN nsm_ever_account_api_calls
    ON nsm_ever_account_api_calls.nsm_entity = events.account_id
  WHERE
    NOT (
      events.account_id IS NULL
    )
    AND COALESCE(nsm_ever_account_api_calls.nsm_value, 0) >= 10
), nsm_bounds AS (
  SELECT
    CAST('1970-01-01' AS Nullable(DATE)) AS period_lo,
    CAST('1970-01-01' AS Nullable(DATE)) AS period_hi,
    CAST('1970-01-01' AS Nullable(DATE)) AS period_from,
    CAST('2026-03-02' AS Nullable(DATE)) AS range_start,
    CAST('2026-06-22' AS Nullable(DATE)) AS range_end
), nsm_periods AS (
  SELECT
    b.period_lo AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_lo <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period AS period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_events AS r
  CROSS JOIN nsm_bounds AS rb
  WHERE
    r.nsm_day >= addDays(toDate32(addDays(toDate32(rb.range_end), 1)), -28)
    AND r.nsm_day < addDays(toDate32(rb.range_end), 1)
  GROUP BY
    p.period
)
SELECT
  rb.range_start AS period,
  COALESCE(l1.value, 0) AS value
FROM nsm_periods AS sp
CROSS JOIN nsm_bounds AS rb
LEFT JOIN nsm_window1 AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period
SETTINGS join_use_nulls = 1, count_distinct_implementation = 'uniqExact'
