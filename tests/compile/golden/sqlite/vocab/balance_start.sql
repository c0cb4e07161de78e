WITH RECURSIVE nsm_rows_vocab_subscriptions AS (
  SELECT
    DATE(vocab_subscriptions.observed_at, 'weekday 0', '-6 days') AS period,
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
    DATE(pr.period, '+7 days')
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATE(pr.period, '+7 days') <= b.period_hi
), nsm_balance1 AS (
  SELECT
    r.period,
    SUM(r.nsm_x) AS value
  FROM (
    SELECT
      period,
      c_mrr AS nsm_x,
      ROW_NUMBER() OVER (PARTITION BY period, c_customer_id ORDER BY nsm_ts ASC NULLS LAST, c_mrr DESC) AS nsm_r
    FROM nsm_rows_vocab_subscriptions
    WHERE
      NOT c_mrr IS NULL AND NOT c_customer_id IS NULL
  ) AS r
  WHERE
    r.nsm_r = 1
  GROUP BY
    r.period
)
SELECT
  sp.period AS period,
  COALESCE(l1.value, 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_balance1 AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period NULLS LAST
