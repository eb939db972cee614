-- Forecasts as they are made (issue 14): several models, each issuing predictions some days ahead.
--
-- daily_prediction_pollution gains model (1 to 64 letters, digits, '.', '_', '-') and lead (days ahead,
-- 0 to 30: the forecast for date was issued on date - lead); its primary key becomes (location, type,
-- date, model, lead). Rows already stored become model 'default' at lead 1, and so does a row written
-- without them (the columns' defaults), which is what predictions meant until now. Adding the columns
-- rewrites nothing (constant defaults); the checks read the table once and the indexes are built again.
--
-- The comparison is kept per model and lead: one row per series, day, model and lead for every pair
-- (model, lead) that has predictions (model_leads), holding the day's measurement, that model's
-- prediction at that lead and the persistence forecast of that lead: the measurement of day date - lead
-- (what was known at issue), at lead 0 the day before. A measured day therefore has a row for every pair
-- (the "missing prediction" days of each model); with no prediction at all the only pair is ('default',
-- 1), so measurements alone compare as before. compare_months, compare_weeks and compare_series gain
-- the two keys. Every index of the comparison starts with (model, lead): a compare view always shows
-- one model at one lead.
--
-- The triggers: a prediction write refreshes its own (series, day, model, lead) keys; a measurement
-- write refreshes, for every pair, the day it touches and the day lead days later (persistence). A
-- write that adds the first prediction of a pair or removes the last one changes the set of pairs, and
-- with it the rows of every measured day: it rebuilds the comparison (beside the live one, as 006).

-- The predictions' new keys. The CHECKs read every row once; no rewrite.
ALTER TABLE daily_prediction_pollution
    ADD COLUMN model text NOT NULL DEFAULT 'default'
        CONSTRAINT daily_prediction_pollution_model_check CHECK (model ~ '^[A-Za-z0-9._-]{1,64}$'),
    ADD COLUMN lead smallint NOT NULL DEFAULT 1
        CONSTRAINT daily_prediction_pollution_lead_check CHECK (lead BETWEEN 0 AND 30);

ALTER TABLE daily_prediction_pollution DROP CONSTRAINT daily_prediction_pollution_pkey;
DROP INDEX daily_prediction_pollution_date_idx;
DROP INDEX daily_prediction_pollution_type_idx;
DROP INDEX daily_prediction_pollution_series_value_idx;
DROP INDEX daily_prediction_pollution_value_idx;
DROP INDEX daily_prediction_pollution_type_value_idx;
-- Every order of /predictions is its sort key, then the rest of the primary key; a filter on one model
-- or lead is checked inside these indexes (a handful of models: a page reads a few index entries per row).
ALTER TABLE daily_prediction_pollution ADD PRIMARY KEY (location, type, date, model, lead);
CREATE INDEX daily_prediction_pollution_date_idx ON daily_prediction_pollution (date, location, type, model, lead);
CREATE INDEX daily_prediction_pollution_type_idx ON daily_prediction_pollution (type, location, date, model, lead);
CREATE INDEX daily_prediction_pollution_series_value_idx ON daily_prediction_pollution (location, type, prediction, date, model, lead);
CREATE INDEX daily_prediction_pollution_value_idx ON daily_prediction_pollution (prediction, location, type, date, model, lead);
CREATE INDEX daily_prediction_pollution_type_value_idx ON daily_prediction_pollution (type, prediction, location, date, model, lead);
CREATE INDEX daily_prediction_pollution_model_idx ON daily_prediction_pollution (model, lead, location, type, date);
-- /predictions?model=M&lead=L in date order (the default): one model's rows in date order, not every
-- model's rows read to find that one's (a model whose runs stopped a year ago would cost a year of rows).
CREATE INDEX daily_prediction_pollution_model_date_idx ON daily_prediction_pollution (model, lead, date, location, type);
CREATE INDEX daily_prediction_pollution_lead_idx ON daily_prediction_pollution (lead, model, location, type, date);

-- model_leads counts the predictions of every model and lead: the choices of the forms (ListModels) and
-- the pairs the comparison has rows for. Kept by the comparison's triggers, rebuilt with it.
CREATE TABLE model_leads (
    model text     NOT NULL,
    lead  smallint NOT NULL,
    n     bigint   NOT NULL CHECK (n > 0),
    PRIMARY KEY (model, lead)
);

-- aqdash_pairs is the set of (model, lead) the comparison has a row for on every measured day.
CREATE VIEW aqdash_pairs AS
SELECT model, lead FROM model_leads
UNION ALL
SELECT 'default', 1::smallint WHERE NOT EXISTS (SELECT 1 FROM model_leads);

-- The comparison and its sums, in their new shape; filled by the rebuild below.
DROP VIEW comparison_days;
DROP TABLE comparison, compare_months, compare_weeks, compare_series;

CREATE TABLE comparison (
    location  text     NOT NULL,
    type      text     NOT NULL,
    date      date     NOT NULL,
    model     text     NOT NULL,
    lead      smallint NOT NULL,
    actual    double precision,
    predicted double precision,
    -- prev is the persistence forecast of this lead: the measurement of day date - lead (lead 0: date - 1).
    prev      double precision,
    error     double precision GENERATED ALWAYS AS (predicted - actual) STORED,
    abs_error double precision GENERATED ALWAYS AS (abs(predicted - actual)) STORED,
    pct_error double precision GENERATED ALWAYS AS (CASE WHEN actual > 0 THEN 100 * (predicted - actual) / actual END) STORED,
    CHECK (actual IS NOT NULL OR predicted IS NOT NULL),
    -- One series of one model and lead, any sort, and the location sort.
    PRIMARY KEY (model, lead, location, type, date)
);
CREATE INDEX comparison_date_idx ON comparison (model, lead, date, location, type);
CREATE INDEX comparison_type_idx ON comparison (model, lead, type, location, date);
CREATE INDEX comparison_actual_idx ON comparison (model, lead, actual DESC NULLS LAST, location DESC, type DESC, date DESC);
CREATE INDEX comparison_predicted_idx ON comparison (model, lead, predicted DESC NULLS LAST, location DESC, type DESC, date DESC);
CREATE INDEX comparison_error_idx ON comparison (model, lead, error DESC NULLS LAST, location DESC, type DESC, date DESC);
CREATE INDEX comparison_abs_error_idx ON comparison (model, lead, abs_error DESC NULLS LAST, location DESC, type DESC, date DESC);
CREATE INDEX comparison_pct_error_idx ON comparison (model, lead, pct_error DESC NULLS LAST, location DESC, type DESC, date DESC);

CREATE TABLE compare_months (
    model          text     NOT NULL,
    lead           smallint NOT NULL,
    location       text     NOT NULL,
    type           text     NOT NULL,
    month          date     NOT NULL CHECK (extract(day FROM month) = 1),
    days           bigint   NOT NULL,
    actual_n       bigint   NOT NULL,
    predicted_n    bigint   NOT NULL,
    n              bigint   NOT NULL,
    sum_abs        double precision,
    sum_sq         double precision,
    sum_err        double precision,
    mape_n         bigint   NOT NULL,
    sum_pct        double precision,
    skill_n        bigint   NOT NULL,
    skill_abs      double precision,
    persist_abs    double precision,
    band_n         bigint   NOT NULL,
    band_agree     bigint   NOT NULL,
    poor_actual    bigint   NOT NULL,
    hits           bigint   NOT NULL,
    poor_predicted bigint   NOT NULL,
    false_alarms   bigint   NOT NULL,
    sum_actual     double precision,
    sum_predicted  double precision,
    PRIMARY KEY (model, lead, location, type, month)
);

CREATE TABLE compare_series (LIKE compare_months, PRIMARY KEY (model, lead, location, type));
ALTER TABLE compare_series DROP COLUMN month;

CREATE TABLE compare_weeks (
    model         text     NOT NULL,
    lead          smallint NOT NULL,
    location      text     NOT NULL,
    type          text     NOT NULL,
    week          date     NOT NULL CHECK (extract(isodow FROM week) = 1),
    actual_n      bigint   NOT NULL,
    sum_actual    double precision,
    predicted_n   bigint   NOT NULL,
    sum_predicted double precision,
    PRIMARY KEY (model, lead, location, type, week)
);

-- The sums of the equalized reference metrics (ref=): per ordered pair of models at the same lead,
-- series and month, the days where both have an error (a measurement and a prediction), and each one's
-- sum of absolute errors over them. Both orders are stored (model, ref) and (ref, model), so a view reads
-- one row per series and month, as compare_months. A handful of models: m × (m − 1) pairs per lead.
CREATE TABLE compare_ref_months (
    model       text     NOT NULL,
    ref         text     NOT NULL,
    lead        smallint NOT NULL,
    location    text     NOT NULL,
    type        text     NOT NULL,
    month       date     NOT NULL,
    n           bigint   NOT NULL,
    sum_abs     double precision,
    ref_sum_abs double precision,
    PRIMARY KEY (model, ref, lead, location, type, month)
);
CREATE TABLE compare_ref_series (LIKE compare_ref_months, PRIMARY KEY (model, ref, lead, location, type));
ALTER TABLE compare_ref_series DROP COLUMN month;

-- 006's view query, with the two keys.
CREATE OR REPLACE FUNCTION aqdash_comparison_days_sql(tbl text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format($q$SELECT location, type, date, model, lead,
       1                                                        AS days,
       (actual IS NOT NULL)::int                                AS actual_n,
       (predicted IS NOT NULL)::int                             AS predicted_n,
       (error IS NOT NULL)::int                                 AS n,
       abs_error                                                AS sum_abs,
       error * error                                            AS sum_sq,
       error                                                    AS sum_err,
       (pct_error IS NOT NULL)::int                             AS mape_n,
       abs(pct_error)                                           AS sum_pct,
       (error IS NOT NULL AND prev IS NOT NULL)::int            AS skill_n,
       CASE WHEN prev IS NOT NULL THEN abs_error END            AS skill_abs,
       CASE WHEN error IS NOT NULL THEN abs(prev - actual) END  AS persist_abs,
       (ab IS NOT NULL AND pb IS NOT NULL)::int                 AS band_n,
       coalesce((ab = pb)::int, 0)                              AS band_agree,
       coalesce((ab >= 3 AND pb IS NOT NULL)::int, 0)           AS poor_actual,
       coalesce((ab >= 3 AND pb >= 3)::int, 0)                  AS hits,
       coalesce((pb >= 3 AND ab IS NOT NULL)::int, 0)           AS poor_predicted,
       coalesce((pb >= 3 AND ab < 3)::int, 0)                   AS false_alarms,
       actual                                                   AS sum_actual,
       predicted                                                AS sum_predicted
  FROM (SELECT c.*, aqdash_band(c.type, c.actual) AS ab, aqdash_band(c.type, c.predicted) AS pb FROM %I c) AS c$q$, tbl)
$$;

DO $$ BEGIN EXECUTE 'CREATE VIEW comparison_days AS ' || aqdash_comparison_days_sql('comparison'); END $$;

-- aqdash_compare_touched(keys): the temporary table aqdash_touched of the months and weeks of the
-- (location, type, date, model, lead) keys the SQL text keys selects.
CREATE OR REPLACE FUNCTION aqdash_compare_touched(keys text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format('CREATE TEMP TABLE aqdash_touched ON COMMIT DROP AS
                   SELECT DISTINCT model, lead, location, type, date_trunc(''month'', date::timestamp)::date AS month,
                          date_trunc(''week'', date::timestamp)::date AS week
                     FROM (%s) AS k', keys)
$$;

-- aqdash_compare_summarize(): 004's, with the two keys.
CREATE OR REPLACE FUNCTION aqdash_compare_summarize() RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    CREATE TEMP TABLE aqdash_touched_months ON COMMIT DROP AS SELECT DISTINCT model, lead, location, type, month FROM aqdash_touched;
    ANALYZE aqdash_touched_months;
    DELETE FROM compare_months m USING aqdash_touched_months b
     WHERE m.model = b.model AND m.lead = b.lead AND m.location = b.location AND m.type = b.type AND m.month = b.month;
    EXECUTE 'INSERT INTO compare_months
             SELECT d.model, d.lead, d.location, d.type, b.month, ' || aqdash_compare_sums() || '
               FROM aqdash_touched_months b JOIN comparison_days d
                 ON d.model = b.model AND d.lead = b.lead AND d.location = b.location AND d.type = b.type
                AND d.date >= b.month AND d.date < (b.month + interval ''1 month'')::date
                AND date_trunc(''month'', d.date::timestamp)::date = b.month
              GROUP BY d.model, d.lead, d.location, d.type, b.month';

    CREATE TEMP TABLE aqdash_touched_weeks ON COMMIT DROP AS SELECT DISTINCT model, lead, location, type, week FROM aqdash_touched;
    ANALYZE aqdash_touched_weeks;
    DELETE FROM compare_weeks w USING aqdash_touched_weeks b
     WHERE w.model = b.model AND w.lead = b.lead AND w.location = b.location AND w.type = b.type AND w.week = b.week;
    INSERT INTO compare_weeks
    SELECT c.model, c.lead, c.location, c.type, b.week, count(actual), sum(actual), count(predicted), sum(predicted)
      FROM aqdash_touched_weeks b JOIN comparison c
        ON c.model = b.model AND c.lead = b.lead AND c.location = b.location AND c.type = b.type
       AND c.date >= b.week AND c.date < b.week + 7
       AND date_trunc('week', c.date::timestamp)::date = b.week
     GROUP BY c.model, c.lead, c.location, c.type, b.week;

    DELETE FROM compare_series s USING (SELECT DISTINCT model, lead, location, type FROM aqdash_touched_months) b
     WHERE s.model = b.model AND s.lead = b.lead AND s.location = b.location AND s.type = b.type;
    EXECUTE 'INSERT INTO compare_series
             SELECT m.model, m.lead, m.location, m.type, ' || aqdash_compare_sums() || '
               FROM (SELECT DISTINCT model, lead, location, type FROM aqdash_touched_months) b
               JOIN compare_months m USING (model, lead, location, type)
              GROUP BY m.model, m.lead, m.location, m.type';

    -- The reference sums of every pair of models at the touched leads, series and months (a model's
    -- change changes its pairs with every other model at that lead).
    CREATE TEMP TABLE aqdash_touched_refs ON COMMIT DROP AS SELECT DISTINCT lead, location, type, month FROM aqdash_touched_months;
    ANALYZE aqdash_touched_refs;
    DELETE FROM compare_ref_months r USING aqdash_touched_refs b
     WHERE r.lead = b.lead AND r.location = b.location AND r.type = b.type AND r.month = b.month;
    INSERT INTO compare_ref_months
    SELECT a.model, r.model, a.lead, a.location, a.type, b.month, count(*), sum(a.abs_error), sum(r.abs_error)
      FROM aqdash_touched_refs b
      JOIN model_leads ma ON ma.lead = b.lead
      JOIN comparison a ON a.model = ma.model AND a.lead = b.lead AND a.location = b.location AND a.type = b.type
                       AND a.date >= b.month AND a.date < (b.month + interval '1 month')::date AND a.error IS NOT NULL
      JOIN model_leads mr ON mr.lead = b.lead AND mr.model <> ma.model
      JOIN comparison r ON r.model = mr.model AND r.lead = a.lead AND r.location = a.location AND r.type = a.type
                       AND r.date = a.date AND r.error IS NOT NULL
     GROUP BY a.model, r.model, a.lead, a.location, a.type, b.month;
    DELETE FROM compare_ref_series s USING (SELECT DISTINCT lead, location, type FROM aqdash_touched_refs) b
     WHERE s.lead = b.lead AND s.location = b.location AND s.type = b.type;
    INSERT INTO compare_ref_series
    SELECT m.model, m.ref, m.lead, m.location, m.type, sum(m.n), sum(m.sum_abs), sum(m.ref_sum_abs)
      FROM (SELECT DISTINCT lead, location, type FROM aqdash_touched_refs) b
      JOIN compare_ref_months m USING (lead, location, type)
     GROUP BY m.model, m.ref, m.lead, m.location, m.type;
    DROP TABLE aqdash_touched, aqdash_touched_months, aqdash_touched_weeks, aqdash_touched_refs;
END
$$;

-- aqdash_compare_changed(tbl): one statement's writes, per model and lead.
CREATE OR REPLACE FUNCTION aqdash_compare_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    keys   text;
    before text[];
    after  text[];
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('aqdash_comparison'));
    IF current_setting('aqdash.defer_comparison', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM aqdash_compare_rebuild();
        RETURN NULL;
    END IF;
    IF TG_ARGV[0] = 'predictions' THEN
        -- The counts of model_leads; a pair that appears or goes changes every measured day's rows.
        before := ARRAY(SELECT model || '/' || lead FROM aqdash_pairs ORDER BY 1);
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            EXECUTE 'INSERT INTO model_leads AS m (model, lead, n)
                     SELECT model, lead, count(*) FROM aqdash_cmp_new GROUP BY model, lead
                         ON CONFLICT (model, lead) DO UPDATE SET n = m.n + EXCLUDED.n';
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            -- n > 0 is checked at the statement's end only for rows left; subtract, then drop the empty.
            EXECUTE 'WITH o AS (SELECT model, lead, count(*) AS n FROM aqdash_cmp_old GROUP BY model, lead),
                          gone AS (DELETE FROM model_leads m USING o
                                    WHERE m.model = o.model AND m.lead = o.lead AND m.n = o.n RETURNING m.model)
                     UPDATE model_leads m SET n = m.n - o.n FROM o
                      WHERE m.model = o.model AND m.lead = o.lead AND m.n > o.n';
        END IF;
        after := ARRAY(SELECT model || '/' || lead FROM aqdash_pairs ORDER BY 1);
        IF before IS DISTINCT FROM after THEN
            PERFORM aqdash_compare_rebuild();
            RETURN NULL;
        END IF;
        keys := CASE TG_OP
            WHEN 'INSERT' THEN 'SELECT location, type, date, model, lead FROM aqdash_cmp_new'
            WHEN 'DELETE' THEN 'SELECT location, type, date, model, lead FROM aqdash_cmp_old'
            ELSE 'SELECT location, type, date, model, lead FROM aqdash_cmp_new
                  UNION ALL SELECT location, type, date, model, lead FROM aqdash_cmp_old'
        END;
    ELSE
        keys := CASE TG_OP
            WHEN 'INSERT' THEN 'SELECT location, type, date FROM aqdash_cmp_new'
            WHEN 'DELETE' THEN 'SELECT location, type, date FROM aqdash_cmp_old'
            ELSE 'SELECT location, type, date FROM aqdash_cmp_new UNION ALL SELECT location, type, date FROM aqdash_cmp_old'
        END;
        -- A measurement is the actual of its day for every pair, and the persistence forecast of the
        -- day lead days later (lead 0: the next day).
        keys := 'SELECT t.location, t.type, d.date, pr.model, pr.lead
                   FROM (' || keys || ') AS t CROSS JOIN aqdash_pairs pr,
                 LATERAL (VALUES (t.date), (t.date + greatest(pr.lead, 1))) AS d (date)';
    END IF;
    EXECUTE format(
        'WITH k AS (SELECT DISTINCT location, type, date, model, lead FROM (%s) AS t)
         DELETE FROM comparison c USING k
          WHERE c.model = k.model AND c.lead = k.lead AND c.location = k.location AND c.type = k.type AND c.date = k.date
            AND NOT EXISTS (SELECT 1 FROM daily_historic_pollution h WHERE (h.location, h.type, h.date) = (k.location, k.type, k.date))
            AND NOT EXISTS (SELECT 1 FROM daily_prediction_pollution p
                             WHERE (p.location, p.type, p.date, p.model, p.lead) = (k.location, k.type, k.date, k.model, k.lead))',
        keys);
    EXECUTE format(
        'WITH k AS (SELECT DISTINCT location, type, date, model, lead FROM (%s) AS t)
         INSERT INTO comparison AS c (location, type, date, model, lead, actual, predicted, prev)
         SELECT k.location, k.type, k.date, k.model, k.lead, h.value, p.prediction, hp.value
           FROM k
           LEFT JOIN daily_historic_pollution h ON (h.location, h.type, h.date) = (k.location, k.type, k.date)
           LEFT JOIN daily_prediction_pollution p
                  ON (p.location, p.type, p.date, p.model, p.lead) = (k.location, k.type, k.date, k.model, k.lead)
           LEFT JOIN daily_historic_pollution hp
                  ON (hp.location, hp.type, hp.date) = (k.location, k.type, k.date - greatest(k.lead, 1))
          WHERE h.value IS NOT NULL OR p.prediction IS NOT NULL
             ON CONFLICT (model, lead, location, type, date) DO UPDATE
            SET actual = EXCLUDED.actual, predicted = EXCLUDED.predicted, prev = EXCLUDED.prev
          WHERE (c.actual, c.predicted, c.prev) IS DISTINCT FROM (EXCLUDED.actual, EXCLUDED.predicted, EXCLUDED.prev)',
        keys);
    EXECUTE aqdash_compare_touched(keys);
    PERFORM aqdash_compare_summarize();
    RETURN NULL;
END
$$;

-- aqdash_compare_rebuild(): 006's build beside and swap, per model and lead; model_leads too.
CREATE OR REPLACE FUNCTION aqdash_compare_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
SET work_mem = '64MB' SET maintenance_work_mem = '256MB' AS $$
DECLARE
    tbls   text[] := ARRAY['comparison', 'compare_months', 'compare_weeks', 'compare_series', 'compare_ref_months', 'compare_ref_series'];
    t      text;
    idx    record;
    waited timestamptz;
    lt     text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('aqdash_comparison'));
    -- The pairs: a small table, rewritten in place (readers see the old one until commit).
    DELETE FROM model_leads;
    INSERT INTO model_leads SELECT model, lead, count(*) FROM daily_prediction_pollution GROUP BY model, lead;
    FOREACH t IN ARRAY tbls LOOP
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE)', t || '_next', t);
    END LOOP;
    -- Every measured day for every pair, fully joined with that pair's predictions; prev looked up lead
    -- days back (one hash join over the measurements).
    INSERT INTO comparison_next (location, type, date, model, lead, actual, predicted, prev)
    SELECT k.location, k.type, k.date, k.model, k.lead, k.actual, k.predicted, hp.value
      FROM (SELECT coalesce(h.location, p.location) AS location, coalesce(h.type, p.type) AS type,
                   coalesce(h.date, p.date) AS date, coalesce(h.model, p.model) AS model,
                   coalesce(h.lead, p.lead) AS lead, h.value AS actual, p.prediction AS predicted
              FROM (SELECT h.location, h.type, h.date, h.value, pr.model, pr.lead
                      FROM daily_historic_pollution h CROSS JOIN aqdash_pairs pr) AS h
              FULL JOIN daily_prediction_pollution p
                ON p.location = h.location AND p.type = h.type AND p.date = h.date AND p.model = h.model AND p.lead = h.lead) AS k
      LEFT JOIN daily_historic_pollution hp
        ON hp.location = k.location AND hp.type = k.type AND hp.date = k.date - greatest(k.lead, 1);
    EXECUTE 'INSERT INTO compare_months_next
             SELECT model, lead, location, type, date_trunc(''month'', date::timestamp)::date, ' || aqdash_compare_sums() || '
               FROM (' || aqdash_comparison_days_sql('comparison_next') || ') AS d GROUP BY 1, 2, 3, 4, 5';
    INSERT INTO compare_weeks_next
    SELECT model, lead, location, type, date_trunc('week', date::timestamp)::date, count(actual), sum(actual), count(predicted), sum(predicted)
      FROM comparison_next GROUP BY 1, 2, 3, 4, 5;
    EXECUTE 'INSERT INTO compare_series_next SELECT model, lead, location, type, ' || aqdash_compare_sums() || ' FROM compare_months_next GROUP BY 1, 2, 3, 4';
    INSERT INTO compare_ref_months_next
    SELECT a.model, r.model, a.lead, a.location, a.type, date_trunc('month', a.date::timestamp)::date, count(*), sum(a.abs_error), sum(r.abs_error)
      FROM comparison_next a JOIN comparison_next r
        ON r.lead = a.lead AND r.location = a.location AND r.type = a.type AND r.date = a.date AND r.model <> a.model
     WHERE a.error IS NOT NULL AND r.error IS NOT NULL
     GROUP BY 1, 2, 3, 4, 5, 6;
    INSERT INTO compare_ref_series_next
    SELECT model, ref, lead, location, type, sum(n), sum(sum_abs), sum(ref_sum_abs) FROM compare_ref_months_next GROUP BY 1, 2, 3, 4, 5;
    FOREACH t IN ARRAY tbls LOOP
        PERFORM aqdash_compare_copy_indexes(t, t || '_next');
        PERFORM aqdash_copy_grants(t::regclass, t || '_next');
        EXECUTE format('ANALYZE %I', t || '_next');
    END LOOP;
    ANALYZE model_leads;

    -- The swap, as 006's.
    lt := current_setting('lock_timeout');
    waited := clock_timestamp();
    LOOP
        BEGIN
            PERFORM set_config('lock_timeout', CASE WHEN clock_timestamp() - waited < interval '1 minute' THEN '200ms' ELSE '0' END, true);
            LOCK TABLE comparison, compare_months, compare_weeks, compare_series, compare_ref_months, compare_ref_series IN ACCESS EXCLUSIVE MODE;
            EXIT;
        EXCEPTION WHEN lock_not_available THEN
            PERFORM pg_sleep(0.05);
        END;
    END LOOP;
    PERFORM set_config('lock_timeout', lt, true);
    CREATE TEMP TABLE aqdash_days_grants ON COMMIT DROP AS SELECT 1 AS x LIMIT 0;
    PERFORM aqdash_copy_grants('comparison_days'::regclass, 'aqdash_days_grants');
    DROP VIEW comparison_days;
    DROP TABLE comparison, compare_months, compare_weeks, compare_series, compare_ref_months, compare_ref_series;
    FOREACH t IN ARRAY tbls LOOP
        EXECUTE format('ALTER TABLE %I RENAME TO %I', t || '_next', t);
        FOR idx IN SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                    WHERE x.indrelid = t::regclass AND i.relname LIKE '%\_next' LOOP
            EXECUTE format('ALTER INDEX %I RENAME TO %I', idx.relname, left(idx.relname, -length('_next')));
        END LOOP;
    END LOOP;
    EXECUTE 'CREATE VIEW comparison_days AS ' || aqdash_comparison_days_sql('comparison');
    PERFORM aqdash_copy_grants('pg_temp.aqdash_days_grants'::regclass, 'comparison_days');
    DROP TABLE pg_temp.aqdash_days_grants;
END
$$;

SELECT aqdash_compare_rebuild();

-- The NOTIFY payload gains "models" for a change of the predictions: the models it touched (left out,
-- with "all":true, like locations and types, when there are more than 50). A change of the measurements
-- has no "models": it touches every model's comparison.
CREATE OR REPLACE FUNCTION aqdash_notify_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    max_names constant int := 50;
    n       bigint;
    locs    text[];
    types   text[];
    models  text[];
    lo      date;
    hi      date;
    ver     text;
    payload jsonb;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT count(*), array_agg(DISTINCT location ORDER BY location), array_agg(DISTINCT type ORDER BY type), min(date), max(date)
          INTO n, locs, types, lo, hi
          FROM aqdash_new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        SELECT count(*) INTO n FROM aqdash_new_rows;
        SELECT array_agg(DISTINCT location ORDER BY location), array_agg(DISTINCT type ORDER BY type), min(date), max(date)
          INTO locs, types, lo, hi
          FROM (SELECT location, type, date FROM aqdash_new_rows
                UNION ALL
                SELECT location, type, date FROM aqdash_old_rows) AS touched;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT count(*), array_agg(DISTINCT location ORDER BY location), array_agg(DISTINCT type ORDER BY type), min(date), max(date)
          INTO n, locs, types, lo, hi
          FROM aqdash_old_rows;
    END IF;
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    -- Only the predictions have a model column (dynamic SQL: the measurements' rows have none).
    IF TG_ARGV[0] = 'predictions' AND TG_OP <> 'TRUNCATE' THEN
        EXECUTE 'SELECT array_agg(DISTINCT model ORDER BY model) FROM (' ||
            CASE TG_OP WHEN 'INSERT' THEN 'SELECT model FROM aqdash_new_rows'
                       WHEN 'DELETE' THEN 'SELECT model FROM aqdash_old_rows'
                       ELSE 'SELECT model FROM aqdash_new_rows UNION ALL SELECT model FROM aqdash_old_rows' END ||
            ') AS m' INTO models;
    END IF;

    UPDATE aqdash_data_version SET version = version + 1 WHERE tbl = TG_ARGV[0];
    SELECT string_agg(version::text, '.' ORDER BY tbl) INTO ver FROM aqdash_data_version;

    payload := jsonb_build_object('table', TG_ARGV[0], 'op', lower(TG_OP), 'version', ver);
    IF n IS NOT NULL THEN
        payload := payload || jsonb_build_object('rows', n);
    END IF;
    IF lo IS NOT NULL THEN
        payload := payload || jsonb_build_object('from', lo, 'to', hi);
    END IF;
    IF locs IS NOT NULL AND cardinality(locs) <= max_names AND cardinality(types) <= max_names
       AND (models IS NULL OR cardinality(models) <= max_names) THEN
        payload := payload || jsonb_build_object('locations', to_jsonb(locs), 'types', to_jsonb(types));
        IF models IS NOT NULL THEN
            payload := payload || jsonb_build_object('models', to_jsonb(models));
        END IF;
    ELSE
        payload := payload || jsonb_build_object('all', true);
    END IF;
    IF octet_length(payload::text) > 7000 THEN
        payload := (payload - 'locations' - 'types' - 'models') || jsonb_build_object('all', true);
    END IF;
    PERFORM pg_notify('aqdash_changes', payload::text);
    RETURN NULL;
END
$$;

---- create above / drop below ----

-- Going back would have to drop every model but one and every lead but one: refused, nothing is lost.
DO $$ BEGIN RAISE EXCEPTION 'migration 007 (models and leads) cannot be undone in place: restore a dump taken before it'; END $$;
