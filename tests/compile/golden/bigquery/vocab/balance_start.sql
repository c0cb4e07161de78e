WITH nsm_rows_vocab_subscriptions AS (
  SELECT
    DATE_TRUNC(CAST(vocab_subscriptions.observed_at AS DATE), ISOWEEK) AS period,
    vocab_subscriptions.observed_at AS nsm_ts,
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
), nsm_periods AS (
  SELECT
    period
  FROM nsm_bounds AS b
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(b.period_from, b.period_hi, INTERVAL 1 WEEK)) AS period
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
