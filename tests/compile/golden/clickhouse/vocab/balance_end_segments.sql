WITH nsm_rows_vocab_subscriptions AS (
  SELECT
    toStartOfMonth(vocab_subscriptions.observed_at) AS period,
    vocab_subscriptions.plan AS g_plan,
    vocab_subscriptions.observed_at AS nsm_ts,
    vocab_subscriptions.mrr AS c_mrr,
    vocab_subscriptions.customer_id AS c_customer_id
  FROM vocab_subscriptions AS vocab_subscriptions
), nsm_bounds AS (
  SELECT
    minOrNull(d.period) AS period_lo,
    maxOrNull(d.period) AS period_hi,
    minOrNull(d.period) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_vocab_subscriptions
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
    addMonths(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  WHERE
    addMonths(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000) <= b.period_hi
), nsm_balance1 AS (
  SELECT
    r.period AS period,
    r.g_plan AS g_plan,
    SUM(r.nsm_x) AS value
  FROM (
    SELECT
      period,
      g_plan,
      c_mrr AS nsm_x,
      ROW_NUMBER() OVER (PARTITION BY period, c_customer_id ORDER BY nsm_ts DESC, c_mrr DESC) AS nsm_r
    FROM nsm_rows_vocab_subscriptions
    WHERE
      NOT (
        c_mrr IS NULL
      ) AND NOT (
        c_customer_id IS NULL
      )
  ) AS r
  WHERE
    r.nsm_r = 1
  GROUP BY
    r.period,
    r.g_plan
), nsm_segments AS (
  SELECT DISTINCT
    g_plan
  FROM nsm_rows_vocab_subscriptions
), nsm_spine AS (
  SELECT
    pr.period AS period,
    sv.g_plan AS g_plan
  FROM nsm_periods AS pr
  CROSS JOIN nsm_segments AS sv
)
SELECT
  sp.period AS period,
  sp.g_plan AS plan,
  COALESCE(l1.value, 0) AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_balance1 AS l1
  ON l1.period = sp.period AND l1.g_plan IS NOT DISTINCT FROM sp.g_plan
ORDER BY
  sp.period,
  sp.g_plan
SETTINGS join_use_nulls = 1, count_distinct_implementation = 'uniqExact'
