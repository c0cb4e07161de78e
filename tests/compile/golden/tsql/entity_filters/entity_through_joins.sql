WITH nsm_per_region_signups AS (
  SELECT
    period AS period,
    nsm_entity AS nsm_entity,
    COUNT(*) AS nsm_value
  FROM (
    SELECT
      DATEADD(
        DAY,
        -(
          DATEDIFF(DAY, CAST('1900-01-01' AS DATE), CAST(accounts.created_at AS DATE)) % 7
        ),
        CAST(accounts.created_at AS DATE)
      ) AS period,
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
    DATEADD(
      DAY,
      -(
        DATEDIFF(DAY, CAST('1900-01-01' AS DATE), CAST(events.called_at AS DATE)) % 7
      ),
      CAST(events.called_at AS DATE)
    ) AS period
  FROM events AS events
  LEFT JOIN accounts AS accounts
    ON events.account_id = accounts.account_id
  LEFT JOIN regions AS regions
    ON accounts.region_id = regions.region_id
  LEFT JOIN nsm_per_region_signups
    ON nsm_per_region_signups.period = DATEADD(
      DAY,
      -(
        DATEDIFF(DAY, CAST('1900-01-01' AS DATE), CAST(events.called_at AS DATE)) % 7
      ),
      CAST(events.called_at AS DATE)
    )
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
      period AS period
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
    DATEADD(WEEK, 1, pr.period)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATEADD(WEEK, 1, pr.period) <= b.period_hi
), nsm_agg_events AS (
  SELECT
    period AS period,
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
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period OPTION(
    MAXRECURSION 0
)
