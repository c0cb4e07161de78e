WITH RECURSIVE nsm_rows_vocab_subscriptions AS (
  SELECT
    DATE(vocab_subscriptions.observed_at, 'start of month') AS period,
    vocab_subscriptions.plan AS g_plan,
    DATETIME(vocab_subscriptions.observed_at) AS nsm_ts,
    vocab_subscriptions.mrr AS c_mrr,
    vocab_subscriptions.customer_id AS c_customer_id
  FROM vocab_subscriptions AS vocab_subscriptions
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    MIN(d.period) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_vocab_subscriptions
  ) AS d
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    DATE(pr.period, '+1 months')
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATE(pr.period, '+1 months') <= b.period_hi
), nsm_balance1 AS (
  SELECT
    r.period,
    r.g_plan,
    SUM(r.nsm_x) AS value
  FROM (
    SELECT
      period,
      g_plan,
      c_mrr AS nsm_x,
      ROW_NUMBER() OVER (PARTITION BY period, c_customer_id ORDER BY nsm_ts DESC, c_mrr DESC) AS nsm_r
    FROM nsm_rows_vocab_subscriptions
    WHERE
      NOT c_mrr IS NULL AND NOT c_customer_id IS NULL
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
    pr.period,
    sv.g_plan
  FROM nsm_periods AS pr
  CROSS JOIN nsm_segments AS sv
)
SELECT
  sp.period AS period,
  sp.g_plan AS plan,
  COALESCE(l1.value, 0) AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_balance1 AS l1
  ON l1.period = sp.period AND l1.g_plan IS sp.g_plan
ORDER BY
  sp.period NULLS LAST,
  sp.g_plan NULLS LAST
