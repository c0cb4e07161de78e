WITH nsm_rows_vocab_customers AS (
  SELECT
    toMonday(vocab_customers.signed_up_at) AS period,
    vocab_customers.signed_up_at AS nsm_ts,
    vocab_customers.customer_id AS c_customer_id
  FROM vocab_customers AS vocab_customers
), nsm_rows_vocab_orders AS (
  SELECT
    toMonday(vocab_orders.ordered_at) AS period,
    vocab_orders.ordered_at AS nsm_ts,
    vocab_orders.customer_id AS c_customer_id
  FROM vocab_orders AS vocab_orders
), nsm_bounds AS (
  SELECT
    minOrNull(d.period) AS period_lo,
    maxOrNull(d.period) AS period_hi,
    minOrNull(d.period) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_vocab_customers
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
), nsm_converted1 AS (
  SELECT
    b.period AS period,
    COUNT(DISTINCT b.c_customer_id) AS value
  FROM nsm_rows_vocab_customers AS b
  JOIN nsm_rows_vocab_orders AS c
    ON c.c_customer_id = b.c_customer_id
  WHERE
    c.nsm_ts >= b.nsm_ts AND c.nsm_ts <= addDays(b.nsm_ts, 14)
  GROUP BY
    b.period
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
      FROM nsm_rows_vocab_customers
    ) AS first1
)
SELECT
  sp.period AS period,
  COALESCE(l1.value, 0) - CASE WHEN nsm_year_ago.prior1 >= nsm_first.first1 THEN COALESCE(l2.value, 0) END AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_year_ago AS nsm_year_ago
  ON nsm_year_ago.period = sp.period
LEFT JOIN nsm_converted1 AS l1
  ON l1.period = sp.period
LEFT JOIN nsm_converted1 AS l2
  ON l2.period = nsm_year_ago.prior1
CROSS JOIN nsm_first AS nsm_first
ORDER BY
  sp.period
SETTINGS join_use_nulls = 1, count_distinct_implementation = 'uniqExact'
