WITH RECURSIVE nsm_rows_vocab_orders AS (
  SELECT
    DATE(vocab_orders.ordered_at, 'weekday 0', '-6 days') AS period,
    DATE(vocab_orders.ordered_at) AS nsm_day,
    vocab_orders.amount AS c_amount
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
), nsm_window1 AS (
  SELECT
    p.period,
    SUM(r.c_amount) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_vocab_orders AS r
  WHERE
    r.nsm_day >= CASE
      WHEN CAST(STRFTIME('%d', DATE(DATE(p.period, '+7 days'), '-3 months')) AS INTEGER) < CAST(STRFTIME('%d', DATE(p.period, '+7 days')) AS INTEGER)
      THEN DATE(
        DATE(DATE(p.period, '+7 days'), '-3 months'),
        PRINTF(
          '-%d days',
          CAST(STRFTIME('%d', DATE(DATE(p.period, '+7 days'), '-3 months')) AS INTEGER)
        )
      )
      ELSE DATE(DATE(p.period, '+7 days'), '-3 months')
    END
    AND r.nsm_day < DATE(p.period, '+7 days')
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
  sp.period NULLS LAST
