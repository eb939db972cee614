-- The comparison of measurements and predictions, kept on write so that it never has to join ten million
-- rows on read:
--
--   comparison      one row per series and day that has a measurement, a prediction or both (the full
--                   outer join of the two tables), with the previous day's measurement (the persistence
--                   forecast) and the error columns generated from them, indexed for every sort of /compare;
--   compare_months  per series and calendar month, the sufficient statistics of every metric (counts and
--                   sums), so the metrics of whole months are a sum over at most one row per series and month;
--   compare_series  the same per series, all months summed: the metrics of views without dates;
--   compare_weeks   per series and week (Monday to Sunday), the sums and counts of both sides: the points
--                   of a chart of years, as compare_months' are of a chart of decades;
--   comparison_days the same statistics for one day (a view), for the days of a date range's partial months.
--
-- Statement-level triggers keep both exact for every writer (the importer, the ingest API, plain SQL). They
-- recompute the rows a statement touched from the two tables, not by arithmetic on the old sums, so a
-- correction or a deletion can never leave a drifted sum behind.

-- aqdash_band(type, v) is a pollutant's National AQI band level, 0 (Good) to 5 (Severe), or NULL for a
-- pollutant without bands. Its edges are those of queries.bandEdges, which draws the bands in Go;
-- TestBandSQLAgreesWithGo checks that the two agree on every edge. A band is (previous edge, edge].
CREATE FUNCTION aqdash_band(type text, v double precision) RETURNS int
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE type
        WHEN 'pm25' THEN CASE WHEN v <= 30 THEN 0 WHEN v <= 60 THEN 1 WHEN v <= 90 THEN 2
                              WHEN v <= 120 THEN 3 WHEN v <= 250 THEN 4 WHEN v IS NOT NULL THEN 5 END
        WHEN 'pm10' THEN CASE WHEN v <= 50 THEN 0 WHEN v <= 100 THEN 1 WHEN v <= 250 THEN 2
                              WHEN v <= 350 THEN 3 WHEN v <= 430 THEN 4 WHEN v IS NOT NULL THEN 5 END
    END
$$;

CREATE TABLE comparison (
    location  text NOT NULL,
    type      text NOT NULL,
    date      date NOT NULL,
    actual    double precision,
    predicted double precision,
    -- prev is the measurement of the previous calendar day of the series: the persistence forecast.
    prev      double precision,
    error     double precision GENERATED ALWAYS AS (predicted - actual) STORED,
    abs_error double precision GENERATED ALWAYS AS (abs(predicted - actual)) STORED,
    pct_error double precision GENERATED ALWAYS AS (CASE WHEN actual > 0 THEN 100 * (predicted - actual) / actual END) STORED,
    CHECK (actual IS NOT NULL OR predicted IS NOT NULL),
    -- One series, any sort (WHERE location = $1 AND type = $2), and the location sort.
    PRIMARY KEY (location, type, date)
);

-- comparison_days gives each row of the comparison as the statistics of one day, in compare_months' columns:
-- each column is a count (0 or 1) or a term of a sum, NULL where the day does not take part.
CREATE VIEW comparison_days AS
SELECT location, type, date,
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
  FROM (SELECT c.*, aqdash_band(c.type, c.actual) AS ab, aqdash_band(c.type, c.predicted) AS pb FROM comparison c) AS c;

CREATE TABLE compare_months (
    location       text   NOT NULL,
    type           text   NOT NULL,
    month          date   NOT NULL CHECK (extract(day FROM month) = 1),
    days           bigint NOT NULL,
    actual_n       bigint NOT NULL,
    predicted_n    bigint NOT NULL,
    n              bigint NOT NULL,
    sum_abs        double precision,
    sum_sq         double precision,
    sum_err        double precision,
    mape_n         bigint NOT NULL,
    sum_pct        double precision,
    skill_n        bigint NOT NULL,
    skill_abs      double precision,
    persist_abs    double precision,
    band_n         bigint NOT NULL,
    band_agree     bigint NOT NULL,
    poor_actual    bigint NOT NULL,
    hits           bigint NOT NULL,
    poor_predicted bigint NOT NULL,
    false_alarms   bigint NOT NULL,
    sum_actual     double precision,
    sum_predicted  double precision,
    PRIMARY KEY (location, type, month)
);

CREATE TABLE compare_series (LIKE compare_months, PRIMARY KEY (location, type));
ALTER TABLE compare_series DROP COLUMN month;

