WITH RECURSIVE nsm_rows_vocab_orders AS (
  SELECT
    CAST(DATE_TRUNC('week', CAST(vocab_orders.ordered_at AS TIMESTAMP)) AS DATE) AS period,
    CAST(vocab_orders.ordered_at AS DATE) AS nsm_day
  FROM vocab_orders AS vocab_orders
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    CAST(MIN(d.period) + INTERVAL '-53 WEEK' AS DATE) AS period_from
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
    CAST(pr.period + INTERVAL '1 WEEK' AS DATE)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    CAST(pr.period + INTERVAL '1 WEEK' AS DATE) <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_vocab_orders AS r
  WHERE
    r.nsm_day >= CAST(CAST(p.period + INTERVAL '1 WEEK' AS DATE) + INTERVAL '-28 DAY' AS DATE)
    AND r.nsm_day < CAST(p.period + INTERVAL '1 WEEK' AS DATE)
  GROUP BY
    p.period
), nsm_spine AS (
  SELECT
    pr.period
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    pr.period >= b.period_lo
), nsm_year_ago AS (
  SELECT
    period,
    CASE
      WHEN CAST(CAST(DATE_TRUNC(
        'week',
        CAST(CAST(CAST(CAST(DATE_TRUNC('year', CAST(CAST(period + INTERVAL '3 DAY' AS DATE) AS TIMESTAMP)) AS DATE) + INTERVAL '-12 MONTH' AS DATE) + INTERVAL '3 DAY' AS DATE) AS TIMESTAMP)
      ) AS DATE) + INTERVAL '53 WEEK' AS DATE) = CAST(DATE_TRUNC(
        'week',
        CAST(CAST(CAST(DATE_TRUNC('year', CAST(CAST(period + INTERVAL '3 DAY' AS DATE) AS TIMESTAMP)) AS DATE) + INTERVAL '3 DAY' AS DATE) AS TIMESTAMP)
      ) AS DATE)
      THEN CAST(period + INTERVAL '-53 WEEK' AS DATE)
      WHEN CAST(period + INTERVAL '-52 WEEK' AS DATE) < CAST(DATE_TRUNC(
        'week',
        CAST(CAST(CAST(DATE_TRUNC('year', CAST(CAST(period + INTERVAL '3 DAY' AS DATE) AS TIMESTAMP)) AS DATE) + INTERVAL '3 DAY' AS DATE) AS TIMESTAMP)
      ) AS DATE)
      THEN CAST(period + INTERVAL '-52 WEEK' AS DATE)
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
  COALESCE(l1.value, 0) - CASE WHEN nsm_year_ago.prior1 >= nsm_first.first1 THEN COALESCE(l2.value, 0) END AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_year_ago AS nsm_year_ago
  ON nsm_year_ago.period = sp.period
LEFT JOIN nsm_window1 AS l1
  ON l1.period = sp.period
LEFT JOIN nsm_window1 AS l2
  ON l2.period = nsm_year_ago.prior1
CROSS JOIN nsm_first AS nsm_first
ORDER BY
  sp.period
