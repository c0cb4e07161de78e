WITH nsm_f_anchor AS (
  SELECT
    f_users.signed_up_at AS nsm_ts,
    f_users.user_id AS nsm_entity,
    f_users.account_id AS nsm_link1
  FROM f_users AS f_users
  LEFT JOIN f_accounts AS f_accounts
    ON f_users.account_id = f_accounts.account_id
  WHERE
    NOT COALESCE(f_accounts.is_test, 0) <> 0
    AND NOT f_users.user_id IS NULL
    AND NOT f_users.signed_up_at IS NULL
), nsm_f_events1 AS (
  SELECT
    f_events.happened_at AS nsm_ts,
    f_events.user_id AS nsm_entity
  FROM f_events AS f_events
  WHERE
    f_events.kind = 'call'
    AND NOT f_events.user_id IS NULL
    AND NOT f_events.happened_at IS NULL
), nsm_f_events2 AS (
  SELECT
    f_events.happened_at AS nsm_ts,
    f_events.user_id AS nsm_entity
  FROM f_events AS f_events
  WHERE
    f_events.kind = 'prod'
    AND NOT f_events.user_id IS NULL
    AND NOT f_events.happened_at IS NULL
), nsm_f_events3 AS (
  SELECT
    f_events.happened_at AS nsm_ts,
    f_events.user_id AS nsm_entity
  FROM f_events AS f_events
  WHERE
    f_events.kind = 'docs'
    AND NOT f_events.user_id IS NULL
    AND NOT f_events.happened_at IS NULL
), nsm_f_events4 AS (
  SELECT
    f_account_events.happened_at AS nsm_ts,
    f_account_events.account_id AS nsm_entity
  FROM f_account_events AS f_account_events
  WHERE
    f_account_events.kind = 'upgrade'
    AND NOT f_account_events.account_id IS NULL
    AND NOT f_account_events.happened_at IS NULL
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
    MIN(a.nsm_link1) AS nsm_link1,
    fi.nsm_t0 AS nsm_t0
  FROM nsm_f_first AS fi
  JOIN nsm_f_anchor AS a
    ON a.nsm_entity = fi.nsm_entity AND a.nsm_ts = fi.nsm_t0
  WHERE
    CAST(fi.nsm_t0 AS DATE) >= CAST('2026-03-01' AS DATE)
    AND CAST(fi.nsm_t0 AS DATE) <= CAST('2026-05-31' AS DATE)
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
    r.nsm_ts >= p.nsm_t0 AND r.nsm_ts <= DATEADD(DAY, 7, p.nsm_t0)
  GROUP BY
    p.nsm_entity
), nsm_f_s1 AS (
  SELECT
    p.nsm_entity AS nsm_entity,
    p.period AS period,
    p.nsm_link1 AS nsm_link1,
    p.nsm_t0 AS nsm_t0,
    h.nsm_t AS nsm_t1
  FROM nsm_f_cohort AS p
  LEFT JOIN nsm_f_hit1 AS h
    ON h.nsm_entity = p.nsm_entity
), nsm_f_hit2 AS (
  SELECT
    p.nsm_entity AS nsm_entity,
    MIN(r.nsm_ts) AS nsm_t
  FROM nsm_f_s1 AS p
  JOIN nsm_f_events2 AS r
    ON r.nsm_entity = p.nsm_entity
  WHERE
    r.nsm_ts >= p.nsm_t0 AND r.nsm_ts <= DATEADD(DAY, 7, p.nsm_t0)
  GROUP BY
    p.nsm_entity
), nsm_f_s2 AS (
  SELECT
    p.nsm_entity AS nsm_entity,
    p.period AS period,
    p.nsm_link1 AS nsm_link1,
    p.nsm_t0 AS nsm_t0,
    p.nsm_t1 AS nsm_t1,
    h.nsm_t AS nsm_t2
  FROM nsm_f_s1 AS p
  LEFT JOIN nsm_f_hit2 AS h
    ON h.nsm_entity = p.nsm_entity
), nsm_f_hit3 AS (
  SELECT
    p.nsm_entity AS nsm_entity,
    MIN(r.nsm_ts) AS nsm_t
  FROM nsm_f_s2 AS p
  JOIN nsm_f_events3 AS r
    ON r.nsm_entity = p.nsm_entity
  GROUP BY
    p.nsm_entity
), nsm_f_s3 AS (
  SELECT
    p.nsm_entity AS nsm_entity,
    p.period AS period,
    p.nsm_link1 AS nsm_link1,
    p.nsm_t0 AS nsm_t0,
    p.nsm_t1 AS nsm_t1,
    p.nsm_t2 AS nsm_t2,
    h.nsm_t AS nsm_t3,
    p.nsm_t2 AS nsm_c3
  FROM nsm_f_s2 AS p
  LEFT JOIN nsm_f_hit3 AS h
    ON h.nsm_entity = p.nsm_entity
), nsm_f_hit4 AS (
  SELECT
    p.nsm_entity AS nsm_entity,
    MIN(r.nsm_ts) AS nsm_t
  FROM nsm_f_s3 AS p
  JOIN nsm_f_events4 AS r
    ON r.nsm_entity = p.nsm_link1
  WHERE
    r.nsm_ts >= p.nsm_t0 AND r.nsm_ts <= DATEADD(DAY, 14, p.nsm_t0)
  GROUP BY
    p.nsm_entity
), nsm_f_s4 AS (
  SELECT
    p.nsm_entity AS nsm_entity,
    p.period AS period,
    p.nsm_link1 AS nsm_link1,
    p.nsm_t0 AS nsm_t0,
    p.nsm_t1 AS nsm_t1,
    p.nsm_t2 AS nsm_t2,
    p.nsm_t3 AS nsm_t3,
    p.nsm_c3 AS nsm_c3,
    h.nsm_t AS nsm_t4
  FROM nsm_f_s3 AS p
  LEFT JOIN nsm_f_hit4 AS h
    ON h.nsm_entity = p.nsm_entity
), nsm_f_range AS (
  SELECT
    CAST('2026-03-01' AS DATE) AS period
), nsm_f_entities AS (
  SELECT
    rg.period AS period,
    e.nsm_t1 AS nsm_t1,
    DATEDIFF(SECOND, e.nsm_t0, e.nsm_t1) AS nsm_d1,
    e.nsm_t2 AS nsm_t2,
    DATEDIFF(SECOND, e.nsm_t1, e.nsm_t2) AS nsm_d2,
    e.nsm_t3 AS nsm_t3,
    e.nsm_t4 AS nsm_t4,
    DATEDIFF(SECOND, e.nsm_c3, e.nsm_t4) AS nsm_d4
  FROM nsm_f_s4 AS e
  CROSS JOIN nsm_f_range AS rg
), nsm_f_counts AS (
  SELECT
    period AS period,
    COUNT(*) AS nsm_n0,
    COUNT(nsm_t1) AS nsm_n1,
    COUNT(nsm_t2) AS nsm_n2,
    COUNT(nsm_t3) AS nsm_n3,
    COUNT(nsm_t4) AS nsm_n4
  FROM nsm_f_entities
  GROUP BY
    period
), nsm_f_ranked1 AS (
  SELECT
    period AS period,
    nsm_d1 AS nsm_d,
    ROW_NUMBER() OVER (PARTITION BY period ORDER BY CASE WHEN nsm_d1 IS NULL THEN 1 ELSE 0 END, nsm_d1) AS nsm_rn,
    COUNT(*) OVER (PARTITION BY period) AS nsm_cnt
  FROM nsm_f_entities
  WHERE
    NOT nsm_d1 IS NULL
), nsm_f_median1 AS (
  SELECT
    period AS period,
    AVG(CAST(nsm_d AS FLOAT)) AS value
  FROM nsm_f_ranked1
  WHERE
    2 * nsm_rn >= nsm_cnt AND 2 * nsm_rn <= nsm_cnt + 2
  GROUP BY
    period
), nsm_f_ranked2 AS (
  SELECT
    period AS period,
    nsm_d2 AS nsm_d,
    ROW_NUMBER() OVER (PARTITION BY period ORDER BY CASE WHEN nsm_d2 IS NULL THEN 1 ELSE 0 END, nsm_d2) AS nsm_rn,
    COUNT(*) OVER (PARTITION BY period) AS nsm_cnt
  FROM nsm_f_entities
  WHERE
    NOT nsm_d2 IS NULL
), nsm_f_median2 AS (
  SELECT
    period AS period,
    AVG(CAST(nsm_d AS FLOAT)) AS value
  FROM nsm_f_ranked2
  WHERE
    2 * nsm_rn >= nsm_cnt AND 2 * nsm_rn <= nsm_cnt + 2
  GROUP BY
    period
), nsm_f_ranked4 AS (
  SELECT
    period AS period,
    nsm_d4 AS nsm_d,
    ROW_NUMBER() OVER (PARTITION BY period ORDER BY CASE WHEN nsm_d4 IS NULL THEN 1 ELSE 0 END, nsm_d4) AS nsm_rn,
    COUNT(*) OVER (PARTITION BY period) AS nsm_cnt
  FROM nsm_f_entities
  WHERE
    NOT nsm_d4 IS NULL
), nsm_f_median4 AS (
  SELECT
    period AS period,
    AVG(CAST(nsm_d AS FLOAT)) AS value
  FROM nsm_f_ranked4
  WHERE
    2 * nsm_rn >= nsm_cnt AND 2 * nsm_rn <= nsm_cnt + 2
  GROUP BY
    period
), nsm_f_out AS (
  SELECT
    c.period,
    0 AS step,
    'Signups' AS stage,
    c.nsm_n0 AS entities,
    CAST(NULL AS FLOAT) AS step_conversion,
    CAST(NULL AS FLOAT) AS overall_conversion,
    CAST(NULL AS FLOAT) AS median_seconds
  FROM nsm_f_counts AS c
  UNION ALL
  SELECT
    c.period,
    1 AS step,
    'Calls' AS stage,
    c.nsm_n1 AS entities,
    CAST(c.nsm_n1 AS FLOAT) / NULLIF(CAST(c.nsm_n0 AS FLOAT), 0) AS step_conversion,
    CAST(c.nsm_n1 AS FLOAT) / NULLIF(CAST(c.nsm_n1 AS FLOAT), 0) AS overall_conversion,
    m.value AS median_seconds
  FROM nsm_f_counts AS c
  LEFT JOIN nsm_f_median1 AS m
    ON m.period = c.period
  UNION ALL
  SELECT
    c.period,
    2 AS step,
    'Prods' AS stage,
    c.nsm_n2 AS entities,
    CAST(c.nsm_n2 AS FLOAT) / NULLIF(CAST(c.nsm_n1 AS FLOAT), 0) AS step_conversion,
    CAST(c.nsm_n2 AS FLOAT) / NULLIF(CAST(c.nsm_n1 AS FLOAT), 0) AS overall_conversion,
    m.value AS median_seconds
  FROM nsm_f_counts AS c
  LEFT JOIN nsm_f_median2 AS m
    ON m.period = c.period
  UNION ALL
  SELECT
    c.period,
    3 AS step,
    'Docs' AS stage,
    c.nsm_n3 AS entities,
    CAST(c.nsm_n3 AS FLOAT) / NULLIF(CAST(c.nsm_n2 AS FLOAT), 0) AS step_conversion,
    CAST(c.nsm_n3 AS FLOAT) / NULLIF(CAST(c.nsm_n1 AS FLOAT), 0) AS overall_conversion,
    CAST(NULL AS FLOAT) AS median_seconds
  FROM nsm_f_counts AS c
  UNION ALL
  SELECT
    c.period,
    4 AS step,
    'Upgrades' AS stage,
    c.nsm_n4 AS entities,
    CAST(c.nsm_n4 AS FLOAT) / NULLIF(CAST(c.nsm_n3 AS FLOAT), 0) AS step_conversion,
    CAST(c.nsm_n4 AS FLOAT) / NULLIF(CAST(c.nsm_n1 AS FLOAT), 0) AS overall_conversion,
    m.value AS median_seconds
  FROM nsm_f_counts AS c
  LEFT JOIN nsm_f_median4 AS m
    ON m.period = c.period
)
SELECT
  o.period,
  o.step,
  o.stage,
  o.entities,
  o.step_conversion,
  o.overall_conversion,
  o.median_seconds
FROM nsm_f_out AS o
ORDER BY
  CASE WHEN o.period IS NULL THEN 1 ELSE 0 END, o.period,
  CASE WHEN o.step IS NULL THEN 1 ELSE 0 END, o.step OPTION(
    MAXRECURSION 0
)
