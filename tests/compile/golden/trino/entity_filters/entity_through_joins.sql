WITH nsm_per_region_signups AS (
  SELECT
    period,
    nsm_entity,
    COUNT(*) AS nsm_value
  FROM (
    SELECT
      CAST(DATE_TRUNC('week', accounts.created_at) AS DATE) AS period,
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
    CAST(DATE_TRUNC('week', events.called_at) AS DATE) AS period
  FROM events AS events
  LEFT JOIN accounts AS accounts
    ON events.account_id = accounts.account_id
  LEFT JOIN regions AS regions
    ON accounts.region_id = regions.region_id
  LEFT JOIN nsm_per_region_signups
    ON nsm_per_region_signups.period = CAST(DATE_TRUNC('week', events.called_at) AS DATE)
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
), nsm_periods AS (
  SELECT
    u.period
  FROM nsm_bounds AS b
  CROSS JOIN UNNEST(SEQUENCE(b.period_from, GREATEST(b.period_from, b.period_hi), INTERVAL '7' DAY)) AS u(period)
  WHERE
    u.period <= b.period_hi
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