-- aqdash_compare_sums() lists the sums of every statistic, in the tables' column order.
CREATE FUNCTION aqdash_compare_sums() RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'sum(days), sum(actual_n), sum(predicted_n), sum(n), sum(sum_abs), sum(sum_sq), sum(sum_err),
            sum(mape_n), sum(sum_pct), sum(skill_n), sum(skill_abs), sum(persist_abs), sum(band_n), sum(band_agree),
            sum(poor_actual), sum(hits), sum(poor_predicted), sum(false_alarms), sum(sum_actual), sum(sum_predicted)'
$$;

CREATE TABLE compare_weeks (
    location      text   NOT NULL,
    type          text   NOT NULL,
    week          date   NOT NULL CHECK (extract(isodow FROM week) = 1),
    actual_n      bigint NOT NULL,
    sum_actual    double precision,
    predicted_n   bigint NOT NULL,
    sum_predicted double precision,
    PRIMARY KEY (location, type, week)
);

-- aqdash_compare_touched(keys) is the SQL that makes the temporary table aqdash_touched: the months and
-- weeks (location, type, month, week) of the (location, type, date) keys that the SQL text keys selects.
CREATE FUNCTION aqdash_compare_touched(keys text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format('CREATE TEMP TABLE aqdash_touched ON COMMIT DROP AS
                   SELECT DISTINCT location, type, date_trunc(''month'', date::timestamp)::date AS month,
                          date_trunc(''week'', date::timestamp)::date AS week
                     FROM (%s) AS k', keys)
$$;

-- aqdash_compare_summarize() rewrites compare_months and compare_weeks for the months and weeks in
-- aqdash_touched, and compare_series for their series, from the comparison, and drops aqdash_touched.
CREATE FUNCTION aqdash_compare_summarize() RETURNS void
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
    -- The touched periods are a handful for an ingest and millions for a bulk load: with statistics the
    -- planner probes the comparison's primary key for the first and hashes on the period for the second.
    CREATE TEMP TABLE aqdash_touched_months ON COMMIT DROP AS SELECT DISTINCT location, type, month FROM aqdash_touched;
    ANALYZE aqdash_touched_months;
    DELETE FROM compare_months m USING aqdash_touched_months b
     WHERE m.location = b.location AND m.type = b.type AND m.month = b.month;
    EXECUTE 'INSERT INTO compare_months
             SELECT d.location, d.type, b.month, ' || aqdash_compare_sums() || '
               FROM aqdash_touched_months b JOIN comparison_days d
                 ON d.location = b.location AND d.type = b.type
                AND d.date >= b.month AND d.date < (b.month + interval ''1 month'')::date
                AND date_trunc(''month'', d.date::timestamp)::date = b.month
              GROUP BY d.location, d.type, b.month';

    CREATE TEMP TABLE aqdash_touched_weeks ON COMMIT DROP AS SELECT DISTINCT location, type, week FROM aqdash_touched;
    ANALYZE aqdash_touched_weeks;
    DELETE FROM compare_weeks w USING aqdash_touched_weeks b
     WHERE w.location = b.location AND w.type = b.type AND w.week = b.week;
    INSERT INTO compare_weeks
    SELECT c.location, c.type, b.week, count(actual), sum(actual), count(predicted), sum(predicted)
      FROM aqdash_touched_weeks b JOIN comparison c
        ON c.location = b.location AND c.type = b.type AND c.date >= b.week AND c.date < b.week + 7
       AND date_trunc('week', c.date::timestamp)::date = b.week
     GROUP BY c.location, c.type, b.week;

    DELETE FROM compare_series s USING (SELECT DISTINCT location, type FROM aqdash_touched_months) b
     WHERE s.location = b.location AND s.type = b.type;
    EXECUTE 'INSERT INTO compare_series
             SELECT m.location, m.type, ' || aqdash_compare_sums() || '
               FROM (SELECT DISTINCT location, type FROM aqdash_touched_months) b JOIN compare_months m USING (location, type)
              GROUP BY m.location, m.type';
    DROP TABLE aqdash_touched, aqdash_touched_months, aqdash_touched_weeks;
END
$$;

-- aqdash_compare_changed(tbl) runs once per statement and event on either table. A measurement is also
-- the persistence forecast of the next day, so a change of the measurements touches that day too.
CREATE FUNCTION aqdash_compare_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    keys text;
BEGIN
    -- Writers refresh the comparison one at a time, each until it commits: a writer of measurements and
    -- a writer of predictions for the same day would otherwise each miss the other's uncommitted side.
    -- Each statement below takes a fresh snapshot (READ COMMITTED), so it sees what the last one committed.
    PERFORM pg_advisory_xact_lock(hashtext('aqdash_comparison'));
    -- A bulk load (queries.BulkLoad) defers this work to one aqdash_compare_rebuild() before it commits.
    IF current_setting('aqdash.defer_comparison', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM aqdash_compare_rebuild();
        RETURN NULL;
    END IF;
    keys := CASE TG_OP
        WHEN 'INSERT' THEN 'SELECT location, type, date FROM aqdash_cmp_new'
        WHEN 'DELETE' THEN 'SELECT location, type, date FROM aqdash_cmp_old'
        ELSE 'SELECT location, type, date FROM aqdash_cmp_new UNION ALL SELECT location, type, date FROM aqdash_cmp_old'
    END;
    IF TG_ARGV[0] = 'historic' THEN
        keys := 'SELECT t.location, t.type, d.date FROM (' || keys || ') AS t,
                 LATERAL (VALUES (t.date), (t.date + 1)) AS d (date)';
    END IF;
    -- Rewrite the comparison rows of the touched keys from the two tables, then the months they fall in.
    -- Transition tables are visible only here, in the trigger's own function: what reads them runs here.
    EXECUTE format(
        'WITH k AS (SELECT DISTINCT location, type, date FROM (%s) AS t)
         DELETE FROM comparison c USING k
          WHERE c.location = k.location AND c.type = k.type AND c.date = k.date
            AND NOT EXISTS (SELECT 1 FROM daily_historic_pollution h WHERE (h.location, h.type, h.date) = (k.location, k.type, k.date))
            AND NOT EXISTS (SELECT 1 FROM daily_prediction_pollution p WHERE (p.location, p.type, p.date) = (k.location, k.type, k.date))',
        keys);
    EXECUTE format(
        'WITH k AS (SELECT DISTINCT location, type, date FROM (%s) AS t)
         INSERT INTO comparison AS c (location, type, date, actual, predicted, prev)
         SELECT k.location, k.type, k.date, h.value, p.prediction, hp.value
           FROM k
           LEFT JOIN daily_historic_pollution h ON (h.location, h.type, h.date) = (k.location, k.type, k.date)
           LEFT JOIN daily_prediction_pollution p ON (p.location, p.type, p.date) = (k.location, k.type, k.date)
           LEFT JOIN daily_historic_pollution hp ON (hp.location, hp.type, hp.date) = (k.location, k.type, k.date - 1)
          WHERE h.value IS NOT NULL OR p.prediction IS NOT NULL
             ON CONFLICT (location, type, date) DO UPDATE
            SET actual = EXCLUDED.actual, predicted = EXCLUDED.predicted, prev = EXCLUDED.prev
          WHERE (c.actual, c.predicted, c.prev) IS DISTINCT FROM (EXCLUDED.actual, EXCLUDED.predicted, EXCLUDED.prev)',
        keys);
    EXECUTE aqdash_compare_touched(keys);
    PERFORM aqdash_compare_summarize();
    RETURN NULL;
END
$$;

-- aqdash_drop_secondary_indexes(tbl) drops every index of the table tbl but its primary key and returns
-- their definitions, to be run again once a bulk load has filled the table: building an index once over
-- every row is several times faster than adding the rows to it one by one. The rebuild below uses it,
-- and so does the synthetic generator for the two tables (queries.DropSecondaryIndexes).
CREATE FUNCTION aqdash_drop_secondary_indexes(tbl text) RETURNS SETOF text
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    idx record;
BEGIN
    FOR idx IN SELECT indexname, indexdef FROM pg_indexes
                WHERE schemaname = current_schema() AND tablename = tbl AND indexname <> tbl || '_pkey' LOOP
        EXECUTE format('DROP INDEX %I', idx.indexname);
        RETURN NEXT idx.indexdef;
    END LOOP;
END
$$;

-- aqdash_compare_rebuild() computes the comparison and its summaries from scratch: on creation, after a
-- TRUNCATE, and at the end of a bulk load, for which one rebuild costs a fraction of keeping millions of
-- rows statement by statement. The secondary indexes are dropped first and built again at the end. The
-- comparison is locked (TRUNCATE) until the transaction commits.
CREATE FUNCTION aqdash_compare_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
-- Room to sort and build indexes in memory: this runs once per bulk load, not per request.
SET work_mem = '64MB' SET maintenance_work_mem = '256MB' AS $$
DECLARE
    defs text[];
    def  text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('aqdash_comparison'));
    defs := ARRAY(SELECT aqdash_drop_secondary_indexes('comparison'));
    TRUNCATE comparison, compare_months, compare_weeks, compare_series;
    -- prev: the previous row of the series is the previous calendar day, and it has a measurement.
    INSERT INTO comparison (location, type, date, actual, predicted, prev)
    SELECT location, type, date, h.value, p.prediction,
           CASE WHEN lag(h.date) OVER w = date - 1 THEN lag(h.value) OVER w END
      FROM daily_historic_pollution h FULL JOIN daily_prediction_pollution p USING (location, type, date)
    WINDOW w AS (PARTITION BY location, type ORDER BY date);
    -- Every period is touched: one pass of grouping each, not a join per period.
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

SELECT aqdash_compare_rebuild();

-- The sorts of /compare over every series, each column in the order the page asks for by default
-- (largest first, days missing a side last), so that one index scan serves a page in either direction.
CREATE INDEX comparison_date_idx ON comparison (date, location, type);
CREATE INDEX comparison_type_idx ON comparison (type, location, date);
CREATE INDEX comparison_actual_idx ON comparison (actual DESC NULLS LAST, location DESC, type DESC, date DESC);
CREATE INDEX comparison_predicted_idx ON comparison (predicted DESC NULLS LAST, location DESC, type DESC, date DESC);
CREATE INDEX comparison_error_idx ON comparison (error DESC NULLS LAST, location DESC, type DESC, date DESC);
CREATE INDEX comparison_abs_error_idx ON comparison (abs_error DESC NULLS LAST, location DESC, type DESC, date DESC);
CREATE INDEX comparison_pct_error_idx ON comparison (pct_error DESC NULLS LAST, location DESC, type DESC, date DESC);
ANALYZE comparison;

CREATE TRIGGER aqdash_compare_insert AFTER INSERT ON daily_historic_pollution
    REFERENCING NEW TABLE AS aqdash_cmp_new FOR EACH STATEMENT EXECUTE FUNCTION aqdash_compare_changed('historic');
CREATE TRIGGER aqdash_compare_update AFTER UPDATE ON daily_historic_pollution
    REFERENCING OLD TABLE AS aqdash_cmp_old NEW TABLE AS aqdash_cmp_new FOR EACH STATEMENT EXECUTE FUNCTION aqdash_compare_changed('historic');
CREATE TRIGGER aqdash_compare_delete AFTER DELETE ON daily_historic_pollution
    REFERENCING OLD TABLE AS aqdash_cmp_old FOR EACH STATEMENT EXECUTE FUNCTION aqdash_compare_changed('historic');
CREATE TRIGGER aqdash_compare_truncate AFTER TRUNCATE ON daily_historic_pollution
    FOR EACH STATEMENT EXECUTE FUNCTION aqdash_compare_changed('historic');

CREATE TRIGGER aqdash_compare_insert AFTER INSERT ON daily_prediction_pollution
    REFERENCING NEW TABLE AS aqdash_cmp_new FOR EACH STATEMENT EXECUTE FUNCTION aqdash_compare_changed('predictions');
CREATE TRIGGER aqdash_compare_update AFTER UPDATE ON daily_prediction_pollution
    REFERENCING OLD TABLE AS aqdash_cmp_old NEW TABLE AS aqdash_cmp_new FOR EACH STATEMENT EXECUTE FUNCTION aqdash_compare_changed('predictions');
CREATE TRIGGER aqdash_compare_delete AFTER DELETE ON daily_prediction_pollution
    REFERENCING OLD TABLE AS aqdash_cmp_old FOR EACH STATEMENT EXECUTE FUNCTION aqdash_compare_changed('predictions');
CREATE TRIGGER aqdash_compare_truncate AFTER TRUNCATE ON daily_prediction_pollution
    FOR EACH STATEMENT EXECUTE FUNCTION aqdash_compare_changed('predictions');

-- A date range over one pollutant sorted by value (WHERE type = $1 AND date BETWEEN ... ORDER BY value,
-- location, date): the pollutant's rows in value order, the dates checked in the index.
CREATE INDEX daily_historic_pollution_type_value_idx ON daily_historic_pollution (type, value, location, date);
CREATE INDEX daily_prediction_pollution_type_value_idx ON daily_prediction_pollution (type, prediction, location, date);

---- create above / drop below ----

DROP INDEX daily_prediction_pollution_type_value_idx;
DROP INDEX daily_historic_pollution_type_value_idx;
DROP FUNCTION aqdash_compare_changed() CASCADE;
DROP FUNCTION aqdash_compare_rebuild();
DROP FUNCTION aqdash_drop_secondary_indexes(text);
DROP FUNCTION aqdash_compare_summarize();
DROP FUNCTION aqdash_compare_touched(text);
DROP FUNCTION aqdash_compare_sums();
DROP TABLE compare_weeks;
DROP TABLE compare_series;
DROP TABLE compare_months;
DROP VIEW comparison_days;
DROP TABLE comparison;
DROP FUNCTION aqdash_band(text, double precision);
