WITH RECURSIVE nsm_rows_vocab_orders AS (
  SELECT
    DATE(vocab_orders.ordered_at, 'weekday 0', '-6 days') AS period
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
    DATE(pr.period, '+7 days')
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATE(pr.period, '+7 days') <= b.period_hi
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
      WHEN DATE(
        DATE(
          DATE(DATE(DATE(DATE(period, '+3 days'), 'start of year'), '-12 months'), '+3 days'),
          'weekday 0',
          '-6 days'
        ),
        '+371 days'
      ) = DATE(
        DATE(DATE(DATE(period, '+3 days'), 'start of year'), '+3 days'),
        'weekday 0',
        '-6 days'
      )
      THEN DATE(period, '-371 days')
      WHEN DATE(period, '-364 days') < DATE(
        DATE(DATE(DATE(period, '+3 days'), 'start of year'), '+3 days'),
        'weekday 0',
        '-6 days'
      )
      THEN DATE(period, '-364 days')
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
  CAST(COALESCE(l1.v1, 0) - CASE WHEN nsm_year_ago.prior1 >= nsm_first.first1 THEN COALESCE(l2.v1, 0) END AS REAL) / NULLIF(
    CAST(CASE WHEN nsm_year_ago.prior1 >= nsm_first.first1 THEN COALESCE(l2.v1, 0) END AS REAL),
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
  sp.period NULLS LAST
