WITH nsm_per_account_average_latency AS (
  SELECT
    period,
    nsm_entity,
    AVG(CAST(c_latency_ms AS FLOAT64)) AS nsm_value
  FROM (
    SELECT
      DATE_TRUNC(CAST(events.called_at AS DATE), MONTH) AS period,
      events.account_id AS nsm_entity,
      events.latency_ms AS c_latency_ms
    FROM events AS events
    WHERE
      NOT events.account_id IS NULL
  ) AS r
  GROUP BY
    period,
    nsm_entity
), nsm_rows_events AS (
  SELECT
    DATE_TRUNC(CAST(events.called_at AS DATE), MONTH) AS period,
    events.latency_ms AS c_latency_ms
  FROM events AS events
  LEFT JOIN nsm_per_account_average_latency
    ON nsm_per_account_average_latency.period = DATE_TRUNC(CAST(events.called_at AS DATE), MONTH)
    AND nsm_per_account_average_latency.nsm_entity = events.account_id
  WHERE
    NOT events.account_id IS NULL AND nsm_per_account_average_latency.nsm_value < 400
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
    period
  FROM nsm_bounds AS b
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(b.period_from, b.period_hi, INTERVAL 1 MONTH)) AS period
), nsm_agg_events AS (
  SELECT
    period,
    AVG(CAST(c_latency_ms AS FLOAT64)) AS v1
  FROM nsm_rows_events
  GROUP BY
    period
)
SELECT
  sp.period AS period,
  l1.v1 AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_events AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period NULLS LAST
