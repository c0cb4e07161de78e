WITH RECURSIVE nsm_rows_vocab_orders AS (
  SELECT
    DATE_SUB(DATE(vocab_orders.ordered_at), INTERVAL (
      WEEKDAY(vocab_orders.ordered_at)
    ) DAY) AS period,
    DATE(vocab_orders.ordered_at) AS nsm_day
  FROM vocab_orders AS vocab_orders
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    DATE_ADD(MIN(d.period), INTERVAL -53 WEEK) AS period_from
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
    DATE_ADD(pr.period, INTERVAL 1 WEEK)
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    DATE_ADD(pr.period, INTERVAL 1 WEEK) <= b.period_hi
), nsm_window1 AS (
  SELECT
    p.period,
    COUNT(*) AS value
  FROM nsm_periods AS p
  CROSS JOIN nsm_rows_vocab_orders AS r
  WHERE
    r.nsm_day >= DATE_ADD(DATE_ADD(p.period, INTERVAL 1 WEEK), INTERVAL -28 DAY)
    AND r.nsm_day < DATE_ADD(p.period, INTERVAL 1 WEEK)
  GROUP BY
    p.period
), nsm_spine AS (
  SELECT
    pr.period
  FROM nsm_periods AS pr
  CROSS JOIN nsm_bounds AS b
  WHERE
    pr.period >= b.period_lo
), nsm_year_ago AS (
  SELECT
    period,
    CASE
      WHEN DATE_ADD(
        DATE_SUB(
          DATE(
            DATE_ADD(
              DATE_ADD(MAKEDATE(YEAR(DATE_ADD(period, INTERVAL 3 DAY)), 1), INTERVAL -12 MONTH),
              INTERVAL 3 DAY
            )
          ),
          INTERVAL (
            WEEKDAY(
              DATE_ADD(
                DATE_ADD(MAKEDATE(YEAR(DATE_ADD(period, INTERVAL 3 DAY)), 1), INTERVAL -12 MONTH),
                INTERVAL 3 DAY
              )
            )
          ) DAY
        ),
        INTERVAL 53 WEEK
      ) = DATE_SUB(
        DATE(DATE_ADD(MAKEDATE(YEAR(DATE_ADD(period, INTERVAL 3 DAY)), 1), INTERVAL 3 DAY)),
        INTERVAL (
          WEEKDAY(DATE_ADD(MAKEDATE(YEAR(DATE_ADD(period, INTERVAL 3 DAY)), 1), INTERVAL 3 DAY))
        ) DAY
      )
      THEN DATE_ADD(period, INTERVAL -53 WEEK)
      WHEN DATE_ADD(period, INTERVAL -52 WEEK) < DATE_SUB(
        DATE(DATE_ADD(MAKEDATE(YEAR(DATE_ADD(period, INTERVAL 3 DAY)), 1), INTERVAL 3 DAY)),
        INTERVAL (
          WEEKDAY(DATE_ADD(MAKEDATE(YEAR(DATE_ADD(period, INTERVAL 3 DAY)), 1), INTERVAL 3 DAY))
        ) DAY
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
SELECT /*+ SET_VAR(cte_max_recursion_depth = 1000000) */
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
  CASE WHEN sp.period IS NULL THEN 1 ELSE 0 END, sp.period
