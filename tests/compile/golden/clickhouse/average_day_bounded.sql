WITH nsm_rows_events AS (
  SELECT
    toDate(events.called_at) AS period,
    events.latency_ms AS c_latency_ms
  FROM events AS events
  WHERE
    events.environment = 'production'
    AND toDate(events.called_at) >= CAST('2026-03-10' AS Nullable(DATE))
    AND toDate(events.called_at) < CAST('2026-05-21' AS Nullable(DATE))
), nsm_bounds AS (
  SELECT
    CAST('2026-03-10' AS Nullable(DATE)) AS period_lo,
    CAST('2026-05-20' AS Nullable(DATE)) AS period_hi,
    CAST('2026-03-10' AS Nullable(DATE)) AS period_from
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
    addDays(
      toDate32(b.period_from),
      d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000 + d4.n * 10000
    ) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  CROSS JOIN nsm_digits AS d4
  WHERE
    addDays(
      toDate32(b.period_from),
      d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000 + d4.n * 10000
    ) <= b.period_hi
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
