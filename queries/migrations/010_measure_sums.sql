-- measure_months keeps, per series (location, pollutant) and calendar month, the sums of the measured
-- days that the calendar's year figures and the city ranking read (issue 16): days measured, the sum of
-- their values (the mean), the days above the WHO 2021 24-hour guideline (008's aqdash_who_exceeded; 0
-- for a pollutant without one) and the days in each band of each scale, naqi_0..naqi_5 and
-- us_epa_0..us_epa_5 (level 0 best; all 0 for a pollutant without bands). A year is at most 12 rows per
-- series, and a ranking over every location for a year 12 rows per location, instead of 365.
--
-- Statement-level triggers keep it exact for every writer (the importer, the ingest API, plain SQL), as
-- series_stats (003) and date_stats (005) are kept: they read the rows a statement touched (transition
-- tables) and recompute the months those rows fall in from the table, through its primary key (at most
-- 31 rows a month), rather than adding to the old sums, so a correction or a deletion never leaves a
-- drifted sum behind. A bulk load (queries.BulkLoad, aqdash.defer_comparison = 'on') skips that upkeep
-- and calls aqdash_measure_months_rebuild() once before it commits.

CREATE TABLE measure_months (
    location  text             NOT NULL,
    type      text             NOT NULL,
    month     date             NOT NULL CHECK (extract(day FROM month) = 1),
    days      bigint           NOT NULL CHECK (days > 0),
    sum_value double precision NOT NULL,
    who_days  bigint           NOT NULL,
    naqi_0    bigint           NOT NULL,
    naqi_1    bigint           NOT NULL,
    naqi_2    bigint           NOT NULL,
    naqi_3    bigint           NOT NULL,
    naqi_4    bigint           NOT NULL,
    naqi_5    bigint           NOT NULL,
    us_epa_0  bigint           NOT NULL,
    us_epa_1  bigint           NOT NULL,
    us_epa_2  bigint           NOT NULL,
    us_epa_3  bigint           NOT NULL,
    us_epa_4  bigint           NOT NULL,
    us_epa_5  bigint           NOT NULL,
    -- One series' months (the calendar's year, its years with data).
    PRIMARY KEY (location, type, month)
);

-- One pollutant's months across every location (the ranking of a period).
CREATE INDEX measure_months_type_idx ON measure_months (type, month, location);

-- aqdash_measure_days is every measured day as the terms of measure_months' sums.
CREATE VIEW aqdash_measure_days AS
SELECT location, type, date, value,
       coalesce(aqdash_who_exceeded(type, value)::int, 0) AS who,
       aqdash_band_naqi(type, value)                       AS naqi,
       aqdash_band_us_epa(type, value)                     AS us_epa
  FROM daily_historic_pollution;

-- aqdash_measure_months_sums(rows) is the select list of measure_months' sums over aqdash_measure_days.
CREATE FUNCTION aqdash_measure_months_sums() RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'count(*), sum(value), sum(who),
            count(*) FILTER (WHERE naqi = 0), count(*) FILTER (WHERE naqi = 1), count(*) FILTER (WHERE naqi = 2),
            count(*) FILTER (WHERE naqi = 3), count(*) FILTER (WHERE naqi = 4), count(*) FILTER (WHERE naqi = 5),
            count(*) FILTER (WHERE us_epa = 0), count(*) FILTER (WHERE us_epa = 1), count(*) FILTER (WHERE us_epa = 2),
            count(*) FILTER (WHERE us_epa = 3), count(*) FILTER (WHERE us_epa = 4), count(*) FILTER (WHERE us_epa = 5)'
$$;

