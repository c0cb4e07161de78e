WITH RECURSIVE nsm_rows_vocab_orders AS (
  SELECT
    DATE(vocab_orders.ordered_at, 'weekday 0', '-6 days') AS period,
    DATE(vocab_orders.ordered_at) AS nsm_day
  FROM vocab_orders AS vocab_orders
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    DATE(MIN(d.period), '-371 days') AS period_from
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
), nsm_window1 AS (
  SELECT
    p.period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_vocab_orders AS r
  WHERE
    r.nsm_day >= DATE(DATE(p.period, '+7 days'), '-28 days')
    AND r.nsm_day < DATE(p.period, '+7 days')
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
  sp.period NULLS LAST
