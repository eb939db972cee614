-- series_stats keeps, for each table and series (location and pollutant), its row count and first and
-- last date, so the overview, the filter choices and the row counts of unfiltered or location/pollutant
-- filtered views never scan millions of rows. Statement-level triggers keep it exact for every writer
-- (the importer, the ingest API, plain SQL): they read only the rows a statement touched (transition
-- tables) and, after deletes, look the new first and last dates up through the primary key.
-- tbl is the table's key in queries: 'historic' or 'predictions'.

CREATE TABLE series_stats (
    tbl      text   NOT NULL CHECK (tbl IN ('historic', 'predictions')),
    location text   NOT NULL,
    type     text   NOT NULL,
    n        bigint NOT NULL CHECK (n >= 0),
    first    date   NOT NULL,
    last     date   NOT NULL,
    PRIMARY KEY (tbl, location, type)
);

INSERT INTO series_stats (tbl, location, type, n, first, last)
SELECT 'historic', location, type, count(*), min(date), max(date) FROM daily_historic_pollution GROUP BY location, type;
INSERT INTO series_stats (tbl, location, type, n, first, last)
SELECT 'predictions', location, type, count(*), min(date), max(date) FROM daily_prediction_pollution GROUP BY location, type;

-- aqdash_stats_added(tbl) adds the rows in aqdash_stats_new to their series.
CREATE FUNCTION aqdash_stats_added() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    INSERT INTO series_stats AS s (tbl, location, type, n, first, last)
    SELECT TG_ARGV[0], location, type, count(*), min(date), max(date)
      FROM aqdash_stats_new GROUP BY location, type
        ON CONFLICT (tbl, location, type) DO UPDATE
       SET n = s.n + EXCLUDED.n, first = least(s.first, EXCLUDED.first), last = greatest(s.last, EXCLUDED.last);
    RETURN NULL;
END
$$;

-- aqdash_stats_removed(tbl) takes the rows in aqdash_stats_old off their series, looks up the series'
-- new first and last dates, and forgets series left empty.
CREATE FUNCTION aqdash_stats_removed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    UPDATE series_stats AS s SET n = s.n - d.n
      FROM (SELECT location, type, count(*) AS n FROM aqdash_stats_old GROUP BY location, type) AS d
     WHERE s.tbl = TG_ARGV[0] AND s.location = d.location AND s.type = d.type;
    DELETE FROM series_stats AS s
     WHERE s.tbl = TG_ARGV[0] AND s.n = 0
       AND (s.location, s.type) IN (SELECT location, type FROM aqdash_stats_old);
    EXECUTE format(
        'UPDATE series_stats AS s
            SET first = (SELECT min(date) FROM %1$I t WHERE t.location = s.location AND t.type = s.type),
                last  = (SELECT max(date) FROM %1$I t WHERE t.location = s.location AND t.type = s.type)
          WHERE s.tbl = $1 AND (s.location, s.type) IN (SELECT DISTINCT location, type FROM aqdash_stats_old)',
        TG_TABLE_NAME) USING TG_ARGV[0];
    RETURN NULL;
END
$$;

-- An update may move a row to another series or date: it is a removal and an addition.
CREATE FUNCTION aqdash_stats_moved() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    -- Only values changed (the importer's upsert): counts and dates stay as they are.
    IF NOT EXISTS (SELECT 1 FROM aqdash_stats_old o FULL JOIN aqdash_stats_new n USING (location, type, date)
                    WHERE o.location IS NULL OR n.location IS NULL) THEN
        RETURN NULL;
    END IF;
    INSERT INTO series_stats AS s (tbl, location, type, n, first, last)
    SELECT TG_ARGV[0], location, type, count(*), min(date), max(date)
      FROM aqdash_stats_new GROUP BY location, type
        ON CONFLICT (tbl, location, type) DO UPDATE
       SET n = s.n + EXCLUDED.n, first = least(s.first, EXCLUDED.first), last = greatest(s.last, EXCLUDED.last);
    UPDATE series_stats AS s SET n = s.n - d.n
      FROM (SELECT location, type, count(*) AS n FROM aqdash_stats_old GROUP BY location, type) AS d
     WHERE s.tbl = TG_ARGV[0] AND s.location = d.location AND s.type = d.type;
    DELETE FROM series_stats AS s
     WHERE s.tbl = TG_ARGV[0] AND s.n = 0;
    EXECUTE format(
        'UPDATE series_stats AS s
            SET first = (SELECT min(date) FROM %1$I t WHERE t.location = s.location AND t.type = s.type),
                last  = (SELECT max(date) FROM %1$I t WHERE t.location = s.location AND t.type = s.type)
          WHERE s.tbl = $1 AND (s.location, s.type) IN (SELECT DISTINCT location, type FROM aqdash_stats_old)',
        TG_TABLE_NAME) USING TG_ARGV[0];
    RETURN NULL;
END
$$;

CREATE FUNCTION aqdash_stats_truncated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    DELETE FROM series_stats WHERE tbl = TG_ARGV[0];
    RETURN NULL;
END
$$;

CREATE TRIGGER aqdash_stats_insert AFTER INSERT ON daily_historic_pollution
    REFERENCING NEW TABLE AS aqdash_stats_new FOR EACH STATEMENT EXECUTE FUNCTION aqdash_stats_added('historic');
CREATE TRIGGER aqdash_stats_delete AFTER DELETE ON daily_historic_pollution
    REFERENCING OLD TABLE AS aqdash_stats_old FOR EACH STATEMENT EXECUTE FUNCTION aqdash_stats_removed('historic');
CREATE TRIGGER aqdash_stats_update AFTER UPDATE ON daily_historic_pollution
    REFERENCING OLD TABLE AS aqdash_stats_old NEW TABLE AS aqdash_stats_new FOR EACH STATEMENT EXECUTE FUNCTION aqdash_stats_moved('historic');
CREATE TRIGGER aqdash_stats_truncate AFTER TRUNCATE ON daily_historic_pollution
    FOR EACH STATEMENT EXECUTE FUNCTION aqdash_stats_truncated('historic');

CREATE TRIGGER aqdash_stats_insert AFTER INSERT ON daily_prediction_pollution
    REFERENCING NEW TABLE AS aqdash_stats_new FOR EACH STATEMENT EXECUTE FUNCTION aqdash_stats_added('predictions');
CREATE TRIGGER aqdash_stats_delete AFTER DELETE ON daily_prediction_pollution
    REFERENCING OLD TABLE AS aqdash_stats_old FOR EACH STATEMENT EXECUTE FUNCTION aqdash_stats_removed('predictions');
CREATE TRIGGER aqdash_stats_update AFTER UPDATE ON daily_prediction_pollution
    REFERENCING OLD TABLE AS aqdash_stats_old NEW TABLE AS aqdash_stats_new FOR EACH STATEMENT EXECUTE FUNCTION aqdash_stats_moved('predictions');
CREATE TRIGGER aqdash_stats_truncate AFTER TRUNCATE ON daily_prediction_pollution
    FOR EACH STATEMENT EXECUTE FUNCTION aqdash_stats_truncated('predictions');

---- create above / drop below ----

DROP TABLE series_stats;
DROP FUNCTION aqdash_stats_added() CASCADE;
DROP FUNCTION aqdash_stats_removed() CASCADE;
DROP FUNCTION aqdash_stats_moved() CASCADE;
DROP FUNCTION aqdash_stats_truncated() CASCADE;
