WITH nsm_rows_vocab_orders AS (
  SELECT
    DATEADD(
      DAY,
      -(
        DATEDIFF(DAY, CAST('1900-01-01' AS DATE), CAST(vocab_orders.ordered_at AS DATE)) % 7
      ),
      CAST(vocab_orders.ordered_at AS DATE)
    ) AS period,
    vocab_orders.status AS g_status,
    CASE WHEN vocab_orders.status = 'paid' THEN 1 ELSE 0 END AS f1
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
    DATEADD(WEEK, 1, pr.period)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATEADD(WEEK, 1, pr.period) <= b.period_hi
), nsm_agg_vocab_orders AS (
  SELECT
    period AS period,
    g_status AS g_status,
    COUNT(CASE WHEN f1 = 1 THEN 1 END) AS v1,
    COUNT(*) AS v2
  FROM nsm_rows_vocab_orders
  GROUP BY
    period,
    g_status
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
  COALESCE(
    CAST(COALESCE(l1.v1, 0) AS FLOAT) / NULLIF(CAST(COALESCE(l1.v2, 0) AS FLOAT), 0),
    0.5
  ) AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_agg_vocab_orders AS l1
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
