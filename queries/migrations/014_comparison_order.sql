-- A series' comparison rows side by side. The rebuild wrote the comparison in the order of its hash join,
-- so one series' rows lay one to a page: the diagnostics' read of one series (Delhi PM2.5, ses, lead 1:
-- 2,009 rows) touched 1,567 heap pages (EXPLAIN BUFFERS on the demo), each a disk read once the
-- database outgrows memory (the 10M benchmark: 36 GB). The rebuild now writes the comparison in series
-- order (model, lead, location, type, date), as 013 did for the monthly and weekly sums: a series' rows
-- share a few dozen pages. Sorting costs what the primary key's build then saves (its input arrives
-- sorted): measured on the demo, the fill and the key 27.2 s unsorted, 27.1 s sorted. The sort compares
-- the text keys bytewise (COLLATE "C": abbreviated keys, several times faster than the database's
-- collation); under a C or C.UTF-8 database that is the primary key's order, under another the rows of
-- a series are together all the same. The comparison there is now is put in that order once (CLUSTER:
-- the table locked meanwhile; see the README for what it costs on 10M rows).

-- aqdash_compare_rebuild(): 013's, the comparison written in series order.
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
    -- days back (one hash join over the measurements); written in series order (see above).
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
        ON hp.location = k.location AND hp.type = k.type AND hp.date = k.date - greatest(k.lead, 1)
     ORDER BY k.model COLLATE "C", k.lead, k.location COLLATE "C", k.type COLLATE "C", k.date;
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

CLUSTER comparison USING comparison_pkey;
-- Only the order is wanted, not CLUSTER's mark on the index (a rebuild's new table would not carry it).
ALTER TABLE comparison SET WITHOUT CLUSTER;
ANALYZE comparison;

---- create above / drop below ----

-- 013's rebuild again (the table's order is left as it is).
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

