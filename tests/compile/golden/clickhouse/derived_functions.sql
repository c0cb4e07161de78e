WITH nsm_rows_invoices AS (
  SELECT
    toStartOfMonth(invoices.issued_at) AS period,
    invoices.amount AS c_amount
  FROM invoices AS invoices
  LEFT JOIN accounts AS accounts
    ON invoices.account_id = accounts.account_id
  WHERE
    NOT accounts.is_test AND NOT accounts.is_internal
), nsm_rows_events AS (
  SELECT
    toStartOfMonth(events.called_at) AS period,
    CASE WHEN events.environment = 'production' THEN 1 ELSE 0 END AS f1,
    CASE
      WHEN events.environment = 'production' AND events.status_code >= 500
      THEN 1
      ELSE 0
    END AS f2
  FROM events AS events
), nsm_rows_accounts AS (
  SELECT
    toStartOfMonth(accounts.created_at) AS period
  FROM accounts AS accounts
  WHERE
    NOT accounts.is_test AND NOT accounts.is_internal
), nsm_bounds AS (
  SELECT
    minOrNull(d.period) AS period_lo,
    maxOrNull(d.period) AS period_hi,
    minOrNull(d.period) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_invoices
    UNION ALL
    SELECT
      period
    FROM nsm_rows_events
    UNION ALL
    SELECT
      period
    FROM nsm_rows_accounts
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
), nsm_agg_invoices AS (
  SELECT
    period,
    SUM(c_amount) AS v1
  FROM nsm_rows_invoices
  GROUP BY
    period
), nsm_agg_events AS (
  SELECT
    period,
    COUNT(CASE WHEN f1 = 1 THEN 1 END) AS v1,
    COUNT(CASE WHEN f2 = 1 THEN 1 END) AS v2,
    COUNT(*) AS v3
  FROM nsm_rows_events
  GROUP BY
    period
), nsm_agg_accounts AS (
  SELECT
    period,
    COUNT(*) AS v1
  FROM nsm_rows_accounts
  GROUP BY
    period
)
SELECT
  sp.period AS period,
  (
    (
      (
        CAST(ROUND(
          accurateCastOrNull(
            ROUND(
              (
                CAST(COALESCE(COALESCE(l1.v1, 0), 0) AS Nullable(Float64)) / nullIf(CAST(nullIf(COALESCE(l2.v1, 0), 0) AS Nullable(Float64)), 0)
              ) * 100,
              9
            ),
            'Decimal(38, 9)'
          ),
          2
        ) AS Nullable(Float64)) + ABS(COALESCE(l2.v1, 0) - COALESCE(l2.v2, 0))
      ) - CASE
        WHEN COALESCE(l2.v1, 0) IS NULL
        OR COALESCE(l2.v2, 0) IS NULL
        OR COALESCE(l3.v1, 0) IS NULL
        THEN NULL
        WHEN COALESCE(l2.v1, 0) >= COALESCE(l2.v2, 0)
        AND COALESCE(l2.v1, 0) >= COALESCE(l3.v1, 0)
        THEN COALESCE(l2.v1, 0)
        WHEN COALESCE(l2.v2, 0) >= COALESCE(l3.v1, 0)
        THEN COALESCE(l2.v2, 0)
        ELSE COALESCE(l3.v1, 0)
      END
    ) + (
      CASE
        WHEN COALESCE(l2.v3, 0) IS NULL OR COALESCE(l2.v1, 0) IS NULL
        THEN NULL
        WHEN COALESCE(l2.v3, 0) <= COALESCE(l2.v1, 0)
        THEN COALESCE(l2.v3, 0)
        ELSE COALESCE(l2.v1, 0)
      END * -1
    )
  ) + (
    (
      COALESCE(l2.v1, 0) - 1
    ) * 2
  ) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_agg_invoices AS l1
  ON l1.period = sp.period
LEFT JOIN nsm_agg_events AS l2
  ON l2.period = sp.period
LEFT JOIN nsm_agg_accounts AS l3
  ON l3.period = sp.period
ORDER BY
  sp.period
SETTINGS join_use_nulls = 1, count_distinct_implementation = 'uniqExact'
