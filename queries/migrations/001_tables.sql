-- The seed's two tables, keeping their names and columns, plus the location dimension real data needs.
-- type is a pollutant code: pm25, pm10, no, no2, nox, nh3, co, so2, o3, benzene, toluene, xylene.

CREATE TABLE daily_historic_pollution (
    location text             NOT NULL CHECK (location <> ''),
    type     text             NOT NULL CHECK (type <> ''),
    date     date             NOT NULL,
    value    double precision NOT NULL CHECK (value >= 0 AND value <> 'Infinity'::float8 AND value <> 'NaN'::float8),
    -- The primary key also serves the commonest view: one location and pollutant sorted by date
    -- (WHERE location = $1 AND type = $2 ORDER BY date), and the location sort (ORDER BY location, type, date).
    PRIMARY KEY (location, type, date)
);

CREATE TABLE daily_prediction_pollution (
    location   text             NOT NULL CHECK (location <> ''),
    type       text             NOT NULL CHECK (type <> ''),
    date       date             NOT NULL,
    prediction double precision NOT NULL CHECK (prediction >= 0 AND prediction <> 'Infinity'::float8 AND prediction <> 'NaN'::float8),
    PRIMARY KEY (location, type, date)
);

-- Unfiltered tables sorted by date, the default view and the seed's "latest 15"
-- (ORDER BY date DESC, location DESC, type DESC LIMIT n), and date-range filters across all series.
CREATE INDEX daily_historic_pollution_date_idx ON daily_historic_pollution (date, location, type);
CREATE INDEX daily_prediction_pollution_date_idx ON daily_prediction_pollution (date, location, type);

-- Sorting by pollutant (ORDER BY type, location, date) and filtering by pollutant alone (WHERE type = $1).
CREATE INDEX daily_historic_pollution_type_idx ON daily_historic_pollution (type, location, date);
CREATE INDEX daily_prediction_pollution_type_idx ON daily_prediction_pollution (type, location, date);

-- Sorting one series by its value (WHERE location = $1 AND type = $2 ORDER BY value, date).
CREATE INDEX daily_historic_pollution_series_value_idx ON daily_historic_pollution (location, type, value, date);
CREATE INDEX daily_prediction_pollution_series_value_idx ON daily_prediction_pollution (location, type, prediction, date);

-- Sorting everything by value (ORDER BY value, location, type, date).
CREATE INDEX daily_historic_pollution_value_idx ON daily_historic_pollution (value, location, type, date);
CREATE INDEX daily_prediction_pollution_value_idx ON daily_prediction_pollution (prediction, location, type, date);

---- create above / drop below ----

DROP TABLE daily_prediction_pollution;
DROP TABLE daily_historic_pollution;
