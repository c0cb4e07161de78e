WITH RECURSIVE nsm_rows_vocab_orders AS (
  SELECT
    CAST(DATE_TRUNC('week', vocab_orders.ordered_at) AS DATE) AS period
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
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    CAST(pr.period + INTERVAL 1 WEEK AS DATE)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    CAST(pr.period + INTERVAL 1 WEEK AS DATE) <= b.period_hi
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
      WHEN CAST(CAST(DATE_TRUNC(
        'week',
        CAST(CAST(CAST(DATE_TRUNC('year', CAST(period + INTERVAL 3 DAY AS DATE)) AS DATE) + INTERVAL (-12) MONTH AS DATE) + INTERVAL 3 DAY AS DATE)
      ) AS DATE) + INTERVAL 53 WEEK AS DATE) = CAST(DATE_TRUNC(
        'week',
        CAST(CAST(DATE_TRUNC('year', CAST(period + INTERVAL 3 DAY AS DATE)) AS DATE) + INTERVAL 3 DAY AS DATE)
      ) AS DATE)
      THEN CAST(period + INTERVAL (-53) WEEK AS DATE)
      WHEN CAST(period + INTERVAL (-52) WEEK AS DATE) < CAST(DATE_TRUNC(
        'week',
        CAST(CAST(DATE_TRUNC('year', CAST(period + INTERVAL 3 DAY AS DATE)) AS DATE) + INTERVAL 3 DAY AS DATE)
      ) AS DATE)
      THEN CAST(period + INTERVAL (-52) WEEK AS DATE)
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
  CAST(COALESCE(l1.v1, 0) - CASE WHEN nsm_year_ago.prior1 >= nsm_first.first1 THEN COALESCE(l2.v1, 0) END AS DOUBLE) / NULLIF(
    CAST(CASE WHEN nsm_year_ago.prior1 >= nsm_first.first1 THEN COALESCE(l2.v1, 0) END AS DOUBLE),
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
