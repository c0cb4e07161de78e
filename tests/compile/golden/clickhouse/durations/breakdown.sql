WITH nsm_rows_dur_accounts AS (
  SELECT
    toStartOfMonth(dur_accounts.signed_up_at) AS period,
    nullIf(dur_accounts.plan, dur_accounts.plan) AS g_plan,
    dur_accounts.signed_up_at AS nsm_ts,
    dur_accounts.account_id AS c_account_id,
    '' AS nsm_breakdown
  FROM dur_accounts AS dur_accounts
  UNION ALL
  SELECT
    toStartOfMonth(dur_accounts.signed_up_at) AS period,
    dur_accounts.plan AS g_plan,
    dur_accounts.signed_up_at AS nsm_ts,
    dur_accounts.account_id AS c_account_id,
    'plan' AS nsm_breakdown
  FROM dur_accounts AS dur_accounts
), nsm_rows_dur_calls AS (
  SELECT
    toStartOfMonth(dur_calls.called_at) AS period,
    dur_calls.called_at AS nsm_ts,
    dur_calls.account_id AS c_account_id
  FROM dur_calls AS dur_calls
  WHERE
    dur_calls.environment = 'production'
), nsm_bounds AS (
  SELECT
    minOrNull(d.period) AS period_lo,
    maxOrNull(d.period) AS period_hi,
    minOrNull(d.period) AS period_from
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
    addMonths(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  WHERE
    addMonths(toDate32(b.period_from), d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000) <= b.period_hi
), nsm_start1 AS (
  SELECT
    b.c_account_id AS nsm_entity,
    b.nsm_breakdown AS nsm_breakdown,
    minOrNull(b.nsm_ts) AS nsm_t0
  FROM nsm_rows_dur_accounts AS b
  WHERE
    NOT (
      b.c_account_id IS NULL
    ) AND NOT (
      b.nsm_ts IS NULL
    )
  GROUP BY
    b.c_account_id,
    b.nsm_breakdown
), nsm_entry1 AS (
  SELECT
    s.nsm_entity AS nsm_entity,
    s.nsm_breakdown AS nsm_breakdown,
    s.nsm_t0 AS nsm_t0,
    minOrNull(b.period) AS period,
    minOrNull(b.g_plan) AS g_plan,
    minOrNull(b.c_account_id) AS nsm_key
  FROM nsm_start1 AS s
  JOIN nsm_rows_dur_accounts AS b
    ON b.c_account_id = s.nsm_entity
    AND b.nsm_ts = s.nsm_t0
    AND b.nsm_breakdown = s.nsm_breakdown
  GROUP BY
    s.nsm_entity,
    s.nsm_breakdown,
    s.nsm_t0
), nsm_elapsed1 AS (
  SELECT
    e.period AS period,
    e.nsm_breakdown AS nsm_breakdown,
    e.g_plan AS g_plan,
    e.nsm_entity AS nsm_entity,
    minOrNull(dateDiff('second', e.nsm_t0, c.nsm_ts)) AS nsm_d
  FROM nsm_entry1 AS e
  JOIN nsm_rows_dur_calls AS c
    ON c.c_account_id = e.nsm_key
  WHERE
    dateDiff('second', e.nsm_t0, c.nsm_ts) >= 0
    AND dateDiff('second', e.nsm_t0, c.nsm_ts) <= 2592000
  GROUP BY
    e.period,
    e.nsm_breakdown,
    e.g_plan,
    e.nsm_entity
), nsm_durations1 AS (
  SELECT
    r.period AS period,
    r.nsm_breakdown AS nsm_breakdown,
    r.g_plan AS g_plan,
    (
      maxOrNull(
        CASE
          WHEN r.nsm_r * 10 <= 9 * r.nsm_m AND 9 * r.nsm_m < (
            r.nsm_r + 1
          ) * 10
          THEN r.nsm_x
        END
      ) + maxOrNull(
        CASE
          WHEN r.nsm_r * 10 <= 9 * r.nsm_m AND 9 * r.nsm_m < (
            r.nsm_r + 1
          ) * 10
          THEN CAST(9 * r.nsm_m - r.nsm_r * 10 AS Nullable(Float64)) / 10
        END
      ) * (
        maxOrNull(
          CASE
            WHEN r.nsm_r * 10 < 9 * r.nsm_m + 10 AND 9 * r.nsm_m <= r.nsm_r * 10
            THEN r.nsm_x
          END
        ) - maxOrNull(
          CASE
            WHEN r.nsm_r * 10 <= 9 * r.nsm_m AND 9 * r.nsm_m < (
              r.nsm_r + 1
            ) * 10
            THEN r.nsm_x
          END
        )
      )
    ) / 3600 AS value
  FROM (
    SELECT
      period,
      nsm_breakdown,
      g_plan,
      nsm_d AS nsm_x,
      ROW_NUMBER() OVER (PARTITION BY period, nsm_breakdown, g_plan ORDER BY nsm_d) - 1 AS nsm_r,
      COUNT(*) OVER (PARTITION BY period, nsm_breakdown, g_plan) - 1 AS nsm_m
    FROM nsm_elapsed1
    WHERE
      NOT (
        nsm_d IS NULL
      )
  ) AS r
  GROUP BY
    r.period,
    r.nsm_breakdown,
    r.g_plan
), nsm_segments AS (
  SELECT DISTINCT
    nsm_breakdown,
    g_plan
  FROM nsm_rows_dur_accounts
), nsm_spine AS (
  SELECT
    pr.period AS period,
    sv.nsm_breakdown AS nsm_breakdown,
    sv.g_plan AS g_plan
  FROM nsm_periods AS pr
  CROSS JOIN nsm_segments AS sv
)
SELECT
  sp.period AS period,
  sp.nsm_breakdown AS breakdown,
  sp.g_plan AS plan,
  l1.value AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_durations1 AS l1
  ON l1.period = sp.period
  AND l1.nsm_breakdown IS NOT DISTINCT FROM sp.nsm_breakdown
  AND l1.g_plan IS NOT DISTINCT FROM sp.g_plan
ORDER BY
  sp.period,
  sp.nsm_breakdown,
  sp.g_plan
SETTINGS join_use_nulls = 1, count_distinct_implementation = 'uniqExact'
