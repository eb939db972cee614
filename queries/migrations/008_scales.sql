-- AQI scales and the WHO guideline (issue 16), for the SQL that counts bands and exceedance days.
--
-- The edges are those of the Go tables in app/aqi, which draw the bands and compute the sub-index;
-- TestScaleSQLAgreesWithGo (queries/scales_test.go) checks the two agree on each side of every edge.
-- Each function is IMMUTABLE plain SQL, so the planner inlines it where it is used.

-- aqdash_band_naqi(type, v): India's National AQI band level, 0 (Good) to 5 (Severe), NULL for a pollutant
-- without bands or no value. A band is (previous edge, edge]. The same as 004's aqdash_band.
CREATE FUNCTION aqdash_band_naqi(type text, v double precision) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE type
        WHEN 'pm25' THEN CASE WHEN v <= 30 THEN 0 WHEN v <= 60 THEN 1 WHEN v <= 90 THEN 2
                              WHEN v <= 120 THEN 3 WHEN v <= 250 THEN 4 WHEN v IS NOT NULL THEN 5 END
        WHEN 'pm10' THEN CASE WHEN v <= 50 THEN 0 WHEN v <= 100 THEN 1 WHEN v <= 250 THEN 2
                              WHEN v <= 350 THEN 3 WHEN v <= 430 THEN 4 WHEN v IS NOT NULL THEN 5 END
    END
$$;

-- aqdash_band_us_epa(type, v): the US EPA AQI band level (2024 revision), 0 (Good) to 5 (Hazardous), NULL
-- for a pollutant without bands or no value. EPA truncates PM2.5 to 0.1 and PM10 to 1 µg/m³ before it
-- bands, so a band is [edge, next edge) of the value: PM2.5 Good is below 9.1, Moderate below 35.5, ….
CREATE FUNCTION aqdash_band_us_epa(type text, v double precision) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE type
        WHEN 'pm25' THEN CASE WHEN v < 9.1 THEN 0 WHEN v < 35.5 THEN 1 WHEN v < 55.5 THEN 2
                              WHEN v < 125.5 THEN 3 WHEN v < 225.5 THEN 4 WHEN v IS NOT NULL THEN 5 END
        WHEN 'pm10' THEN CASE WHEN v < 55 THEN 0 WHEN v < 155 THEN 1 WHEN v < 255 THEN 2
                              WHEN v < 355 THEN 3 WHEN v < 425 THEN 4 WHEN v IS NOT NULL THEN 5 END
    END
$$;

-- aqdash_who_guideline(type): the WHO 2021 24-hour guideline level of a pollutant (µg/m³, CO mg/m³), NULL
-- for a pollutant without one.
CREATE FUNCTION aqdash_who_guideline(type text) RETURNS double precision
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE type WHEN 'pm25' THEN 15 WHEN 'pm10' THEN 45 WHEN 'no2' THEN 25 WHEN 'so2' THEN 40 WHEN 'co' THEN 4 END::double precision
$$;

-- aqdash_who_exceeded(type, v): whether a daily mean is above (strictly) the pollutant's WHO guideline;
-- NULL without a guideline or a value.
CREATE FUNCTION aqdash_who_exceeded(type text, v double precision) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT v > CASE type WHEN 'pm25' THEN 15 WHEN 'pm10' THEN 45 WHEN 'no2' THEN 25 WHEN 'so2' THEN 40 WHEN 'co' THEN 4 END::double precision
$$;

---- create above / drop below ----

DROP FUNCTION aqdash_who_exceeded(text, double precision);
DROP FUNCTION aqdash_who_guideline(text);
DROP FUNCTION aqdash_band_us_epa(text, double precision);
DROP FUNCTION aqdash_band_naqi(text, double precision);
