-- A bulk load's rebuild of the comparison no longer locks readers out while it works. Migration 004's
-- aqdash_compare_rebuild() emptied the live tables (TRUNCATE, so ACCESS EXCLUSIVE until commit) and
-- filled them again: /compare and the dashboard waited for the whole rebuild, long enough on millions of
-- rows to answer 503. Now it builds the comparison and its sums in new tables beside the live ones, in
-- the same transaction, with their indexes and statistics, and swaps them in as its last, short step:
-- the old tables dropped, the new ones renamed (their indexes and constraints too), the comparison_days
-- view made again over the new comparison. Readers keep reading the old data until the load commits.
--
-- What refers to these tables by name finds the new ones: the triggers' plpgsql functions (dynamic SQL
-- is parsed at run time; static SQL is planned again when a table it used is dropped), and the queries
-- of the dashboard, prepared or not (PostgreSQL analyses a statement again when a relation it used has
-- gone). What refers to them by OID is made again here: the comparison_days view, the indexes, the
-- constraints. A dependent object this function does not know (a view of someone's own over these
-- tables) makes the swap fail, and the load roll back, instead of vanishing.

-- aqdash_comparison_days_sql(tbl) is the query of the comparison_days view over the comparison table
-- tbl: the view itself, and the rebuild's monthly sums over the new comparison before the swap.
CREATE FUNCTION aqdash_comparison_days_sql(tbl text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format($q$SELECT location, type, date,
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

-- The same view as 004's, now made from the one definition above.
DO $$ BEGIN EXECUTE 'CREATE OR REPLACE VIEW comparison_days AS ' || aqdash_comparison_days_sql('comparison'); END $$;

-- aqdash_compare_copy_indexes(src, dst) builds on the table dst every index and index-backed constraint
-- of the table src, each named as in src with the suffix _next (renamed by the swap).
CREATE FUNCTION aqdash_compare_copy_indexes(src text, dst text) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    idx record;
BEGIN
    FOR idx IN SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS def, c.conname, pg_get_constraintdef(c.oid) AS condef
                 FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                 LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
                WHERE x.indrelid = src::regclass
                ORDER BY c.conname IS NULL, i.relname LOOP
        IF idx.conname IS NOT NULL THEN
            EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', dst, idx.conname || '_next', idx.condef);
        ELSE
            EXECUTE regexp_replace(idx.def, '^CREATE (UNIQUE )?INDEX \S+ ON \S+ ',
                                   format('CREATE \1INDEX %I ON %I ', idx.name || '_next', dst));
        END IF;
    END LOOP;
END
$$;

-- aqdash_copy_grants(src, dst) grants on the relation dst what is granted on src to others than its owner
-- (a read-only role's SELECT, say), so a swap keeps them.
CREATE FUNCTION aqdash_copy_grants(src regclass, dst text) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    acl record;
BEGIN
    FOR acl IN SELECT a.privilege_type, a.grantee, a.is_grantable
                 FROM pg_class c, aclexplode(c.relacl) a WHERE c.oid = src AND a.grantee <> c.relowner LOOP
        EXECUTE format('GRANT %s ON %I TO %s%s', acl.privilege_type, dst,
                       CASE WHEN acl.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(acl.grantee)) END,
                       CASE WHEN acl.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
END
$$;

-- aqdash_compare_rebuild() computes the comparison and its summaries from scratch, beside the live
-- tables, and swaps them in: on a TRUNCATE of either table and at the end of a bulk load.
CREATE OR REPLACE FUNCTION aqdash_compare_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
-- Room to sort and build indexes in memory: this runs once per bulk load, not per request.
SET work_mem = '64MB' SET maintenance_work_mem = '256MB' AS $$
DECLARE
    tbls   text[] := ARRAY['comparison', 'compare_months', 'compare_weeks', 'compare_series'];
    t      text;
    idx    record;
    waited timestamptz;
    lt     text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('aqdash_comparison'));
    -- The new tables: the live ones' columns (generated ones included), defaults and checks; no indexes
    -- yet, they are built once over every row.
    FOREACH t IN ARRAY tbls LOOP
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE)', t || '_next', t);
    END LOOP;
    -- prev: the previous row of the series is the previous calendar day, and it has a measurement.
    INSERT INTO comparison_next (location, type, date, actual, predicted, prev)
    SELECT location, type, date, h.value, p.prediction,
           CASE WHEN lag(h.date) OVER w = date - 1 THEN lag(h.value) OVER w END
      FROM daily_historic_pollution h FULL JOIN daily_prediction_pollution p USING (location, type, date)
    WINDOW w AS (PARTITION BY location, type ORDER BY date);
    -- Every period is touched: one pass of grouping each, not a join per period.
    EXECUTE 'INSERT INTO compare_months_next
             SELECT location, type, date_trunc(''month'', date::timestamp)::date, ' || aqdash_compare_sums() || '
               FROM (' || aqdash_comparison_days_sql('comparison_next') || ') AS d GROUP BY 1, 2, 3';
    INSERT INTO compare_weeks_next
    SELECT location, type, date_trunc('week', date::timestamp)::date, count(actual), sum(actual), count(predicted), sum(predicted)
      FROM comparison_next GROUP BY 1, 2, 3;
    EXECUTE 'INSERT INTO compare_series_next SELECT location, type, ' || aqdash_compare_sums() || ' FROM compare_months_next GROUP BY 1, 2';
    FOREACH t IN ARRAY tbls LOOP
        PERFORM aqdash_compare_copy_indexes(t, t || '_next');
        PERFORM aqdash_copy_grants(t::regclass, t || '_next');
        EXECUTE format('ANALYZE %I', t || '_next');
    END LOOP;

    -- The swap. Its ACCESS EXCLUSIVE lock waits for the readers of the old tables, and every reader
    -- that comes meanwhile queues behind it: so it is asked for briefly, again and again, letting
    -- readers through in between, until no reader holds the tables (a reader's query lasts at most the
    -- pool's statement timeout; a CSV export of the comparison, its whole stream). After a minute of
    -- that it waits for as long as it takes.
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
    -- The view's grants, kept on a stand-in while it is made again.
    CREATE TEMP TABLE aqdash_days_grants ON COMMIT DROP AS SELECT 1 AS x LIMIT 0;
    PERFORM aqdash_copy_grants('comparison_days'::regclass, 'aqdash_days_grants');
    DROP VIEW comparison_days;
    DROP TABLE comparison, compare_months, compare_weeks, compare_series;
    FOREACH t IN ARRAY tbls LOOP
        EXECUTE format('ALTER TABLE %I RENAME TO %I', t || '_next', t);
        -- Renaming an index that backs a constraint renames the constraint too.
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

---- create above / drop below ----

-- 004's rebuild, as it was.
CREATE OR REPLACE FUNCTION aqdash_compare_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
SET work_mem = '64MB' SET maintenance_work_mem = '256MB' AS $$
DECLARE
    defs text[];
    def  text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('aqdash_comparison'));
    defs := ARRAY(SELECT aqdash_drop_secondary_indexes('comparison'));
    TRUNCATE comparison, compare_months, compare_weeks, compare_series;
    INSERT INTO comparison (location, type, date, actual, predicted, prev)
    SELECT location, type, date, h.value, p.prediction,
           CASE WHEN lag(h.date) OVER w = date - 1 THEN lag(h.value) OVER w END
      FROM daily_historic_pollution h FULL JOIN daily_prediction_pollution p USING (location, type, date)
    WINDOW w AS (PARTITION BY location, type ORDER BY date);
    EXECUTE 'INSERT INTO compare_months
             SELECT location, type, date_trunc(''month'', date::timestamp)::date, ' || aqdash_compare_sums() || '
               FROM comparison_days GROUP BY 1, 2, 3';
    INSERT INTO compare_weeks
    SELECT location, type, date_trunc('week', date::timestamp)::date, count(actual), sum(actual), count(predicted), sum(predicted)
      FROM comparison GROUP BY 1, 2, 3;
    EXECUTE 'INSERT INTO compare_series SELECT location, type, ' || aqdash_compare_sums() || ' FROM compare_months GROUP BY 1, 2';
    FOREACH def IN ARRAY defs LOOP
        EXECUTE def;
    END LOOP;
    ANALYZE comparison;
    ANALYZE compare_months;
    ANALYZE compare_weeks;
    ANALYZE compare_series;
END
$$;
DROP FUNCTION aqdash_copy_grants(regclass, text);
DROP FUNCTION aqdash_compare_copy_indexes(text, text);
DROP FUNCTION aqdash_comparison_days_sql(text);
