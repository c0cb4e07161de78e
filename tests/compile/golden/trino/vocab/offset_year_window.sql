WITH nsm_rows_vocab_orders AS (
  SELECT
    CAST(DATE_TRUNC('week', vocab_orders.ordered_at) AS DATE) AS period,
    CAST(vocab_orders.ordered_at AS DATE) AS nsm_day
  FROM vocab_orders AS vocab_orders
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    DATE_ADD('week', -53, MIN(d.period)) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_vocab_orders
  ) AS d
), nsm_periods AS (
  SELECT
    u.period
  FROM nsm_bounds AS b
  CROSS JOIN UNNEST(SEQUENCE(b.period_from, GREATEST(b.period_from, b.period_hi), INTERVAL '7' DAY)) AS u(period)
  WHERE
    u.period <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_vocab_orders AS r
  WHERE
    r.nsm_day >= DATE_ADD('day', -28, DATE_ADD('week', 1, p.period))
    AND r.nsm_day < DATE_ADD('week', 1, p.period)
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
      WHEN DATE_ADD(
        'week',
        53,
        CAST(DATE_TRUNC(
          'week',
          DATE_ADD(
            'day',
            3,
            DATE_ADD('month', -12, CAST(DATE_TRUNC('year', DATE_ADD('day', 3, period)) AS DATE))
          )
        ) AS DATE)
      ) = CAST(DATE_TRUNC(
        'week',
        DATE_ADD('day', 3, CAST(DATE_TRUNC('year', DATE_ADD('day', 3, period)) AS DATE))
      ) AS DATE)
      THEN DATE_ADD('week', -53, period)
      WHEN DATE_ADD('week', -52, period) < CAST(DATE_TRUNC(
        'week',
        DATE_ADD('day', 3, CAST(DATE_TRUNC('year', DATE_ADD('day', 3, period)) AS DATE))
      ) AS DATE)
      THEN DATE_ADD('week', -52, period)
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
