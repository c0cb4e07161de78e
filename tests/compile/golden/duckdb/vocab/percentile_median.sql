WITH RECURSIVE nsm_rows_vocab_orders AS (
  SELECT
    CAST(DATE_TRUNC('month', vocab_orders.ordered_at) AS DATE) AS period,
    vocab_orders.amount AS c_amount
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
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    CAST(pr.period + INTERVAL 1 MONTH AS DATE)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    CAST(pr.period + INTERVAL 1 MONTH AS DATE) <= b.period_hi
), nsm_percentile1 AS (
  SELECT
    r.period,
    MAX(
      CASE
        WHEN r.nsm_r * 2 <= 1 * r.nsm_m AND 1 * r.nsm_m < (
          r.nsm_r + 1
        ) * 2
        THEN r.nsm_x
      END
    ) + MAX(
      CASE
        WHEN r.nsm_r * 2 <= 1 * r.nsm_m AND 1 * r.nsm_m < (
          r.nsm_r + 1
        ) * 2
        THEN CAST(1 * r.nsm_m - r.nsm_r * 2 AS DOUBLE) / 2
      END
    ) * (
      MAX(
        CASE
          WHEN r.nsm_r * 2 < 1 * r.nsm_m + 2 AND 1 * r.nsm_m <= r.nsm_r * 2
          THEN r.nsm_x
        END
      ) - MAX(
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
      NOT c_amount IS NULL
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
