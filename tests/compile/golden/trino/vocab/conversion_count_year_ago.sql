WITH nsm_rows_vocab_customers AS (
  SELECT
    CAST(DATE_TRUNC('week', vocab_customers.signed_up_at) AS DATE) AS period,
    vocab_customers.signed_up_at AS nsm_ts,
    vocab_customers.customer_id AS c_customer_id
  FROM vocab_customers AS vocab_customers
), nsm_rows_vocab_orders AS (
  SELECT
    CAST(DATE_TRUNC('week', vocab_orders.ordered_at) AS DATE) AS period,
    vocab_orders.ordered_at AS nsm_ts,
    vocab_orders.customer_id AS c_customer_id
  FROM vocab_orders AS vocab_orders
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    MIN(d.period) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_vocab_customers
  ) AS d
), nsm_periods AS (
  SELECT
    u.period
  FROM nsm_bounds AS b
  CROSS JOIN UNNEST(SEQUENCE(b.period_from, GREATEST(b.period_from, b.period_hi), INTERVAL '7' DAY)) AS u(period)
  WHERE
    u.period <= b.period_hi
), nsm_converted1 AS (
  SELECT
    b.period,
    COUNT(DISTINCT b.c_customer_id) AS value
  FROM nsm_rows_vocab_customers AS b
  JOIN nsm_rows_vocab_orders AS c
    ON c.c_customer_id = b.c_customer_id
  WHERE
    c.nsm_ts >= b.nsm_ts AND c.nsm_ts <= DATE_ADD('day', 14, b.nsm_ts)
  GROUP BY
    b.period
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
