WITH nsm_rows_vocab_orders AS (
  SELECT
    DATEADD(
      HOUR,
      DATEDIFF(HOUR, CAST('1900-01-01' AS DATETIME2), vocab_orders.ordered_at),
      CAST('1900-01-01' AS DATETIME2)
    ) AS period,
    vocab_orders.status AS g_status,
    DATEADD(
      HOUR,
      DATEDIFF(HOUR, CAST('1900-01-01' AS DATETIME2), vocab_orders.ordered_at),
      CAST('1900-01-01' AS DATETIME2)
    ) AS nsm_day
  FROM vocab_orders AS vocab_orders
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    MIN(d.period) AS period_from
  FROM (
    SELECT
      period AS period
    FROM nsm_rows_vocab_orders
  ) AS d
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    DATEADD(HOUR, 1, pr.period)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATEADD(HOUR, 1, pr.period) <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period AS period,
    r.g_status AS g_status,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_vocab_orders AS r
  WHERE
    r.nsm_day >= DATEADD(DAY, -1, DATEADD(HOUR, 1, p.period))
    AND r.nsm_day < DATEADD(HOUR, 1, p.period)
  GROUP BY
    p.period,
    r.g_status
), nsm_segments AS (
  SELECT DISTINCT
    g_status AS g_status
  FROM nsm_rows_vocab_orders
), nsm_spine AS (
  SELECT
    pr.period AS period,
    sv.g_status AS g_status
  FROM nsm_periods AS pr
  CROSS JOIN nsm_segments AS sv
)
SELECT
  sp.period AS period,
  sp.g_status AS status,
  COALESCE(l1.value, 0) AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_window1 AS l1
  ON l1.period = sp.period
  AND (
    l1.g_status = sp.g_status OR (
      l1.g_status IS NULL AND sp.g_status IS NULL
    )
  )
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period,
  CASE WHEN sp.g_status IS NULL THEN 1 ELSE 0 END, sp.g_status OPTION(
    MAXRECURSION 0
)
