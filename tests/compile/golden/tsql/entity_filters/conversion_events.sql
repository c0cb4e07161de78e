WITH nsm_per_account_integration_points AS (
  SELECT
    period AS period,
    nsm_entity AS nsm_entity,
    COUNT(*) AS nsm_value
  FROM (
    SELECT DISTINCT
      DATEADD(
        DAY,
        -(
          DATEDIFF(DAY, CAST('1900-01-01' AS DATE), CAST(events.called_at AS DATE)) % 7
        ),
        CAST(events.called_at AS DATE)
      ) AS period,
      events.account_id AS nsm_entity,
      events.account_id AS c_account_id,
      events.endpoint AS c_endpoint
    FROM events AS events
    WHERE
      events.environment = 'production'
      AND NOT events.account_id IS NULL
      AND NOT events.endpoint IS NULL
  ) AS r
  GROUP BY
    period,
    nsm_entity
), nsm_rows_accounts AS (
  SELECT
    DATEADD(
      DAY,
      -(
        DATEDIFF(DAY, CAST('1900-01-01' AS DATE), CAST(accounts.created_at AS DATE)) % 7
      ),
      CAST(accounts.created_at AS DATE)
    ) AS period,
    accounts.created_at AS nsm_ts,
    accounts.account_id AS c_account_id
  FROM accounts AS accounts
), nsm_rows_events AS (
  SELECT
    DATEADD(
      DAY,
      -(
        DATEDIFF(DAY, CAST('1900-01-01' AS DATE), CAST(events.called_at AS DATE)) % 7
      ),
      CAST(events.called_at AS DATE)
    ) AS period,
    events.called_at AS nsm_ts,
    events.account_id AS c_account_id
  FROM events AS events
  LEFT JOIN nsm_per_account_integration_points
    ON nsm_per_account_integration_points.period = DATEADD(
      DAY,
      -(
        DATEDIFF(DAY, CAST('1900-01-01' AS DATE), CAST(events.called_at AS DATE)) % 7
      ),
      CAST(events.called_at AS DATE)
    )
    AND nsm_per_account_integration_points.nsm_entity = events.account_id
  WHERE
    events.environment = 'production'
    AND NOT events.account_id IS NULL
    AND COALESCE(nsm_per_account_integration_points.nsm_value, 0) >= 2
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    MIN(d.period) AS period_from
  FROM (
    SELECT
      period AS period
    FROM nsm_rows_accounts
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
), nsm_converted1 AS (
  SELECT
    b.period AS period,
    COUNT(DISTINCT b.c_account_id) AS value
  FROM nsm_rows_accounts AS b
  JOIN nsm_rows_events AS c
    ON c.c_account_id = b.c_account_id
  WHERE
    c.nsm_ts >= b.nsm_ts AND c.nsm_ts <= DATEADD(DAY, 7, b.nsm_ts)
  GROUP BY
    b.period
)
SELECT
  sp.period AS period,
  COALESCE(l1.value, 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_converted1 AS l1
  ON l1.period = sp.period
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period OPTION(
    MAXRECURSION 0
)
