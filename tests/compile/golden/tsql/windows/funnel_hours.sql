WITH nsm_f_anchor AS (
  SELECT
    probes.happened_at AS nsm_ts,
    probes.user_id AS nsm_entity,
    probes.case_id AS g_case_id
  FROM probes AS probes
  WHERE
    probes.kind = 'base'
    AND NOT probes.user_id IS NULL
    AND NOT probes.happened_at IS NULL
), nsm_f_events1 AS (
  SELECT
    probes.happened_at AS nsm_ts,
    probes.user_id AS nsm_entity
  FROM probes AS probes
  WHERE
    probes.kind = 'action'
    AND NOT probes.user_id IS NULL
    AND NOT probes.happened_at IS NULL
), nsm_f_first AS (
  SELECT
    nsm_entity AS nsm_entity,
    MIN(nsm_ts) AS nsm_t0
  FROM nsm_f_anchor
  GROUP BY
    nsm_entity
), nsm_f_cohort AS (
  SELECT
    fi.nsm_entity AS nsm_entity,
    CAST(fi.nsm_t0 AS DATE) AS period,
    MIN(a.g_case_id) AS g_case_id,
    fi.nsm_t0 AS nsm_t0
  FROM nsm_f_first AS fi
  JOIN nsm_f_anchor AS a
    ON a.nsm_entity = fi.nsm_entity AND a.nsm_ts = fi.nsm_t0
  GROUP BY
    fi.nsm_entity,
    fi.nsm_t0
), nsm_f_hit1 AS (
  SELECT
    p.nsm_entity AS nsm_entity,
    MIN(r.nsm_ts) AS nsm_t
  FROM nsm_f_cohort AS p
  JOIN nsm_f_events1 AS r
    ON r.nsm_entity = p.nsm_entity
  WHERE
    r.nsm_ts >= p.nsm_t0 AND r.nsm_ts <= DATEADD(HOUR, 2, p.nsm_t0)
  GROUP BY
    p.nsm_entity
), nsm_f_s1 AS (
  SELECT
    p.nsm_entity AS nsm_entity,
    p.period AS period,
    p.g_case_id AS g_case_id,
    p.nsm_t0 AS nsm_t0,
    h.nsm_t AS nsm_t1
  FROM nsm_f_cohort AS p
  LEFT JOIN nsm_f_hit1 AS h
    ON h.nsm_entity = p.nsm_entity
), nsm_f_entities AS (
  SELECT
    e.period AS period,
    e.g_case_id AS g_case_id,
    e.nsm_t1 AS nsm_t1,
    DATEDIFF(SECOND, e.nsm_t0, e.nsm_t1) AS nsm_d1
  FROM nsm_f_s1 AS e
), nsm_f_counts AS (
  SELECT
    period AS period,
    g_case_id AS g_case_id,
    COUNT(*) AS nsm_n0,
    COUNT(nsm_t1) AS nsm_n1
  FROM nsm_f_entities
  GROUP BY
    period,
    g_case_id
), nsm_f_ranked1 AS (
  SELECT
    period AS period,
    g_case_id AS g_case_id,
    nsm_d1 AS nsm_d,
    ROW_NUMBER() OVER (
      PARTITION BY period, g_case_id
      ORDER BY CASE WHEN nsm_d1 IS NULL THEN 1 ELSE 0 END, nsm_d1
    ) AS nsm_rn,
    COUNT(*) OVER (PARTITION BY period, g_case_id) AS nsm_cnt
  FROM nsm_f_entities
  WHERE
    NOT nsm_d1 IS NULL
), nsm_f_median1 AS (
  SELECT
    period AS period,
    g_case_id AS g_case_id,
    AVG(CAST(nsm_d AS FLOAT)) AS value
  FROM nsm_f_ranked1
  WHERE
    2 * nsm_rn >= nsm_cnt AND 2 * nsm_rn <= nsm_cnt + 2
  GROUP BY
    period,
    g_case_id
), nsm_f_out AS (
  SELECT
    c.period,
    c.g_case_id,
    0 AS step,
    'Probe bases' AS stage,
    c.nsm_n0 AS entities,
    CAST(NULL AS FLOAT) AS step_conversion,
    CAST(NULL AS FLOAT) AS overall_conversion,
    CAST(NULL AS FLOAT) AS median_seconds
  FROM nsm_f_counts AS c
  UNION ALL
  SELECT
    c.period,
    c.g_case_id,
    1 AS step,
    'Probe actions' AS stage,
    c.nsm_n1 AS entities,
    CAST(c.nsm_n1 AS FLOAT) / NULLIF(CAST(c.nsm_n0 AS FLOAT), 0) AS step_conversion,
    CAST(c.nsm_n1 AS FLOAT) / NULLIF(CAST(c.nsm_n1 AS FLOAT), 0) AS overall_conversion,
    m.value AS median_seconds
  FROM nsm_f_counts AS c
  LEFT JOIN nsm_f_median1 AS m
    ON m.period = c.period
    AND (
      m.g_case_id = c.g_case_id OR (
        m.g_case_id IS NULL AND c.g_case_id IS NULL
      )
    )
)
SELECT
  o.period,
  o.g_case_id AS case_id,
  o.step,
  o.stage,
  o.entities,
  o.step_conversion,
  o.overall_conversion,
  o.median_seconds
FROM nsm_f_out AS o
ORDER BY
  CASE WHEN o.period IS NULL THEN 1 ELSE 0 END, o.period,
  CASE WHEN o.g_case_id IS NULL THEN 1 ELSE 0 END, o.g_case_id,
  CASE WHEN o.step IS NULL THEN 1 ELSE 0 END, o.step OPTION(
    MAXRECURSION 0
)
