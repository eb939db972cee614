-- Indexes built after the commit. A load into empty tables (the first start's demo data: 2.2 million
-- predictions, 2.5 million comparison rows) spent two thirds of its time building the secondary indexes
-- of the predictions and of the comparison (measured on the demo, idle machine: 48 s and 77 s of 194 s)
-- inside its transaction, so the dashboard showed nothing until all of them were there. Such a load may
-- now queue them instead (the transaction-local setting aqdash.defer_indexes = 'on'): it drops the
-- tables' secondary indexes, keeps their primary keys (the upserts' ON CONFLICT needs them), commits the
-- rows, and the indexes are built afterwards, one at a time, by queries.BuildPendingIndexes (the server:
-- CREATE INDEX CONCURRENTLY, so readers and writers go on meanwhile). The queue is a table, so a build cut
-- short (a restart) is taken up again by the next server.

-- aqdash_pending_indexes: one row per index to build, its definition as pg_get_indexdef gives it (the
-- final name, on the live table).
CREATE TABLE aqdash_pending_indexes (
    name   text        PRIMARY KEY,
    def    text        NOT NULL CHECK (def ~ '^CREATE (UNIQUE )?INDEX '),
    queued timestamptz NOT NULL DEFAULT now()
);

-- aqdash_defer_secondary_indexes(tbl) drops every index of the table tbl but its primary key (004's
-- aqdash_drop_secondary_indexes) and queues its definition; it returns the names.
CREATE FUNCTION aqdash_defer_secondary_indexes(tbl text) RETURNS SETOF text
LANGUAGE sql SET search_path FROM CURRENT AS $$
    INSERT INTO aqdash_pending_indexes (name, def)
    SELECT (regexp_match(def, '^CREATE (?:UNIQUE )?INDEX (\S+) ON '))[1], def FROM aqdash_drop_secondary_indexes(tbl) AS def
        ON CONFLICT (name) DO UPDATE SET def = EXCLUDED.def
    RETURNING name
$$;

-- aqdash_compare_copy_indexes(src, dst): 006's, but under aqdash.defer_indexes the secondary indexes of
-- the comparison itself (the one big table of the four the rebuild swaps) are queued under their final
-- names instead of built on dst; its primary key is built as before.
CREATE OR REPLACE FUNCTION aqdash_compare_copy_indexes(src text, dst text) RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    idx   record;
    defer boolean := src = 'comparison' AND coalesce(current_setting('aqdash.defer_indexes', true), '') = 'on';
BEGIN
    FOR idx IN SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS def, c.conname, pg_get_constraintdef(c.oid) AS condef
                 FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                 LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid
                WHERE x.indrelid = src::regclass
                ORDER BY c.conname IS NULL, i.relname LOOP
        IF idx.conname IS NOT NULL THEN
            EXECUTE format('ALTER TABLE %I ADD CONSTRAINT %I %s', dst, idx.conname || '_next', idx.condef);
        ELSIF defer THEN
            INSERT INTO aqdash_pending_indexes (name, def) VALUES (idx.name, idx.def)
                ON CONFLICT (name) DO UPDATE SET def = EXCLUDED.def;
        ELSE
            EXECUTE regexp_replace(idx.def, '^CREATE (UNIQUE )?INDEX \S+ ON \S+ ',
                                   format('CREATE \1INDEX %I ON %I ', idx.name || '_next', dst));
        END IF;
    END LOOP;
END
$$;

---- create above / drop below ----

-- The queued indexes are built before the queue goes (the rows are there, only their indexes are not).
DO $$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT name, def FROM aqdash_pending_indexes ORDER BY queued, name LOOP
        EXECUTE format('DROP INDEX IF EXISTS %I', p.name);
        EXECUTE p.def;
    END LOOP;
END
$$;
CREATE OR REPLACE FUNCTION aqdash_compare_copy_indexes(src text, dst text) RETURNS void
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
DROP FUNCTION aqdash_defer_secondary_indexes(text);
DROP TABLE aqdash_pending_indexes;
