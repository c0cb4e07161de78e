WITH nsm_per_region_signups AS (
  SELECT
    period,
    nsm_entity,
    COUNT(*) AS nsm_value
  FROM (
    SELECT
      DATEADD(DAY, 1 - DAYOFWEEKISO(accounts.created_at), CAST(accounts.created_at AS DATE)) AS period,
      regions.region_id AS nsm_entity
    FROM accounts AS accounts
    LEFT JOIN regions AS regions
      ON accounts.region_id = regions.region_id
    WHERE
      NOT regions.region_id IS NULL
  ) AS r
  GROUP BY
    period,
    nsm_entity
), nsm_rows_events AS (
  SELECT
    DATEADD(DAY, 1 - DAYOFWEEKISO(events.called_at), CAST(events.called_at AS DATE)) AS period
  FROM events AS events
  LEFT JOIN accounts AS accounts
    ON events.account_id = accounts.account_id
  LEFT JOIN regions AS regions
    ON accounts.region_id = regions.region_id
  LEFT JOIN nsm_per_region_signups
    ON nsm_per_region_signups.period = DATEADD(DAY, 1 - DAYOFWEEKISO(events.called_at), CAST(events.called_at AS DATE))
    AND nsm_per_region_signups.nsm_entity = regions.region_id
  WHERE
    NOT regions.region_id IS NULL
    AND COALESCE(nsm_per_region_signups.nsm_value, 0) >= 1
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
    DATEADD(WEEK, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000, b.period_from) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  WHERE
    DATEADD(WEEK, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000, b.period_from) <= b.period_hi
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
  sp.period
