-- measure_months gains each month's last measured day and its value (last_date, last_value), so that
-- the city ranking's "latest" column (a location's last measurement in the period) comes out of the
-- same rows as its sums: the latest of a period is the latest of its months' last days and of the days
-- of its partial months, instead of one probe of the table's primary key per location (236 at 10M rows,
-- most of the ranking's time). They are kept exactly as the sums are (010): recomputed from the table
-- for the months a statement touched, and by the bulk load's rebuild.
--
-- The ranking reads one pollutant's months of every location (2,832 rows for a year at 10M rows). The
-- table is in series order, so those rows lay on 2,390 heap pages; its (type, month, location) index
-- now includes every column the ranking reads, so the read is an index-only scan of about 75 pages.
--
-- The value at the month's last day is read in the same pass as the sums: the greatest of the pairs
-- ARRAY[day number, value] is the pair of the last day (arrays compare element by element, and a
-- series has one row per day).

ALTER TABLE measure_months ADD COLUMN last_date date, ADD COLUMN last_value double precision;

CREATE OR REPLACE FUNCTION aqdash_measure_months_sums() RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'count(*), sum(value), sum(who),
            count(*) FILTER (WHERE naqi = 0), count(*) FILTER (WHERE naqi = 1), count(*) FILTER (WHERE naqi = 2),
            count(*) FILTER (WHERE naqi = 3), count(*) FILTER (WHERE naqi = 4), count(*) FILTER (WHERE naqi = 5),
            count(*) FILTER (WHERE us_epa = 0), count(*) FILTER (WHERE us_epa = 1), count(*) FILTER (WHERE us_epa = 2),
            count(*) FILTER (WHERE us_epa = 3), count(*) FILTER (WHERE us_epa = 4), count(*) FILTER (WHERE us_epa = 5),
            max(date), (max(ARRAY[(date - DATE ''2000-01-01'')::float8, value]))[2]'
$$;

CREATE OR REPLACE FUNCTION aqdash_measure_months_refresh(locs text[], types text[], months date[]) RETURNS void
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
                us_epa_3 = EXCLUDED.us_epa_3, us_epa_4 = EXCLUDED.us_epa_4, us_epa_5 = EXCLUDED.us_epa_5,
                last_date = EXCLUDED.last_date, last_value = EXCLUDED.last_value'
        USING locs, types, months;
    DELETE FROM measure_months m
     USING (SELECT DISTINCT * FROM unnest(locs, types, months) AS u (location, type, month)) AS t
     WHERE m.location = t.location AND m.type = t.type AND m.month = t.month
       AND NOT EXISTS (SELECT 1 FROM daily_historic_pollution d
                        WHERE d.location = t.location AND d.type = t.type
                          AND d.date >= t.month AND d.date < (t.month + interval '1 month')::date);
END
$$;

SELECT aqdash_measure_months_rebuild();

ALTER TABLE measure_months ALTER COLUMN last_date SET NOT NULL, ALTER COLUMN last_value SET NOT NULL;

CREATE INDEX measure_months_type_cover_idx ON measure_months (type, month, location)
    INCLUDE (days, sum_value, who_days, naqi_0, naqi_1, naqi_2, naqi_3, naqi_4, naqi_5,
             us_epa_0, us_epa_1, us_epa_2, us_epa_3, us_epa_4, us_epa_5, last_date, last_value);
DROP INDEX measure_months_type_idx;

---- create above / drop below ----

CREATE INDEX measure_months_type_idx ON measure_months (type, month, location);
DROP INDEX measure_months_type_cover_idx;

CREATE OR REPLACE FUNCTION aqdash_measure_months_refresh(locs text[], types text[], months date[]) RETURNS void
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

CREATE OR REPLACE FUNCTION aqdash_measure_months_sums() RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'count(*), sum(value), sum(who),
            count(*) FILTER (WHERE naqi = 0), count(*) FILTER (WHERE naqi = 1), count(*) FILTER (WHERE naqi = 2),
            count(*) FILTER (WHERE naqi = 3), count(*) FILTER (WHERE naqi = 4), count(*) FILTER (WHERE naqi = 5),
            count(*) FILTER (WHERE us_epa = 0), count(*) FILTER (WHERE us_epa = 1), count(*) FILTER (WHERE us_epa = 2),
            count(*) FILTER (WHERE us_epa = 3), count(*) FILTER (WHERE us_epa = 4), count(*) FILTER (WHERE us_epa = 5)'
$$;

ALTER TABLE measure_months DROP COLUMN last_value, DROP COLUMN last_date;
