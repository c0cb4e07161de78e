WITH nsm_rows_vocab_orders AS (
  SELECT
    DATEADD(
      DAY,
      -(
        DATEDIFF(DAY, CAST('1900-01-01' AS DATE), CAST(vocab_orders.ordered_at AS DATE)) % 7
      ),
      CAST(vocab_orders.ordered_at AS DATE)
    ) AS period
  FROM vocab_orders AS vocab_orders
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    MIN(d.period) AS period_from
  FROM (
    SELECT
      period AS period
    FROM nsm_rows_vocab_orders
  ) AS d
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    DATEADD(WEEK, 1, pr.period)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATEADD(WEEK, 1, pr.period) <= b.period_hi
), nsm_agg_vocab_orders AS (
  SELECT
    period AS period,
    COUNT(*) AS v1
  FROM nsm_rows_vocab_orders
  GROUP BY
    period
), nsm_year_ago AS (
  SELECT
    period AS period,
    CASE
      WHEN DATEADD(
        WEEK,
        53,
        DATEADD(
          DAY,
          -(
            DATEDIFF(
              DAY,
              CAST('1900-01-01' AS DATE),
              CAST(DATEADD(DAY, 3, DATEADD(MONTH, -12, DATEFROMPARTS(YEAR(DATEADD(DAY, 3, period)), 1, 1))) AS DATE)
            ) % 7
          ),
          CAST(DATEADD(DAY, 3, DATEADD(MONTH, -12, DATEFROMPARTS(YEAR(DATEADD(DAY, 3, period)), 1, 1))) AS DATE)
        )
      ) = DATEADD(
        DAY,
        -(
          DATEDIFF(
            DAY,
            CAST('1900-01-01' AS DATE),
            CAST(DATEADD(DAY, 3, DATEFROMPARTS(YEAR(DATEADD(DAY, 3, period)), 1, 1)) AS DATE)
          ) % 7
        ),
        CAST(DATEADD(DAY, 3, DATEFROMPARTS(YEAR(DATEADD(DAY, 3, period)), 1, 1)) AS DATE)
      )
      THEN DATEADD(WEEK, -53, period)
      WHEN DATEADD(WEEK, -52, period) < DATEADD(
        DAY,
        -(
          DATEDIFF(
            DAY,
            CAST('1900-01-01' AS DATE),
            CAST(DATEADD(DAY, 3, DATEFROMPARTS(YEAR(DATEADD(DAY, 3, period)), 1, 1)) AS DATE)
          ) % 7
        ),
        CAST(DATEADD(DAY, 3, DATEFROMPARTS(YEAR(DATEADD(DAY, 3, period)), 1, 1)) AS DATE)
      )
      THEN DATEADD(WEEK, -52, period)
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
  CAST(COALESCE(l1.v1, 0) - CASE WHEN nsm_year_ago.prior1 >= nsm_first.first1 THEN COALESCE(l2.v1, 0) END AS FLOAT) / NULLIF(
    CAST(CASE WHEN nsm_year_ago.prior1 >= nsm_first.first1 THEN COALESCE(l2.v1, 0) END AS FLOAT),
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
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period OPTION(
    MAXRECURSION 0
)
