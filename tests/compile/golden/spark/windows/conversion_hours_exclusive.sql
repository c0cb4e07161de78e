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
), nsm_periods AS (
  SELECT
    EXPLODE(SEQUENCE(b.period_from, GREATEST(b.period_from, b.period_hi), INTERVAL 1 DAY)) AS period
  FROM nsm_bounds AS b
  WHERE
    b.period_from <= b.period_hi
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
    AND c.nsm_ts < b.nsm_ts + INTERVAL '2' HOUR
  GROUP BY
    b.period
)
SELECT
  sp.period AS period,
  CAST(COALESCE(l1.value, 0) AS DOUBLE) / NULLIF(CAST(COALESCE(l2.v1, 0) AS DOUBLE), 0) AS value
FROM nsm_periods AS sp
LEFT JOIN nsm_converted1 AS l1
  ON l1.period = sp.period
LEFT JOIN nsm_agg_probes AS l2
  ON l2.period = sp.period
ORDER BY
  sp.period NULLS LAST
