WITH nsm_rows_probes AS (
  SELECT
    CAST(probes.happened_at AS DATE) AS period,
    probes.case_id AS g_case_id,
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
    g_case_id,
    COUNT(DISTINCT CASE WHEN f1 = 1 THEN c_user_id END) AS v1
  FROM nsm_rows_probes
  GROUP BY
    period,
    g_case_id
), nsm_converted1 AS (
  SELECT
    b.period,
    b.g_case_id,
    COUNT(DISTINCT b.c_user_id) AS value
  FROM nsm_rows_probes AS b
  JOIN nsm_rows_probes AS c
    ON c.c_user_id = b.c_user_id
  WHERE
    b.f1 = 1
    AND c.f2 = 1
    AND c.nsm_ts >= b.nsm_ts
    AND c.nsm_ts <= b.nsm_ts + INTERVAL '2' HOUR
  GROUP BY
    b.period,
    b.g_case_id
), nsm_segments AS (
  SELECT DISTINCT
    g_case_id
  FROM nsm_rows_probes
  WHERE
    f1 = 1
), nsm_spine AS (
  SELECT
    pr.period,
    sv.g_case_id
  FROM nsm_periods AS pr
  CROSS JOIN nsm_segments AS sv
)
SELECT
  sp.period AS period,
  sp.g_case_id AS case_id,
  CAST(COALESCE(l1.value, 0) AS DOUBLE) / NULLIF(CAST(COALESCE(l2.v1, 0) AS DOUBLE), 0) AS value
FROM nsm_spine AS sp
LEFT JOIN nsm_converted1 AS l1
  ON l1.period = sp.period AND l1.g_case_id IS NOT DISTINCT FROM sp.g_case_id
LEFT JOIN nsm_agg_probes AS l2
  ON l2.period = sp.period AND l2.g_case_id IS NOT DISTINCT FROM sp.g_case_id
ORDER BY
  sp.period NULLS LAST,
  sp.g_case_id NULLS LAST
