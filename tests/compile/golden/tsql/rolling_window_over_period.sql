WITH nsm_rows_events AS (
  SELECT
    DATEADD(
      DAY,
      -(
        DATEDIFF(DAY, CAST('1900-01-01' AS DATE), CAST(events.called_at AS DATE)) % 7
      ),
      CAST(events.called_at AS DATE)
    ) AS period,
    accounts.plan AS g_plan,
    CAST(events.called_at AS DATE) AS nsm_day,
    events.account_id AS c_account_id
  FROM events AS events
  LEFT JOIN accounts AS accounts
    ON events.account_id = accounts.account_id
  WHERE
    events.environment = 'production'
    AND NOT accounts.is_test <> 0
    AND NOT accounts.is_internal <> 0
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    DATEADD(WEEK, -1, MIN(d.period)) AS period_from
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
), nsm_window1 AS (
  SELECT
    p.period AS period,
    r.g_plan AS g_plan,
    COUNT(DISTINCT r.c_account_id) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_events AS r
  WHERE
    r.nsm_day >= DATEADD(DAY, -28, DATEADD(WEEK, 1, p.period))
    AND r.nsm_day < DATEADD(WEEK, 1, p.period)
  GROUP BY
    p.period,
    r.g_plan
), nsm_segments AS (
  SELECT DISTINCT
    g_plan AS g_plan
  FROM nsm_rows_events
), nsm_spine AS (
  SELECT
    pr.period AS period,
    sv.g_plan AS g_plan
  FROM nsm_periods AS pr
  CROSS JOIN nsm_segments AS sv
  CROSS JOIN nsm_bounds AS b
  WHERE
    pr.period >= b.period_lo
), nsm_first AS (
  SELECT
    (
      SELECT
        MIN(period)
      FROM nsm_rows_events
    ) AS first1
)
SELECT
  sp.period AS period,
  sp.g_plan AS plan,
  CAST(COALESCE(l1.value, 0) - CASE
    WHEN DATEADD(WEEK, -1, sp.period) >= nsm_first.first1
    THEN COALESCE(l2.value, 0)
  END AS FLOAT) / NULLIF(
    CAST(CASE
      WHEN DATEADD(WEEK, -1, sp.period) >= nsm_first.first1
      THEN COALESCE(l2.value, 0)
    END AS FLOAT),
    0
  ) AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_window1 AS l1
  ON l1.period = sp.period
  AND (
    l1.g_plan = sp.g_plan OR (
      l1.g_plan IS NULL AND sp.g_plan IS NULL
    )
  )
LEFT JOIN nsm_window1 AS l2
  ON l2.period = DATEADD(WEEK, -1, sp.period)
  AND (
    l2.g_plan = sp.g_plan OR (
      l2.g_plan IS NULL AND sp.g_plan IS NULL
    )
  )
CROSS JOIN nsm_first AS nsm_first
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period,
  CASE WHEN sp.g_plan IS NULL THEN 1 ELSE 0 END, sp.g_plan OPTION(
    MAXRECURSION 0
)
