WITH nsm_rows_vocab_orders AS (
  SELECT
    toMonday(vocab_orders.ordered_at) AS period,
    toDate(vocab_orders.ordered_at) AS nsm_day
  FROM vocab_orders AS vocab_orders
), nsm_bounds AS (
  SELECT
    minOrNull(d.period) AS period_lo,
    maxOrNull(d.period) AS period_hi,
    addWeeks(toDate32(minOrNull(d.period)), -53) AS period_from
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
    addWeeks(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  WHERE
    addWeeks(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000) <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period AS period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_vocab_orders AS r
  WHERE
    r.nsm_day >= addDays(toDate32(addWeeks(toDate32(p.period), 1)), -28)
    AND r.nsm_day < addWeeks(toDate32(p.period), 1)
  GROUP BY
    p.period
), nsm_spine AS (
  SELECT
    pr.period AS period
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    pr.period >= b.period_lo
), nsm_year_ago AS (
  SELECT
    period,
    CASE
      WHEN addWeeks(
        toDate32(
          toMonday(
            addDays(toDate32(addMonths(toDate32(toStartOfYear(addDays(toDate32(period), 3))), -12)), 3)
          )
        ),
        53
      ) = toMonday(addDays(toDate32(toStartOfYear(addDays(toDate32(period), 3))), 3))
      THEN addWeeks(toDate32(period), -53)
      WHEN addWeeks(toDate32(period), -52) < toMonday(addDays(toDate32(toStartOfYear(addDays(toDate32(period), 3))), 3))
      THEN addWeeks(toDate32(period), -52)
    END AS prior1
  FROM nsm_periods
), nsm_first AS (
  SELECT
    (
      SELECT
        minOrNull(period)
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
SETTINGS join_use_nulls = 1, count_distinct_implementation = 'uniqExact'
