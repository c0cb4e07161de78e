WITH nsm_rows_vocab_orders AS (
  SELECT
    toStartOfMonth(vocab_orders.ordered_at) AS period,
    vocab_orders.amount AS c_amount
  FROM vocab_orders AS vocab_orders
), nsm_bounds AS (
  SELECT
    minOrNull(d.period) AS period_lo,
    maxOrNull(d.period) AS period_hi,
    minOrNull(d.period) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_vocab_orders
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
), nsm_percentile1 AS (
  SELECT
    r.period AS period,
    maxOrNull(
      CASE
        WHEN r.nsm_r * 2 <= 1 * r.nsm_m AND 1 * r.nsm_m < (
          r.nsm_r + 1
        ) * 2
        THEN r.nsm_x
      END
    ) + maxOrNull(
      CASE
        WHEN r.nsm_r * 2 <= 1 * r.nsm_m AND 1 * r.nsm_m < (
          r.nsm_r + 1
        ) * 2
        THEN CAST(1 * r.nsm_m - r.nsm_r * 2 AS Nullable(Float64)) / 2
      END
    ) * (
      maxOrNull(
        CASE
          WHEN r.nsm_r * 2 < 1 * r.nsm_m + 2 AND 1 * r.nsm_m <= r.nsm_r * 2
          THEN r.nsm_x
        END
      ) - maxOrNull(
        CASE
          WHEN r.nsm_r * 2 <= 1 * r.nsm_m AND 1 * r.nsm_m < (
            r.nsm_r + 1
          ) * 2
          THEN r.nsm_x
        END
      )
    ) AS value
  FROM (
    SELECT
      period,
      c_amount AS nsm_x,
      ROW_NUMBER() OVER (PARTITION BY period ORDER BY c_amount) - 1 AS nsm_r,
      COUNT(*) OVER (PARTITION BY period) - 1 AS nsm_m
    FROM nsm_rows_vocab_orders
    WHERE
      NOT (
        c_amount IS NULL
      )
  ) AS r
  GROUP BY
    r.period
)
SELECT
  sp.period AS period,
  l1.value AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_percentile1 AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period
SETTINGS join_use_nulls = 1, count_distinct_implementation = 'uniqExact'
