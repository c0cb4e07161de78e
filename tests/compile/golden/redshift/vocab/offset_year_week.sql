WITH nsm_rows_vocab_orders AS (
  SELECT
    CAST(DATE_TRUNC('week', CAST(vocab_orders.ordered_at AS TIMESTAMP)) AS DATE) AS period
  FROM vocab_orders AS vocab_orders
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    MIN(d.period) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_vocab_orders
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
    CAST(DATEADD(WEEK, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000, b.period_from) AS DATE) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  WHERE
    CAST(DATEADD(WEEK, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000, b.period_from) AS DATE) <= b.period_hi
), nsm_agg_vocab_orders AS (
  SELECT
    period,
    COUNT(*) AS v1
  FROM nsm_rows_vocab_orders
  GROUP BY
    period
), nsm_year_ago AS (
  SELECT
    period,
    CASE
      WHEN CAST(DATEADD(
        WEEK,
        53,
        CAST(DATE_TRUNC(
          'week',
          CAST(CAST(DATEADD(
            DAY,
            3,
            CAST(DATEADD(
              MONTH,
              -12,
              CAST(DATE_TRUNC('year', CAST(CAST(DATEADD(DAY, 3, period) AS DATE) AS TIMESTAMP)) AS DATE)
            ) AS DATE)
          ) AS DATE) AS TIMESTAMP)
        ) AS DATE)
      ) AS DATE) = CAST(DATE_TRUNC(
        'week',
        CAST(CAST(DATEADD(
          DAY,
          3,
          CAST(DATE_TRUNC('year', CAST(CAST(DATEADD(DAY, 3, period) AS DATE) AS TIMESTAMP)) AS DATE)
        ) AS DATE) AS TIMESTAMP)
      ) AS DATE)
      THEN CAST(DATEADD(WEEK, -53, period) AS DATE)
      WHEN CAST(DATEADD(WEEK, -52, period) AS DATE) < CAST(DATE_TRUNC(
        'week',
        CAST(CAST(DATEADD(
          DAY,
          3,
          CAST(DATE_TRUNC('year', CAST(CAST(DATEADD(DAY, 3, period) AS DATE) AS TIMESTAMP)) AS DATE)
        ) AS DATE) AS TIMESTAMP)
      ) AS DATE)
      THEN CAST(DATEADD(WEEK, -52, period) AS DATE)
    END AS prior1
  FROM nsm_periods
), nsm_first AS (
  SELECT
    (
      SELECT
        MIN(period)
      FROM nsm_rows_vocab_orders
    ) AS first1
)
SELECT
  sp.period AS period,
  CAST(COALESCE(l1.v1, 0) - CASE WHEN nsm_year_ago.prior1 >= nsm_first.first1 THEN COALESCE(l2.v1, 0) END AS DOUBLE PRECISION) / NULLIF(
    CAST(CASE WHEN nsm_year_ago.prior1 >= nsm_first.first1 THEN COALESCE(l2.v1, 0) END AS DOUBLE PRECISION),
    0
  ) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_year_ago AS nsm_year_ago
  ON nsm_year_ago.period = sp.period
LEFT JOIN nsm_agg_vocab_orders AS l1
  ON l1.period = sp.period
LEFT JOIN nsm_agg_vocab_orders AS l2
  ON l2.period = nsm_year_ago.prior1
CROSS JOIN nsm_first AS nsm_first
ORDER BY
  sp.period
