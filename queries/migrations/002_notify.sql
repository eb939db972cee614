-- Every change to the data announces itself, whoever makes it (the importer, the demo loader, the ingest
-- API, or plain SQL): statement-level triggers NOTIFY the channel aqdash_changes (queries.Channel) once
-- per statement and event, and bump a per-table data version that views use as their ETag.
--
-- The payload is a small JSON object, well under NOTIFY's 8000-byte limit:
--   {"table":"historic","op":"insert","rows":1,"version":"4.2",
--    "locations":["Hyderabad"],"types":["pm25"],"from":"2020-07-01","to":"2020-07-01"}
-- With more than 50 distinct locations or pollutants (or names so long that the lists would not fit),
-- the lists are left out and "all":true is sent instead. TRUNCATE sends "all":true with no rows count.
-- version is the data version after the change: one counter per table, "historic.predictions".
-- A statement that touches no row (a re-import of the same file) sends nothing and bumps nothing.

CREATE TABLE aqdash_data_version (
    tbl     text   PRIMARY KEY CHECK (tbl IN ('historic', 'predictions')),
    version bigint NOT NULL DEFAULT 0
);
INSERT INTO aqdash_data_version (tbl) VALUES ('historic'), ('predictions');

-- aqdash_notify_change(table key) runs once per statement. Transition tables hold the rows the statement
-- touched: aqdash_new_rows for INSERT and UPDATE, aqdash_old_rows for UPDATE and DELETE. PostgreSQL allows
-- transition tables only on single-event triggers, hence one trigger per event below. It runs as its owner
-- (SECURITY DEFINER), so a role that may write the data tables but not aqdash_data_version can still write.
CREATE FUNCTION aqdash_notify_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    max_names constant int := 50;
    n       bigint;
    locs    text[];
    types   text[];
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
        -- An update may move a row (a new location or date): count both sides.
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

    UPDATE aqdash_data_version SET version = version + 1 WHERE tbl = TG_ARGV[0];
    SELECT string_agg(version::text, '.' ORDER BY tbl) INTO ver FROM aqdash_data_version;

    payload := jsonb_build_object('table', TG_ARGV[0], 'op', lower(TG_OP), 'version', ver);
    IF n IS NOT NULL THEN
        payload := payload || jsonb_build_object('rows', n);
    END IF;
    IF lo IS NOT NULL THEN
        payload := payload || jsonb_build_object('from', lo, 'to', hi);
    END IF;
    IF locs IS NOT NULL AND cardinality(locs) <= max_names AND cardinality(types) <= max_names THEN
        payload := payload || jsonb_build_object('locations', to_jsonb(locs), 'types', to_jsonb(types));
    ELSE
        payload := payload || jsonb_build_object('all', true);
    END IF;
    IF octet_length(payload::text) > 7000 THEN
        payload := (payload - 'locations' - 'types') || jsonb_build_object('all', true);
    END IF;
    PERFORM pg_notify('aqdash_changes', payload::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER aqdash_notify_insert AFTER INSERT ON daily_historic_pollution
    REFERENCING NEW TABLE AS aqdash_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION aqdash_notify_change('historic');
CREATE TRIGGER aqdash_notify_update AFTER UPDATE ON daily_historic_pollution
    REFERENCING OLD TABLE AS aqdash_old_rows NEW TABLE AS aqdash_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION aqdash_notify_change('historic');
CREATE TRIGGER aqdash_notify_delete AFTER DELETE ON daily_historic_pollution
    REFERENCING OLD TABLE AS aqdash_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION aqdash_notify_change('historic');
CREATE TRIGGER aqdash_notify_truncate AFTER TRUNCATE ON daily_historic_pollution
    FOR EACH STATEMENT EXECUTE FUNCTION aqdash_notify_change('historic');

CREATE TRIGGER aqdash_notify_insert AFTER INSERT ON daily_prediction_pollution
    REFERENCING NEW TABLE AS aqdash_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION aqdash_notify_change('predictions');
CREATE TRIGGER aqdash_notify_update AFTER UPDATE ON daily_prediction_pollution
    REFERENCING OLD TABLE AS aqdash_old_rows NEW TABLE AS aqdash_new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION aqdash_notify_change('predictions');
CREATE TRIGGER aqdash_notify_delete AFTER DELETE ON daily_prediction_pollution
    REFERENCING OLD TABLE AS aqdash_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION aqdash_notify_change('predictions');
CREATE TRIGGER aqdash_notify_truncate AFTER TRUNCATE ON daily_prediction_pollution
    FOR EACH STATEMENT EXECUTE FUNCTION aqdash_notify_change('predictions');

---- create above / drop below ----

DROP TRIGGER aqdash_notify_truncate ON daily_prediction_pollution;
DROP TRIGGER aqdash_notify_delete ON daily_prediction_pollution;
DROP TRIGGER aqdash_notify_update ON daily_prediction_pollution;
DROP TRIGGER aqdash_notify_insert ON daily_prediction_pollution;
DROP TRIGGER aqdash_notify_truncate ON daily_historic_pollution;
DROP TRIGGER aqdash_notify_delete ON daily_historic_pollution;
DROP TRIGGER aqdash_notify_update ON daily_historic_pollution;
DROP TRIGGER aqdash_notify_insert ON daily_historic_pollution;
DROP FUNCTION aqdash_notify_change();
DROP TABLE aqdash_data_version;
