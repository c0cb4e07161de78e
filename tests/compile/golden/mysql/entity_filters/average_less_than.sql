WITH RECURSIVE nsm_per_account_average_latency AS (
  SELECT
    period,
    nsm_entity,
    AVG(CAST(c_latency_ms AS DOUBLE)) AS nsm_value
  FROM (
    SELECT
      DATE_SUB(DATE(events.called_at), INTERVAL (
        DAYOFMONTH(events.called_at) - 1
      ) DAY) AS period,
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
    DATE_SUB(DATE(events.called_at), INTERVAL (
      DAYOFMONTH(events.called_at) - 1
    ) DAY) AS period,
    events.latency_ms AS c_latency_ms
  FROM events AS events
  LEFT JOIN nsm_per_account_average_latency
    ON nsm_per_account_average_latency.period = DATE_SUB(DATE(events.called_at), INTERVAL (
      DAYOFMONTH(events.called_at) - 1
    ) DAY)
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
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    DATE_ADD(pr.period, INTERVAL 1 MONTH)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATE_ADD(pr.period, INTERVAL 1 MONTH) <= b.period_hi
), nsm_agg_events AS (
  SELECT
    period,
    AVG(CAST(c_latency_ms AS DOUBLE)) AS v1
  FROM nsm_rows_events
  GROUP BY
    period
)
SELECT /*+ SET_VAR(cte_max_recursion_depth = 1000000) */
  sp.period AS period,
  l1.v1 AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_events AS l1
  ON l1.period = sp.period
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period
