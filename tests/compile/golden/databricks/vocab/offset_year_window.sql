WITH nsm_rows_vocab_orders AS (
  SELECT
    CAST(DATE_TRUNC('week', vocab_orders.ordered_at) AS DATE) AS period,
    CAST(vocab_orders.ordered_at AS DATE) AS nsm_day
  FROM vocab_orders AS vocab_orders
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    DATE_ADD(MIN(d.period), (
      -53
    ) * 7) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_vocab_orders
  ) AS d
), nsm_periods AS (
  SELECT
    EXPLODE(SEQUENCE(b.period_from, GREATEST(b.period_from, b.period_hi), INTERVAL 1 WEEK)) AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_vocab_orders AS r
  WHERE
    r.nsm_day >= DATE_ADD(DATE_ADD(p.period, 7), -28)
    AND r.nsm_day < DATE_ADD(p.period, 7)
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
        CAST(DATE_TRUNC(
          'week',
          DATE_ADD(ADD_MONTHS(CAST(DATE_TRUNC('year', DATE_ADD(period, 3)) AS DATE), -12), 3)
        ) AS DATE),
        371
      ) = CAST(DATE_TRUNC('week', DATE_ADD(CAST(DATE_TRUNC('year', DATE_ADD(period, 3)) AS DATE), 3)) AS DATE)
      THEN DATE_ADD(period, (
        -53
      ) * 7)
      WHEN DATE_ADD(period, (
        -52
      ) * 7) < CAST(DATE_TRUNC('week', DATE_ADD(CAST(DATE_TRUNC('year', DATE_ADD(period, 3)) AS DATE), 3)) AS DATE)
      THEN DATE_ADD(period, (
        -52
      ) * 7)
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
