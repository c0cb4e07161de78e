WITH nsm_rows_probes AS (
  SELECT
    CAST(probes.happened_at AS DATE) AS period,
    probes.happened_at AS nsm_ts,
    probes.user_id AS c_user_id,
    CASE WHEN probes.kind = 'base' THEN 1 ELSE 0 END AS f1,
    CASE WHEN probes.kind = 'action' THEN 1 ELSE 0 END AS f2
  FROM probes AS probes
  WHERE
    (
      probes.kind = 'base' OR probes.kind = 'action'
    )
), nsm_bounds AS (
  SELECT
    MIN(d.period) AS period_lo,
    MAX(d.period) AS period_hi,
    MIN(d.period) AS period_from
  FROM (
    SELECT
      period
    FROM nsm_rows_probes
    WHERE
      f1 = 1
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
    CAST(DATEADD(DAY, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000 + d4.n * 10000, b.period_from) AS DATE) AS period
  FROM nsm_bounds AS b
  CROSS JOIN nsm_digits AS d0
  CROSS JOIN nsm_digits AS d1
  CROSS JOIN nsm_digits AS d2
  CROSS JOIN nsm_digits AS d3
  CROSS JOIN nsm_digits AS d4
  WHERE
    CAST(DATEADD(DAY, d0.n + d1.n * 10 + d2.n * 100 + d3.n * 1000 + d4.n * 10000, b.period_from) AS DATE) <= b.period_hi
), nsm_agg_probes AS (
  SELECT
    period,
    COUNT(DISTINCT CASE WHEN f1 = 1 THEN c_user_id END) AS v1
  FROM nsm_rows_probes
  GROUP BY
    period
), nsm_converted1 AS (
  SELECT
    b.period,
    COUNT(DISTINCT b.c_user_id) AS value
  FROM nsm_rows_probes AS b
  JOIN nsm_rows_probes AS c
    ON c.c_user_id = b.c_user_id
  WHERE
    b.f1 = 1
    AND c.f2 = 1
    AND c.nsm_ts >= b.nsm_ts
    AND c.nsm_ts < DATEADD(HOUR, 2, b.nsm_ts)
  GROUP BY
    b.period
)
SELECT
  sp.period AS period,
  CAST(COALESCE(l1.value, 0) AS DOUBLE PRECISION) / NULLIF(CAST(COALESCE(l2.v1, 0) AS DOUBLE PRECISION), 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_converted1 AS l1
  ON l1.period = sp.period
LEFT JOIN nsm_agg_probes AS l2
  ON l2.period = sp.period
ORDER BY
  sp.period
