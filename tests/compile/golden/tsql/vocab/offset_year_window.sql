WITH nsm_rows_vocab_orders AS (
  SELECT
    DATEADD(
      DAY,
      -(
        DATEDIFF(DAY, CAST('1900-01-01' AS DATE), CAST(vocab_orders.ordered_at AS DATE)) % 7
      ),
      CAST(vocab_orders.ordered_at AS DATE)
    ) AS period,
    CAST(vocab_orders.ordered_at AS DATE) AS nsm_day
  FROM vocab_orders AS vocab_orders
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    DATEADD(WEEK, -53, MIN(d.period)) AS period_from
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
), nsm_window1 AS (
  SELECT
    p.period AS period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_vocab_orders AS r
  WHERE
    r.nsm_day >= DATEADD(DAY, -28, DATEADD(WEEK, 1, p.period))
    AND r.nsm_day < DATEADD(WEEK, 1, p.period)
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
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period OPTION(
    MAXRECURSION 0
)
