-- The first start's comparison, built beside the load. Loading the demo into empty tables was one
-- backend's work from end to end: COPY the rows, build the primary keys, then the comparison's rebuild
-- (aqdash_compare_rebuild: join every measured day of every model and lead with the predictions, sort,
-- sum), two thirds of the time on one core of two. The loader knows every row it writes, so it can
-- also compute the comparison's rows itself and send them, on a second connection, while the first is
-- still copying the tables: that connection fills stage tables (comparison_load and the three sums'
-- _load tables: aqdash_compare_stage, then COPY, then aqdash_compare_stage_finish: primary keys, sums,
-- ANALYZE) and commits them; the load's own transaction then checks them against what it wrote and
-- swaps them in (aqdash_compare_adopt) instead of rebuilding. The stage is checked, not trusted: every
-- (model, lead) pair of the predictions, and no other, with that pair's count of predictions and every
-- measured day; anything else and the stage is dropped and the rebuild runs as before. A load that
-- fails after the stage committed leaves its tables behind until the next stage or rebuild drops them.
-- The rebuild and the adoption share the steps below (new tables, sums, the swap).

-- aqdash_compare_drop_new(suffix) drops the tables <t><suffix> of the comparison's four, where they are.
CREATE FUNCTION aqdash_compare_drop_new(suffix text) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['comparison', 'compare_months', 'compare_weeks', 'compare_series'] LOOP
        IF to_regclass(t || suffix) IS NOT NULL THEN -- (DROP IF EXISTS would tell the client it was not)
            EXECUTE format('DROP TABLE %I', t || suffix);
        END IF;
    END LOOP;
END
$$;

-- aqdash_compare_new_tables(suffix) creates the empty tables <t><suffix> like the comparison's four
-- (no index), dropping any left there first.
CREATE FUNCTION aqdash_compare_new_tables(suffix text) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    t text;
BEGIN
    PERFORM aqdash_compare_drop_new(suffix);
    FOREACH t IN ARRAY ARRAY['comparison', 'compare_months', 'compare_weeks', 'compare_series'] LOOP
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE)', t || suffix, t);
    END LOOP;
END
$$;

-- aqdash_compare_new_sums(suffix) fills compare_months<suffix>, compare_weeks<suffix> and
-- compare_series<suffix> from comparison<suffix>, each in its key order (013).
CREATE FUNCTION aqdash_compare_new_sums(suffix text) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    EXECUTE format('INSERT INTO %I ', 'compare_months' || suffix) || aqdash_compare_month_sums_sql('comparison' || suffix) || ' ORDER BY 1, 2, 3, 4, 5';
    EXECUTE format($q$INSERT INTO %I
        SELECT model, lead, location, type, date_trunc('week', date::timestamp)::date, count(actual), sum(actual), count(predicted), sum(predicted)
          FROM %I GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5$q$, 'compare_weeks' || suffix, 'comparison' || suffix);
    EXECUTE format('INSERT INTO %I SELECT model, lead, location, type, ', 'compare_series' || suffix) || aqdash_compare_sums()
         || format(' FROM %I GROUP BY 1, 2, 3, 4', 'compare_months' || suffix);
END
$$;

-- aqdash_compare_swap(suffix) puts the tables <t><suffix> in the place of the comparison's four, as 006's
-- swap did: it waits for their locks (200 ms at a time, for a minute, then as long as it takes), drops the
-- live tables, renames the new ones and their indexes (named <name>_next) and recreates comparison_days.
CREATE FUNCTION aqdash_compare_swap(suffix text) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    t      text;
    idx    record;
    waited timestamptz;
    lt     text;
BEGIN
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
    FOREACH t IN ARRAY ARRAY['comparison', 'compare_months', 'compare_weeks', 'compare_series'] LOOP
        EXECUTE format('ALTER TABLE %I RENAME TO %I', t || suffix, t);
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

-- aqdash_compare_rebuild(): 014's, in the steps above; it also drops a failed load's stage tables,
-- whose index names its own new tables take.
CREATE OR REPLACE FUNCTION aqdash_compare_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
SET work_mem = '64MB' SET maintenance_work_mem = '256MB' SET jit = off AS $$
DECLARE
    t text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('aqdash_comparison'));
    -- The pairs: a small table, rewritten in place (readers see the old one until commit).
    DELETE FROM model_leads;
    INSERT INTO model_leads SELECT model, lead, count(*) FROM daily_prediction_pollution GROUP BY model, lead;
    PERFORM aqdash_compare_drop_new('_load');
    PERFORM aqdash_compare_new_tables('_next');
    -- Every measured day for every pair, fully joined with that pair's predictions; prev looked up lead
    -- days back (one hash join over the measurements); written in series order (014).
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
    PERFORM aqdash_compare_new_sums('_next');
    FOREACH t IN ARRAY ARRAY['comparison', 'compare_months', 'compare_weeks', 'compare_series'] LOOP
        PERFORM aqdash_compare_copy_indexes(t, t || '_next');
        PERFORM aqdash_copy_grants(t::regclass, t || '_next');
        EXECUTE format('ANALYZE %I', t || '_next');
    END LOOP;
    ANALYZE model_leads;
    PERFORM aqdash_compare_swap('_next');