-- aqdash_measure_months_refresh(locations, types, months) recomputes the measure_months rows of the given
-- (location, type, month) triples (the arrays side by side) from the table, and forgets months left empty.
CREATE FUNCTION aqdash_measure_months_refresh(locs text[], types text[], months date[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
    EXECUTE
        'INSERT INTO measure_months AS m
         SELECT t.location, t.type, t.month, ' || aqdash_measure_months_sums() || '
           FROM (SELECT DISTINCT * FROM unnest($1, $2, $3) AS u (location, type, month)) AS t
           JOIN aqdash_measure_days d
             ON d.location = t.location AND d.type = t.type
            AND d.date >= t.month AND d.date < (t.month + interval ''1 month'')::date
          GROUP BY t.location, t.type, t.month
             ON CONFLICT (location, type, month) DO UPDATE
            SET days = EXCLUDED.days, sum_value = EXCLUDED.sum_value, who_days = EXCLUDED.who_days,
                naqi_0 = EXCLUDED.naqi_0, naqi_1 = EXCLUDED.naqi_1, naqi_2 = EXCLUDED.naqi_2,
                naqi_3 = EXCLUDED.naqi_3, naqi_4 = EXCLUDED.naqi_4, naqi_5 = EXCLUDED.naqi_5,
                us_epa_0 = EXCLUDED.us_epa_0, us_epa_1 = EXCLUDED.us_epa_1, us_epa_2 = EXCLUDED.us_epa_2,
                us_epa_3 = EXCLUDED.us_epa_3, us_epa_4 = EXCLUDED.us_epa_4, us_epa_5 = EXCLUDED.us_epa_5'
        USING locs, types, months;
    DELETE FROM measure_months m
     USING (SELECT DISTINCT * FROM unnest(locs, types, months) AS u (location, type, month)) AS t
     WHERE m.location = t.location AND m.type = t.type AND m.month = t.month
       AND NOT EXISTS (SELECT 1 FROM daily_historic_pollution d
                        WHERE d.location = t.location AND d.type = t.type
                          AND d.date >= t.month AND d.date < (t.month + interval '1 month')::date);
END
$$;

-- aqdash_measure_months_rebuild() computes measure_months from scratch: at the end of a bulk load, whose
-- statements skip the triggers' upkeep. It deletes rather than truncates, so readers keep reading the old
-- sums until the load commits.
CREATE FUNCTION aqdash_measure_months_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
SET work_mem = '64MB' AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('aqdash_comparison'));
    DELETE FROM measure_months;
    EXECUTE 'INSERT INTO measure_months
             SELECT location, type, date_trunc(''month'', date::timestamp)::date, ' || aqdash_measure_months_sums() || '
               FROM aqdash_measure_days GROUP BY 1, 2, 3';
    ANALYZE measure_months;
END
$$;

-- aqdash_measure_months_changed() runs once per statement and event on daily_historic_pollution.
CREATE FUNCTION aqdash_measure_months_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    locs   text[];
    types  text[];
    months date[];
BEGIN
    -- The comparison's lock (004): writers recompute their months one at a time, each statement with a
    -- fresh snapshot, so two writers of one month never each miss the other's rows.
    PERFORM pg_advisory_xact_lock(hashtext('aqdash_comparison'));
    IF current_setting('aqdash.defer_comparison', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM measure_months;
        RETURN NULL;
    END IF;
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(location), array_agg(type), array_agg(month) INTO locs, types, months
          FROM (SELECT DISTINCT location, type, date_trunc('month', date::timestamp)::date AS month FROM aqdash_mm_new) AS k;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(location), array_agg(type), array_agg(month) INTO locs, types, months
          FROM (SELECT DISTINCT location, type, date_trunc('month', date::timestamp)::date AS month FROM aqdash_mm_old) AS k;
    ELSE
        SELECT array_agg(location), array_agg(type), array_agg(month) INTO locs, types, months
          FROM (SELECT DISTINCT location, type, date_trunc('month', date::timestamp)::date AS month
                  FROM (SELECT location, type, date FROM aqdash_mm_new UNION ALL SELECT location, type, date FROM aqdash_mm_old) AS u) AS k;
    END IF;
    IF locs IS NOT NULL THEN
        PERFORM aqdash_measure_months_refresh(locs, types, months);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER aqdash_measure_insert AFTER INSERT ON daily_historic_pollution
    REFERENCING NEW TABLE AS aqdash_mm_new FOR EACH STATEMENT EXECUTE FUNCTION aqdash_measure_months_changed();
CREATE TRIGGER aqdash_measure_update AFTER UPDATE ON daily_historic_pollution
    REFERENCING OLD TABLE AS aqdash_mm_old NEW TABLE AS aqdash_mm_new FOR EACH STATEMENT EXECUTE FUNCTION aqdash_measure_months_changed();
CREATE TRIGGER aqdash_measure_delete AFTER DELETE ON daily_historic_pollution
    REFERENCING OLD TABLE AS aqdash_mm_old FOR EACH STATEMENT EXECUTE FUNCTION aqdash_measure_months_changed();
CREATE TRIGGER aqdash_measure_truncate AFTER TRUNCATE ON daily_historic_pollution
    FOR EACH STATEMENT EXECUTE FUNCTION aqdash_measure_months_changed();

SELECT aqdash_measure_months_rebuild();

---- create above / drop below ----

DROP TRIGGER aqdash_measure_truncate ON daily_historic_pollution;
DROP TRIGGER aqdash_measure_delete ON daily_historic_pollution;
DROP TRIGGER aqdash_measure_update ON daily_historic_pollution;
DROP TRIGGER aqdash_measure_insert ON daily_historic_pollution;
DROP FUNCTION aqdash_measure_months_changed();
DROP FUNCTION aqdash_measure_months_rebuild();
DROP FUNCTION aqdash_measure_months_refresh(text[], text[], date[]);
DROP FUNCTION aqdash_measure_months_sums();
DROP VIEW aqdash_measure_days;
DROP TABLE measure_months;
