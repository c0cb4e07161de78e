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
    CAST(DATE_TRUNC('month', events.called_at) AS DATE) AS period
  FROM events AS events
  LEFT JOIN nsm_ever_account_api_calls
    ON nsm_ever_account_api_calls.nsm_entity = events.account_id
  WHERE
    NOT events.account_id IS NULL
    AND COALESCE(nsm_ever_account_api_calls.nsm_value, 0) >= 10
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    MIN(d.period) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_events
  ) AS d
), nsm_periods AS (
  SELECT
    EXPLODE(SEQUENCE(b.period_from, GREATEST(b.period_from, b.period_hi), INTERVAL 1 MONTH)) AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
), nsm_agg_events AS (
  SELECT
    period,
    COUNT(*) AS v1
  FROM nsm_rows_events
  GROUP BY
    period
)
SELECT
  sp.period AS period,
  COALESCE(l1.v1, 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_events AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period NULLS LAST