END
$$;

-- aqdash_compare_stage() creates the empty stage tables (<t>_load), on the loader's second connection.
CREATE FUNCTION aqdash_compare_stage() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM aqdash_compare_new_tables('_load');
END
$$;

-- aqdash_compare_stage_finish(), once comparison_load holds its rows: the sums, the four tables' primary
-- keys (as the live tables', named <name>_next for the swap) and their statistics. The other indexes are
-- the adoption's (built or queued there, as the rebuild's).
CREATE FUNCTION aqdash_compare_stage_finish() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
SET work_mem = '64MB' SET maintenance_work_mem = '256MB' SET jit = off AS $$
DECLARE
    t text;
    c record;
BEGIN
    PERFORM aqdash_compare_new_sums('_load');
    FOREACH t IN ARRAY ARRAY['comparison', 'compare_months', 'compare_weeks', 'compare_series'] LOOP
        FOR c IN SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
                  WHERE conrelid = t::regclass AND contype IN ('p', 'u') ORDER BY conname LOOP
            EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', t || '_load', c.conname || '_next', c.def);
        END LOOP;
        EXECUTE format('ANALYZE %I', t || '_load');
    END LOOP;
END
$$;

-- aqdash_compare_adopt(), inside the load's transaction: the stage's tables in the place of the live
-- ones, when they are all there and agree with the tables (see above); false, and the stage dropped,
-- otherwise, and then the caller rebuilds. On true it marks the transaction (aqdash.comparison_adopted)
-- so that the bulk load's finish does not rebuild. model_leads is counted again either way.
CREATE FUNCTION aqdash_compare_adopt() RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
SET maintenance_work_mem = '256MB' SET jit = off AS $$
DECLARE
    t     text;
    idx   record;
    agree boolean;
    defer boolean := coalesce(current_setting('aqdash.defer_indexes', true), '') = 'on';
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('aqdash_comparison'));
    IF to_regclass('comparison_load') IS NULL OR to_regclass('compare_months_load') IS NULL
       OR to_regclass('compare_weeks_load') IS NULL OR to_regclass('compare_series_load') IS NULL THEN
        PERFORM aqdash_compare_drop_new('_load');
        RETURN false;
    END IF;
    DELETE FROM model_leads;
    INSERT INTO model_leads SELECT model, lead, count(*) FROM daily_prediction_pollution GROUP BY model, lead;
    SELECT NOT EXISTS (
               SELECT 1
                 FROM model_leads m
                 FULL JOIN (SELECT model, lead, sum(predicted_n) AS predicted, sum(actual_n) AS actual
                              FROM compare_series_load GROUP BY model, lead) s USING (model, lead)
                WHERE m.n IS DISTINCT FROM s.predicted
                   OR s.actual IS DISTINCT FROM (SELECT count(*) FROM daily_historic_pollution))
      INTO agree;
    IF NOT agree THEN
        PERFORM aqdash_compare_drop_new('_load');
        RETURN false;
    END IF;
    ANALYZE model_leads;
    FOREACH t IN ARRAY ARRAY['comparison', 'compare_months', 'compare_weeks', 'compare_series'] LOOP
        -- The indexes other than the keys, as aqdash_compare_copy_indexes (012): the comparison's queued
        -- when the load defers its indexes, the others built.
        FOR idx IN SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS def
                     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                    WHERE x.indrelid = t::regclass
                      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)
                    ORDER BY i.relname LOOP
            IF defer AND t = 'comparison' THEN
                INSERT INTO aqdash_pending_indexes (name, def) VALUES (idx.name, idx.def)
                    ON CONFLICT (name) DO UPDATE SET def = EXCLUDED.def;
            ELSE
                EXECUTE regexp_replace(idx.def, '^CREATE (UNIQUE )?INDEX \S+ ON \S+ ',
                                       format('CREATE \1INDEX %I ON %I ', idx.name || '_next', t || '_load'));
            END IF;
        END LOOP;
        PERFORM aqdash_copy_grants(t::regclass, t || '_load');
    END LOOP;
    PERFORM aqdash_compare_swap('_load');
    PERFORM set_config('aqdash.comparison_adopted', 'on', true);
    RETURN true;
END
$$;

---- create above / drop below ----

DROP FUNCTION aqdash_compare_adopt();
DROP FUNCTION aqdash_compare_stage_finish();
DROP FUNCTION aqdash_compare_stage();

-- 014's rebuild again (it drops no stage: a stage left behind is dropped here).
SELECT aqdash_compare_drop_new('_load');
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
DROP FUNCTION aqdash_compare_swap(text);
DROP FUNCTION aqdash_compare_new_sums(text);
DROP FUNCTION aqdash_compare_new_tables(text);
DROP FUNCTION aqdash_compare_drop_new(text);
