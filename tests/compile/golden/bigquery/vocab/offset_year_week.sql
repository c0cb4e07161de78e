WITH nsm_rows_vocab_orders AS (
  SELECT
    DATE_TRUNC(CAST(vocab_orders.ordered_at AS DATE), ISOWEEK) AS period
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
), nsm_periods AS (
  SELECT
    period
  FROM nsm_bounds AS b
  CROSS JOIN UNNEST(GENERATE_DATE_ARRAY(b.period_from, b.period_hi, INTERVAL 1 WEEK)) AS period
), nsm_agg_vocab_orders AS (
  SELECT
    period,
    COUNT(*) AS v1
  FROM nsm_rows_vocab_orders
  GROUP BY
    period
), nsm_year_ago AS (
  SELECT
    period,
    CASE
      WHEN DATE_ADD(
        DATE_TRUNC(
          CAST(DATE_ADD(
            DATE_ADD(
              DATE_TRUNC(CAST(DATE_ADD(period, INTERVAL 3 DAY) AS DATE), YEAR),
              INTERVAL -12 MONTH
            ),
            INTERVAL 3 DAY
          ) AS DATE),
          ISOWEEK
        ),
        INTERVAL 53 WEEK
      ) = DATE_TRUNC(
        CAST(DATE_ADD(DATE_TRUNC(CAST(DATE_ADD(period, INTERVAL 3 DAY) AS DATE), YEAR), INTERVAL 3 DAY) AS DATE),
        ISOWEEK
      )
      THEN DATE_ADD(period, INTERVAL -53 WEEK)
      WHEN DATE_ADD(period, INTERVAL -52 WEEK) < DATE_TRUNC(
        CAST(DATE_ADD(DATE_TRUNC(CAST(DATE_ADD(period, INTERVAL 3 DAY) AS DATE), YEAR), INTERVAL 3 DAY) AS DATE),
        ISOWEEK
      )
      THEN DATE_ADD(period, INTERVAL -52 WEEK)
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
  CAST(COALESCE(l1.v1, 0) - CASE WHEN nsm_year_ago.prior1 >= nsm_first.first1 THEN COALESCE(l2.v1, 0) END AS FLOAT64) / NULLIF(
    CAST(CASE WHEN nsm_year_ago.prior1 >= nsm_first.first1 THEN COALESCE(l2.v1, 0) END AS FLOAT64),
    0
  ) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_year_ago AS nsm_year_ago
  ON nsm_year_ago.period = sp.period
LEFT JOIN nsm_agg_vocab_orders AS l1
  ON l1.period = sp.period
LEFT JOIN nsm_agg_vocab_orders AS l2
  ON l2.period = nsm_year_ago.prior1
CROSS JOIN nsm_first AS nsm_first
ORDER BY
  sp.period NULLS LAST
