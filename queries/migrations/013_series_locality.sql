-- A series' sums side by side. The rebuild (009) filled compare_months and compare_weeks in the order of
-- its hash aggregates, so one series' rows lay one to a page: the chart of one series read 284 pages for
-- its 286 weeks, the months of one series 70 pages for 67 rows (EXPLAIN BUFFERS on the demo after a
-- first start), each a disk read on a cold cache. The rebuild now writes both in their keys' order
-- (model, lead, location, type, week or month): a series' rows share a few pages. The tables there are
-- now are put in that order once (CLUSTER: a few seconds on the demo, the tables locked meanwhile).

-- aqdash_compare_rebuild(): 009's, the monthly and weekly sums written in key order.
CREATE OR REPLACE FUNCTION aqdash_compare_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
SET work_mem = '64MB' SET maintenance_work_mem = '256MB' SET jit = off AS $$
DECLARE
    tbls   text[] := ARRAY['comparison', 'compare_months', 'compare_weeks', 'compare_series'];
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
    EXECUTE 'INSERT INTO compare_months_next ' || aqdash_compare_month_sums_sql('comparison_next') || ' ORDER BY 1, 2, 3, 4, 5';
    INSERT INTO compare_weeks_next
    SELECT model, lead, location, type, date_trunc('week', date::timestamp)::date, count(actual), sum(actual), count(predicted), sum(predicted)
      FROM comparison_next GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5;
    EXECUTE 'INSERT INTO compare_series_next SELECT model, lead, location, type, ' || aqdash_compare_sums() || ' FROM compare_months_next GROUP BY 1, 2, 3, 4';
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
            LOCK TABLE comparison, compare_months, compare_weeks, compare_series IN ACCESS EXCLUSIVE MODE;
            EXIT;
        EXCEPTION WHEN lock_not_available THEN
            PERFORM pg_sleep(0.05);
        END;
    END LOOP;
    PERFORM set_config('lock_timeout', lt, true);
    CREATE TEMP TABLE aqdash_days_grants ON COMMIT DROP AS SELECT 1 AS x LIMIT 0;
    PERFORM aqdash_copy_grants('comparison_days'::regclass, 'aqdash_days_grants');
    DROP VIEW comparison_days;
    DROP TABLE comparison, compare_months, compare_weeks, compare_series;
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

CLUSTER compare_months USING compare_months_pkey;
CLUSTER compare_weeks USING compare_weeks_pkey;
-- Only the order is wanted, not CLUSTER's mark on the index (a rebuild's new tables would not carry it).
ALTER TABLE compare_months SET WITHOUT CLUSTER;
ALTER TABLE compare_weeks SET WITHOUT CLUSTER;
ANALYZE compare_months;
ANALYZE compare_weeks;

---- create above / drop below ----

-- 009's rebuild again (the tables' order is left as it is).
CREATE OR REPLACE FUNCTION aqdash_compare_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
SET work_mem = '64MB' SET maintenance_work_mem = '256MB' SET jit = off AS $$
DECLARE
    tbls   text[] := ARRAY['comparison', 'compare_months', 'compare_weeks', 'compare_series'];
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
    EXECUTE 'INSERT INTO compare_months_next ' || aqdash_compare_month_sums_sql('comparison_next');
    INSERT INTO compare_weeks_next
    SELECT model, lead, location, type, date_trunc('week', date::timestamp)::date, count(actual), sum(actual), count(predicted), sum(predicted)
      FROM comparison_next GROUP BY 1, 2, 3, 4, 5;
    EXECUTE 'INSERT INTO compare_series_next SELECT model, lead, location, type, ' || aqdash_compare_sums() || ' FROM compare_months_next GROUP BY 1, 2, 3, 4';
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
            LOCK TABLE comparison, compare_months, compare_weeks, compare_series IN ACCESS EXCLUSIVE MODE;
            EXIT;
        EXCEPTION WHEN lock_not_available THEN
            PERFORM pg_sleep(0.05);
        END;
    END LOOP;
    PERFORM set_config('lock_timeout', lt, true);
    CREATE TEMP TABLE aqdash_days_grants ON COMMIT DROP AS SELECT 1 AS x LIMIT 0;
    PERFORM aqdash_copy_grants('comparison_days'::regclass, 'aqdash_days_grants');
    DROP VIEW comparison_days;
    DROP TABLE comparison, compare_months, compare_weeks, compare_series;
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
