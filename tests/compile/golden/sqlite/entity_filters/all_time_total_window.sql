WITH nsm_ever_account_api_calls AS (
  SELECT
    nsm_entity,
    COUNT(*) AS nsm_value
  FROM (
    SELECT
      events.account_id AS nsm_entity
    FROM events AS events
    WHERE
      events.environment = 'production' AND NOT events.account_id IS NULL
  ) AS r
  GROUP BY
    nsm_entity
), nsm_rows_events AS (
  SELECT
    CASE
      WHEN DATE(events.called_at) >= DATE('2026-03-02')
      AND DATE(events.called_at) <= DATE('2026-06-22')
      THEN DATE('1970-01-01')
    END AS period,
    DATE(events.called_at) AS nsm_day
  FROM events AS events
  LEFT JOIN nsm_ever_account_api_calls
    ON nsm_ever_account_api_calls.nsm_entity = events.account_id
  WHERE
    NOT events.account_id IS NULL
    AND COALESCE(nsm_ever_account_api_calls.nsm_value, 0) >= 10
), nsm_bounds AS (
  SELECT
    DATE('1970-01-01') AS period_lo,
    DATE('1970-01-01') AS period_hi,
    DATE('1970-01-01') AS period_from,
    DATE('2026-03-02') AS range_start,
    DATE('2026-06-22') AS range_end
), nsm_periods AS (
  SELECT
    b.period_lo AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_lo <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_events AS r
  CROSS JOIN nsm_bounds AS rb
  WHERE
    r.nsm_day >= DATE(DATE(rb.range_end, '+1 days'), '-28 days')
    AND r.nsm_day < DATE(rb.range_end, '+1 days')
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
  sp.period NULLS LAST
