WITH RECURSIVE nsm_rows_dur_accounts AS (
  SELECT
    DATE(dur_accounts.signed_up_at) AS period,
    dur_accounts.signed_up_at AS nsm_ts,
    dur_accounts.account_id AS c_account_id
  FROM dur_accounts AS dur_accounts
), nsm_rows_dur_calls AS (
  SELECT
    DATE(dur_calls.called_at) AS period,
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
), nsm_periods(period) AS (
  SELECT
    b.period_from AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
  UNION ALL
  SELECT
    DATE_ADD(pr.period, INTERVAL 1 DAY)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATE_ADD(pr.period, INTERVAL 1 DAY) <= b.period_hi
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
    MIN(
      TIMESTAMPDIFF(
        SECOND,
        DATE_FORMAT(e.nsm_t0, '%Y-%m-%d %H:%i:%s'),
        DATE_FORMAT(c.nsm_ts, '%Y-%m-%d %H:%i:%s')
      )
    ) AS nsm_d
  FROM nsm_entry1 AS e
  JOIN nsm_rows_dur_calls AS c
    ON c.c_account_id = e.nsm_key
  WHERE
    TIMESTAMPDIFF(
      SECOND,
      DATE_FORMAT(e.nsm_t0, '%Y-%m-%d %H:%i:%s'),
      DATE_FORMAT(c.nsm_ts, '%Y-%m-%d %H:%i:%s')
    ) >= 0
    AND TIMESTAMPDIFF(
      SECOND,
      DATE_FORMAT(e.nsm_t0, '%Y-%m-%d %H:%i:%s'),
      DATE_FORMAT(c.nsm_ts, '%Y-%m-%d %H:%i:%s')
    ) < 7200
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
      ROW_NUMBER() OVER (PARTITION BY period ORDER BY CASE WHEN nsm_d IS NULL THEN 1 ELSE 0 END, nsm_d) - 1 AS nsm_r,
      COUNT(*) OVER (PARTITION BY period) - 1 AS nsm_m
    FROM nsm_elapsed1
    WHERE
      NOT nsm_d IS NULL
  ) AS r
  GROUP BY
    r.period
)
SELECT /*+ SET_VAR(cte_max_recursion_depth = 1000000) */
  sp.period AS period,
  l1.value AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_durations1 AS l1
  ON l1.period = sp.period
ORDER BY
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period
