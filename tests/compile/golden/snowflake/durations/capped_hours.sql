WITH nsm_rows_dur_accounts AS (
  SELECT
    CAST(dur_accounts.signed_up_at AS DATE) AS period,
    dur_accounts.signed_up_at AS nsm_ts,
    dur_accounts.account_id AS c_account_id
  FROM dur_accounts AS dur_accounts
), nsm_rows_dur_calls AS (
  SELECT
    CAST(dur_calls.called_at AS DATE) AS period,
    dur_calls.called_at AS nsm_ts,
    dur_calls.account_id AS c_account_id
  FROM dur_calls AS dur_calls
  WHERE
    dur_calls.environment = 'production'
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    MIN(d.period) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_dur_accounts
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
    DATEADD(DAY, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000 + d4.n * 10000, b.period_from) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  CROSS JOIN nsm_digits AS d4
  WHERE
    DATEADD(DAY, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000 + d4.n * 10000, b.period_from) <= b.period_hi
), nsm_start1 AS (
  SELECT
    b.c_account_id AS nsm_entity,
    MIN(b.nsm_ts) AS nsm_t0
  FROM nsm_rows_dur_accounts AS b
  WHERE
    NOT b.c_account_id IS NULL AND NOT b.nsm_ts IS NULL
  GROUP BY
    b.c_account_id
), nsm_entry1 AS (
  SELECT
    s.nsm_entity,
    s.nsm_t0,
    MIN(b.period) AS period,
    MIN(b.c_account_id) AS nsm_key
  FROM nsm_start1 AS s
  JOIN nsm_rows_dur_accounts AS b
    ON b.c_account_id = s.nsm_entity AND b.nsm_ts = s.nsm_t0
  GROUP BY
    s.nsm_entity,
    s.nsm_t0
), nsm_elapsed1 AS (
  SELECT
    e.period,
    e.nsm_entity,
    MIN(DATEDIFF(SECOND, e.nsm_t0, c.nsm_ts)) AS nsm_d
  FROM nsm_entry1 AS e
  JOIN nsm_rows_dur_calls AS c
    ON c.c_account_id = e.nsm_key
  WHERE
    DATEDIFF(SECOND, e.nsm_t0, c.nsm_ts) >= 0
    AND DATEDIFF(SECOND, e.nsm_t0, c.nsm_ts) < 7200
  GROUP BY
    e.period,
    e.nsm_entity
), nsm_durations1 AS (
  SELECT
    r.period,
    MAX(
      CASE
        WHEN r.nsm_r * 1 <= 1 * r.nsm_m AND 1 * r.nsm_m < (
          r.nsm_r + 1
        ) * 1
        THEN r.nsm_x
      END
    ) + MAX(
      CASE
        WHEN r.nsm_r * 1 <= 1 * r.nsm_m AND 1 * r.nsm_m < (
          r.nsm_r + 1
        ) * 1
        THEN CAST(1 * r.nsm_m - r.nsm_r * 1 AS DOUBLE) / 1
      END
    ) * (
      MAX(
        CASE
          WHEN r.nsm_r * 1 < 1 * r.nsm_m + 1 AND 1 * r.nsm_m <= r.nsm_r * 1
          THEN r.nsm_x
        END
      ) - MAX(
        CASE
          WHEN r.nsm_r * 1 <= 1 * r.nsm_m AND 1 * r.nsm_m < (
            r.nsm_r + 1
          ) * 1
          THEN r.nsm_x
        END
      )
    ) AS value
  FROM (
    SELECT
      period,
      nsm_d AS nsm_x,
      ROW_NUMBER() OVER (PARTITION BY period ORDER BY nsm_d) - 1 AS nsm_r,
      COUNT(*) OVER (PARTITION BY period) - 1 AS nsm_m
    FROM nsm_elapsed1
    WHERE
      NOT nsm_d IS NULL
  ) AS r
  GROUP BY
    r.period
)
SELECT
  sp.period AS period,
  l1.value AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_durations1 AS l1
  ON l1.period = sp.period
ORDER BY
  sp.period
