-- The bulk path (queries.BulkLoad and a big import): a load of millions of rows skips the statement
-- triggers that keep series_stats (003), date_stats (005) and the data version with its NOTIFY (002,
-- 007), and puts all of it right once before it commits. Those triggers read the statement's whole
-- transition table (every row it wrote), some of them more than once and through joins the planner
-- cannot estimate; on the demo's 2.3 million predictions they cost minutes, where one GROUP BY over the
-- table costs seconds. The comparison's own triggers already defer to one rebuild (004, 006).
--
-- The switch is the setting aqdash.bulk, set with SET LOCAL (set_config(..., true)) inside the load's
-- transaction: it takes no lock and no other session sees it. Each skipped trigger carries
-- WHEN (NOT aqdash_bulk()); the transition tables are still captured (once per table and event, shared
-- by every trigger), but nothing reads them. A trigger without transition tables, aqdash_bulk_mark,
-- notes which tables the bulk transaction wrote (aqdash.bulk_historic, aqdash.bulk_predictions), so
-- aqdash_bulk_finish() rebuilds only theirs, bumps only their data versions, and sends one NOTIFY for
-- the whole load ({"op":"bulk","all":true,...}, with "table" when it wrote only one).

-- aqdash_bulk() reports whether the transaction is a bulk load.
CREATE FUNCTION aqdash_bulk() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(current_setting('aqdash.bulk', true) = 'on', false)
$$;

-- The triggers that skip their work during a bulk load: every trigger of 002, 003 and 005 (as later
-- migrations left them) gains the condition, its definition otherwise unchanged.
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT g.oid, g.tgname, g.tgrelid::regclass AS rel, pg_get_triggerdef(g.oid) AS def
               FROM pg_trigger g
              WHERE NOT g.tgisinternal
                AND g.tgrelid IN ('daily_historic_pollution'::regclass, 'daily_prediction_pollution'::regclass)
                AND (g.tgname LIKE 'aqdash\_stats\_%' OR g.tgname LIKE 'aqdash\_dates\_%' OR g.tgname LIKE 'aqdash\_notify\_%')
                AND g.tgqual IS NULL LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.rel);
        EXECUTE replace(t.def, ' FOR EACH STATEMENT EXECUTE FUNCTION ', ' FOR EACH STATEMENT WHEN (NOT aqdash_bulk()) EXECUTE FUNCTION ');
    END LOOP;
END
$$;

-- aqdash_bulk_marked(tbl) notes that the bulk transaction wrote the table tbl.
CREATE FUNCTION aqdash_bulk_marked() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('aqdash.bulk_' || TG_ARGV[0], 'on', true);
    RETURN NULL;
END
$$;

CREATE TRIGGER aqdash_bulk_mark AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON daily_historic_pollution
    FOR EACH STATEMENT WHEN (aqdash_bulk()) EXECUTE FUNCTION aqdash_bulk_marked('historic');
CREATE TRIGGER aqdash_bulk_mark AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON daily_prediction_pollution
    FOR EACH STATEMENT WHEN (aqdash_bulk()) EXECUTE FUNCTION aqdash_bulk_marked('predictions');

-- aqdash_bulk_finish() ends a bulk load inside its transaction: series_stats and date_stats of every
-- table it wrote computed again from the table (one pass each), those tables' data versions bumped once,
-- one NOTIFY, and the switch off (later statements of the transaction are kept by their triggers
-- again). The comparison is rebuilt by the caller (aqdash_compare_rebuild, which also counts
-- model_leads). It returns the payload it sent, or NULL when the load wrote nothing.
CREATE FUNCTION aqdash_bulk_finish() RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT SET work_mem = '64MB' AS $$
DECLARE
    tbls    text[] := ARRAY[]::text[];
    key     text;
    rel     text;
    ver     text;
    payload jsonb;
