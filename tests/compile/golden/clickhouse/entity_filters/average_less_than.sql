WITH nsm_per_account_average_latency AS (
  SELECT
    period,
    nsm_entity,
    AVG(CAST(c_latency_ms AS Nullable(Float64))) AS nsm_value
  FROM (
    SELECT
      toStartOfMonth(events.called_at) AS period,
      events.account_id AS nsm_entity,
      events.latency_ms AS c_latency_ms
    FROM events AS events
    WHERE
      NOT (
        events.account_id IS NULL
      )
  ) AS r
  GROUP BY
    period,
    nsm_entity
), nsm_rows_events AS (
  SELECT
    toStartOfMonth(events.called_at) AS period,
    events.latency_ms AS c_latency_ms
  FROM events AS events
  LEFT JOIN nsm_per_account_average_latency
    ON nsm_per_account_average_latency.period = toStartOfMonth(events.called_at)
    AND nsm_per_account_average_latency.nsm_entity = events.account_id
  WHERE
    NOT (
      events.account_id IS NULL
    )
    AND nsm_per_account_average_latency.nsm_value < 400
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
    addMonths(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  WHERE
    addMonths(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000) <= b.period_hi
), nsm_agg_events AS (
  SELECT
    period,
    AVG(CAST(c_latency_ms AS Nullable(Float64))) AS v1
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
  sp.period
SETTINGS join_use_nulls = 1, count_distinct_implementation = 'uniqExact'
