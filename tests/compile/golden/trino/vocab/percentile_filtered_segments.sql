WITH nsm_rows_vocab_orders AS (
  SELECT
    CAST(DATE_TRUNC('week', vocab_orders.ordered_at) AS DATE) AS period,
    vocab_orders.status AS g_status,
    vocab_orders.amount AS c_amount
  FROM vocab_orders AS vocab_orders
  WHERE
    vocab_orders.status = 'paid'
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
    u.period
  FROM nsm_bounds AS b
  CROSS JOIN UNNEST(SEQUENCE(b.period_from, GREATEST(b.period_from, b.period_hi), INTERVAL '7' DAY)) AS u(period)
  WHERE
    u.period <= b.period_hi
), nsm_percentile1 AS (
  SELECT
    r.period,
    r.g_status,
    MAX(
      CASE
        WHEN r.nsm_r * 100 <= 99 * r.nsm_m AND 99 * r.nsm_m < (
          r.nsm_r + 1
        ) * 100
        THEN r.nsm_x
      END
    ) + MAX(
      CASE
        WHEN r.nsm_r * 100 <= 99 * r.nsm_m AND 99 * r.nsm_m < (
          r.nsm_r + 1
        ) * 100
        THEN CAST(99 * r.nsm_m - r.nsm_r * 100 AS DOUBLE) / 100
      END
    ) * (
      MAX(
        CASE
          WHEN r.nsm_r * 100 < 99 * r.nsm_m + 100 AND 99 * r.nsm_m <= r.nsm_r * 100
          THEN r.nsm_x
        END
      ) - MAX(
        CASE
          WHEN r.nsm_r * 100 <= 99 * r.nsm_m AND 99 * r.nsm_m < (
            r.nsm_r + 1
          ) * 100
          THEN r.nsm_x
        END
      )
    ) AS value
  FROM (
    SELECT
      period,
      g_status,
      c_amount AS nsm_x,
      ROW_NUMBER() OVER (PARTITION BY period, g_status ORDER BY c_amount) - 1 AS nsm_r,
      COUNT(*) OVER (PARTITION BY period, g_status) - 1 AS nsm_m
    FROM nsm_rows_vocab_orders
    WHERE
      NOT c_amount IS NULL
  ) AS r
  GROUP BY
    r.period,
    r.g_status
), nsm_segments AS (
  SELECT DISTINCT
    g_status
  FROM nsm_rows_vocab_orders
), nsm_spine AS (
  SELECT
    pr.period,
    sv.g_status
  FROM nsm_periods AS pr
  CROSS JOIN nsm_segments AS sv
)
SELECT
  sp.period AS period,
  sp.g_status AS status,
  l1.value AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_percentile1 AS l1
  ON l1.period = sp.period AND l1.g_status IS NOT DISTINCT FROM sp.g_status
ORDER BY
  sp.period,
  sp.g_status
