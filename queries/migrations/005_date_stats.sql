-- date_stats keeps, for each table and day, how many rows it has, so that a page jumped to directly in
-- date order (page=N of the default view) finds its first day by summing at most one row per day, and
-- skips only the rows of that day, instead of reading every row before it (2.5 million of them on page
-- 100,000). Statement-level triggers keep it exact for every writer, as series_stats (003) is kept.

CREATE TABLE date_stats (
    tbl  text   NOT NULL CHECK (tbl IN ('historic', 'predictions')),
    date date   NOT NULL,
    n    bigint NOT NULL CHECK (n >= 0),
    PRIMARY KEY (tbl, date)
);

INSERT INTO date_stats SELECT 'historic', date, count(*) FROM daily_historic_pollution GROUP BY date;
INSERT INTO date_stats SELECT 'predictions', date, count(*) FROM daily_prediction_pollution GROUP BY date;

-- aqdash_dates_changed(tbl) adds the days of the rows a statement inserted and takes off those of the rows
-- it deleted (an update does both: a row may move to another day), then forgets days left empty.
CREATE FUNCTION aqdash_dates_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM date_stats WHERE tbl = TG_ARGV[0];
        RETURN NULL;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO date_stats AS s (tbl, date, n)
        SELECT TG_ARGV[0], date, count(*) FROM aqdash_dates_new GROUP BY date
            ON CONFLICT (tbl, date) DO UPDATE SET n = s.n + EXCLUDED.n;
    END IF;
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE date_stats AS s SET n = s.n - o.n
          FROM (SELECT date, count(*) AS n FROM aqdash_dates_old GROUP BY date) AS o
         WHERE s.tbl = TG_ARGV[0] AND s.date = o.date;
        DELETE FROM date_stats WHERE tbl = TG_ARGV[0] AND n = 0;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER aqdash_dates_insert AFTER INSERT ON daily_historic_pollution
    REFERENCING NEW TABLE AS aqdash_dates_new FOR EACH STATEMENT EXECUTE FUNCTION aqdash_dates_changed('historic');
CREATE TRIGGER aqdash_dates_update AFTER UPDATE ON daily_historic_pollution
    REFERENCING OLD TABLE AS aqdash_dates_old NEW TABLE AS aqdash_dates_new FOR EACH STATEMENT EXECUTE FUNCTION aqdash_dates_changed('historic');
CREATE TRIGGER aqdash_dates_delete AFTER DELETE ON daily_historic_pollution
    REFERENCING OLD TABLE AS aqdash_dates_old FOR EACH STATEMENT EXECUTE FUNCTION aqdash_dates_changed('historic');
CREATE TRIGGER aqdash_dates_truncate AFTER TRUNCATE ON daily_historic_pollution
    FOR EACH STATEMENT EXECUTE FUNCTION aqdash_dates_changed('historic');

CREATE TRIGGER aqdash_dates_insert AFTER INSERT ON daily_prediction_pollution
    REFERENCING NEW TABLE AS aqdash_dates_new FOR EACH STATEMENT EXECUTE FUNCTION aqdash_dates_changed('predictions');
CREATE TRIGGER aqdash_dates_update AFTER UPDATE ON daily_prediction_pollution
    REFERENCING OLD TABLE AS aqdash_dates_old NEW TABLE AS aqdash_dates_new FOR EACH STATEMENT EXECUTE FUNCTION aqdash_dates_changed('predictions');
CREATE TRIGGER aqdash_dates_delete AFTER DELETE ON daily_prediction_pollution
    REFERENCING OLD TABLE AS aqdash_dates_old FOR EACH STATEMENT EXECUTE FUNCTION aqdash_dates_changed('predictions');
CREATE TRIGGER aqdash_dates_truncate AFTER TRUNCATE ON daily_prediction_pollution
    FOR EACH STATEMENT EXECUTE FUNCTION aqdash_dates_changed('predictions');

---- create above / drop below ----

DROP FUNCTION aqdash_dates_changed() CASCADE;
DROP TABLE date_stats;
