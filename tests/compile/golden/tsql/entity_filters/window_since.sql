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
), nsm_rows_events AS (
  SELECT
    DATEADD(
      DAY,
      -(
        DATEDIFF(DAY, CAST('1900-01-01' AS DATE), CAST(events.called_at AS DATE)) % 7
      ),
      CAST(events.called_at AS DATE)
    ) AS period,
    CAST(events.called_at AS DATE) AS nsm_day
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
    CAST('2026-03-02' AS DATE) AS period_lo,
    CAST('2026-06-22' AS DATE) AS period_hi,
    CAST('2026-03-02' AS DATE) AS period_from
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
), nsm_window1 AS (
  SELECT
    p.period AS period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_events AS r
  WHERE
    r.nsm_day >= DATEADD(DAY, -28, DATEADD(WEEK, 1, p.period))
    AND r.nsm_day < DATEADD(WEEK, 1, p.period)
  GROUP BY
    p.period
)
SELECT
  sp.period AS period,
  COALESCE(l1.value, 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_window1 AS l1
  ON l1.period = sp.period
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period OPTION(
    MAXRECURSION 0
)