BEGIN
    IF current_setting('aqdash.bulk_historic', true) = 'on' THEN
        tbls := array_append(tbls, 'historic');
    END IF;
    IF current_setting('aqdash.bulk_predictions', true) = 'on' THEN
        tbls := array_append(tbls, 'predictions');
    END IF;
    PERFORM set_config('aqdash.bulk', 'off', true);
    PERFORM set_config('aqdash.bulk_historic', 'off', true);
    PERFORM set_config('aqdash.bulk_predictions', 'off', true);
    IF cardinality(tbls) = 0 THEN
        RETURN NULL;
    END IF;
    FOREACH key IN ARRAY tbls LOOP
        rel := CASE key WHEN 'historic' THEN 'daily_historic_pollution' ELSE 'daily_prediction_pollution' END;
        DELETE FROM series_stats WHERE series_stats.tbl = key;
        EXECUTE format('INSERT INTO series_stats (tbl, location, type, n, first, last)
                        SELECT $1, location, type, count(*), min(date), max(date) FROM %I GROUP BY location, type', rel) USING key;
        DELETE FROM date_stats WHERE date_stats.tbl = key;
        EXECUTE format('INSERT INTO date_stats (tbl, date, n) SELECT $1, date, count(*) FROM %I GROUP BY date', rel) USING key;
        UPDATE aqdash_data_version SET version = version + 1 WHERE aqdash_data_version.tbl = key;
    END LOOP;
    SELECT string_agg(version::text, '.' ORDER BY aqdash_data_version.tbl) INTO ver FROM aqdash_data_version;
    payload := jsonb_build_object('op', 'bulk', 'version', ver, 'all', true);
    IF cardinality(tbls) = 1 THEN
        payload := payload || jsonb_build_object('table', tbls[1]);
    END IF;
    PERFORM pg_notify('aqdash_changes', payload::text);
    RETURN payload::text;
END
$$;

-- The equalized reference metrics (ref=) over whole series, from sums: compare_ref_series holds, per
-- ordered pair of models at a lead and series, the days where both have an error and each one's sum of
-- absolute errors over them. It is not kept by the write triggers (keeping pair sums on every write made
-- writes far slower): it is a cache, refreshed after writes by aqdash_ref_refresh() (the server runs it
-- in the background after each change), and a read trusts a row only while it is fresh: compare_series
-- gains ver, a number drawn anew (aqdash_sums_version) every time its row is written, by the triggers'
-- upkeep or a rebuild, and a cached row stores the vers of the model's and the reference's series
-- rows it was computed with. A read sums the fresh rows and computes the stale series from the
-- comparison's days itself, so the answer is always exact; it is fast once the refresh has caught up.
-- The sequence is owned by no table: the rebuild's swap drops compare_series and renames the new one,
-- whose ver has the same default (LIKE ... INCLUDING DEFAULTS). The fillers of compare_series list
-- fewer columns than it has, so ver (the last column) takes its default.
CREATE SEQUENCE aqdash_sums_version CACHE 100;
ALTER TABLE compare_series ADD COLUMN ver bigint NOT NULL DEFAULT nextval('aqdash_sums_version');

CREATE TABLE compare_ref_series (
    model       text     NOT NULL,
    ref         text     NOT NULL,
    lead        smallint NOT NULL,
    location    text     NOT NULL,
    type        text     NOT NULL,
    model_ver   bigint   NOT NULL,
    ref_ver     bigint   NOT NULL,
    n           bigint   NOT NULL,
    sum_abs     double precision,
    ref_sum_abs double precision,
    PRIMARY KEY (model, ref, lead, location, type)
);

-- aqdash_ref_refresh() brings compare_ref_series up to date: every pair of models at a lead and series
-- whose cached row is missing or stale is computed again (both orders from one join), and rows of pairs
-- that no longer exist are dropped. It returns how many pairs it computed. One refresh at a time (an
-- advisory lock); a write meanwhile leaves its series stale for the next one.
CREATE FUNCTION aqdash_ref_refresh() RETURNS bigint
LANGUAGE plpgsql SET search_path FROM CURRENT SET work_mem = '64MB' AS $$
DECLARE
    done bigint;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('aqdash_ref_refresh'));
    DELETE FROM compare_ref_series c
     WHERE NOT EXISTS (SELECT 1 FROM compare_series s WHERE (s.model, s.lead, s.location, s.type) = (c.model, c.lead, c.location, c.type))
        OR NOT EXISTS (SELECT 1 FROM compare_series s WHERE (s.model, s.lead, s.location, s.type) = (c.ref, c.lead, c.location, c.type));
    WITH stale AS (
        SELECT s.model AS m, r.model AS r, s.lead, s.location, s.type, s.ver AS mv, r.ver AS rv
          FROM compare_series s JOIN compare_series r
            ON r.lead = s.lead AND r.location = s.location AND r.type = s.type AND r.model > s.model
         WHERE NOT EXISTS (SELECT 1 FROM compare_ref_series c
                            WHERE (c.model, c.ref, c.lead, c.location, c.type, c.model_ver, c.ref_ver)
                                = (s.model, r.model, s.lead, s.location, s.type, s.ver, r.ver))
            OR NOT EXISTS (SELECT 1 FROM compare_ref_series c
                            WHERE (c.model, c.ref, c.lead, c.location, c.type, c.model_ver, c.ref_ver)
                                = (r.model, s.model, s.lead, s.location, s.type, r.ver, s.ver))),
    sums AS (
        SELECT st.*, x.n, x.sum_abs, x.ref_sum_abs
          FROM stale st CROSS JOIN LATERAL (
               SELECT count(*) AS n, sum(a.abs_error) AS sum_abs, sum(b.abs_error) AS ref_sum_abs
                 FROM comparison a JOIN comparison b
                   ON b.model = st.r AND b.lead = a.lead AND b.location = a.location AND b.type = a.type AND b.date = a.date
                WHERE a.model = st.m AND a.lead = st.lead AND a.location = st.location AND a.type = st.type
                  AND a.error IS NOT NULL AND b.error IS NOT NULL) AS x),
    up AS (
        INSERT INTO compare_ref_series AS c (model, ref, lead, location, type, model_ver, ref_ver, n, sum_abs, ref_sum_abs)
        SELECT m, r, lead, location, type, mv, rv, n, sum_abs, ref_sum_abs FROM sums
        UNION ALL
        SELECT r, m, lead, location, type, rv, mv, n, ref_sum_abs, sum_abs FROM sums
            ON CONFLICT (model, ref, lead, location, type) DO UPDATE
           SET model_ver = EXCLUDED.model_ver, ref_ver = EXCLUDED.ref_ver, n = EXCLUDED.n,
               sum_abs = EXCLUDED.sum_abs, ref_sum_abs = EXCLUDED.ref_sum_abs
        RETURNING 1)
    SELECT count(*) / 2 INTO done FROM up;
    RETURN done;
END
$$;

---- create above / drop below ----

DROP FUNCTION aqdash_ref_refresh();
DROP TABLE compare_ref_series;
ALTER TABLE compare_series DROP COLUMN ver;
DROP SEQUENCE aqdash_sums_version;
DROP FUNCTION aqdash_bulk_finish();
DROP TRIGGER aqdash_bulk_mark ON daily_prediction_pollution;
DROP TRIGGER aqdash_bulk_mark ON daily_historic_pollution;
DROP FUNCTION aqdash_bulk_marked();
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT g.tgname, g.tgrelid::regclass AS rel, pg_get_triggerdef(g.oid) AS def
               FROM pg_trigger g
              WHERE NOT g.tgisinternal
                AND g.tgrelid IN ('daily_historic_pollution'::regclass, 'daily_prediction_pollution'::regclass)
                AND pg_get_triggerdef(g.oid) LIKE '%WHEN ((NOT aqdash_bulk()))%' LOOP
        EXECUTE format('DROP TRIGGER %I ON %s', t.tgname, t.rel);
        EXECUTE replace(t.def, ' WHEN ((NOT aqdash_bulk()))', '');
    END LOOP;
END
$$;
DROP FUNCTION aqdash_bulk();
