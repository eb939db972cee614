-- The sums of issue 15's accuracy breakdowns (/accuracy, the threshold scores, the band confusion
-- matrix), kept on write beside the others so that a breakdown over ten million rows is a sum over its
-- groups' months, not a scan. compare_months and compare_series gain:
--
--   sum_a_paired, sum_p_paired  Σ measurement and Σ prediction over the days with both sides (sum_actual
--                               and sum_predicted sum each side over every day that has it);
--   sum_aa, sum_pp, sum_ap      Σ measurement², Σ prediction², Σ measurement × prediction over the same
--                               days: Pearson's r from sums (with n, sum_a_paired, sum_p_paired); NMB
--                               and NME are Σ error / sum_a_paired and Σ |error| / sum_a_paired;
--   who_days                    the measured days above the pollutant's WHO 2021 24-hour guideline
--                               (aqdash_who_exceeded, migration 008); the days measured are actual_n;
--   naqi_<a><p>, us_epa_<a><p>  the band-pair counts of each AQI scale (aqdash_band_naqi,
--                               aqdash_band_us_epa, migration 008): the days whose measurement is in
--                               band level a and whose prediction is in band level p (0 best, 5 worst).
--                               Their sum is the scale's banded days with both sides; any threshold's
--                               hits, misses, false alarms and correct negatives are sums of them.
--
-- Only two shared functions change: aqdash_comparison_days_sql (the per-day terms) and
-- aqdash_compare_sums (the list of sums, in the tables' column order). Everything that fills the sums
-- (the write trigger's aqdash_compare_summarize, the bulk path's aqdash_compare_rebuild) builds its SQL
-- from those two at run time, and the rebuild makes its new tables LIKE the live ones, so it gets the
-- new columns too. The comparison itself is kept in place: only the monthly and per-series sums are
-- computed again here, from it.

ALTER TABLE compare_months
    ADD COLUMN sum_a_paired double precision,
    ADD COLUMN sum_p_paired double precision,
    ADD COLUMN sum_aa double precision,
    ADD COLUMN sum_pp double precision,
    ADD COLUMN sum_ap double precision,
    ADD COLUMN who_days bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_00 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_01 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_02 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_03 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_04 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_05 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_10 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_11 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_12 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_13 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_14 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_15 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_20 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_21 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_22 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_23 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_24 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_25 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_30 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_31 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_32 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_33 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_34 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_35 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_40 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_41 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_42 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_43 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_44 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_45 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_50 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_51 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_52 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_53 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_54 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_55 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_00 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_01 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_02 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_03 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_04 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_05 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_10 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_11 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_12 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_13 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_14 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_15 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_20 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_21 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_22 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_23 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_24 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_25 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_30 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_31 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_32 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_33 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_34 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_35 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_40 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_41 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_42 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_43 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_44 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_45 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_50 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_51 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_52 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_53 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_54 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_55 bigint NOT NULL DEFAULT 0;
ALTER TABLE compare_series
    ADD COLUMN sum_a_paired double precision,
    ADD COLUMN sum_p_paired double precision,
    ADD COLUMN sum_aa double precision,
    ADD COLUMN sum_pp double precision,
    ADD COLUMN sum_ap double precision,
    ADD COLUMN who_days bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_00 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_01 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_02 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_03 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_04 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_05 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_10 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_11 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_12 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_13 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_14 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_15 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_20 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_21 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_22 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_23 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_24 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_25 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_30 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_31 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_32 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_33 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_34 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_35 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_40 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_41 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_42 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_43 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_44 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_45 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_50 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_51 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_52 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_53 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_54 bigint NOT NULL DEFAULT 0,
    ADD COLUMN naqi_55 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_00 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_01 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_02 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_03 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_04 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_05 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_10 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_11 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_12 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_13 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_14 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_15 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_20 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_21 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_22 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_23 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_24 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_25 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_30 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_31 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_32 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_33 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_34 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_35 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_40 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_41 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_42 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_43 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_44 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_45 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_50 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_51 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_52 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_53 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_54 bigint NOT NULL DEFAULT 0,
    ADD COLUMN us_epa_55 bigint NOT NULL DEFAULT 0;

-- aqdash_comparison_days_sql(tbl): 007's per-day terms, and the new ones. npair and upair are a day's
-- band pair as one number, 6 × measured level + predicted level, NULL unless both sides have a band.
CREATE OR REPLACE FUNCTION aqdash_comparison_days_sql(tbl text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format($q$SELECT location, type, date, model, lead,
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
       predicted                                                AS sum_predicted,
       CASE WHEN error IS NOT NULL THEN actual END              AS sum_a_paired,
       CASE WHEN error IS NOT NULL THEN predicted END           AS sum_p_paired,
       CASE WHEN error IS NOT NULL THEN actual * actual END     AS sum_aa,
       CASE WHEN error IS NOT NULL THEN predicted * predicted END AS sum_pp,
       CASE WHEN error IS NOT NULL THEN actual * predicted END  AS sum_ap,
       coalesce(aqdash_who_exceeded(type, actual)::int, 0)      AS who_days,
       coalesce((npair = 0)::int, 0) AS naqi_00,
       coalesce((npair = 1)::int, 0) AS naqi_01,
       coalesce((npair = 2)::int, 0) AS naqi_02,
       coalesce((npair = 3)::int, 0) AS naqi_03,
       coalesce((npair = 4)::int, 0) AS naqi_04,
       coalesce((npair = 5)::int, 0) AS naqi_05,
       coalesce((npair = 6)::int, 0) AS naqi_10,
       coalesce((npair = 7)::int, 0) AS naqi_11,
       coalesce((npair = 8)::int, 0) AS naqi_12,
       coalesce((npair = 9)::int, 0) AS naqi_13,
       coalesce((npair = 10)::int, 0) AS naqi_14,
       coalesce((npair = 11)::int, 0) AS naqi_15,
       coalesce((npair = 12)::int, 0) AS naqi_20,
       coalesce((npair = 13)::int, 0) AS naqi_21,
       coalesce((npair = 14)::int, 0) AS naqi_22,
       coalesce((npair = 15)::int, 0) AS naqi_23,
       coalesce((npair = 16)::int, 0) AS naqi_24,
       coalesce((npair = 17)::int, 0) AS naqi_25,
       coalesce((npair = 18)::int, 0) AS naqi_30,
       coalesce((npair = 19)::int, 0) AS naqi_31,
       coalesce((npair = 20)::int, 0) AS naqi_32,
       coalesce((npair = 21)::int, 0) AS naqi_33,
       coalesce((npair = 22)::int, 0) AS naqi_34,
       coalesce((npair = 23)::int, 0) AS naqi_35,
       coalesce((npair = 24)::int, 0) AS naqi_40,
       coalesce((npair = 25)::int, 0) AS naqi_41,
       coalesce((npair = 26)::int, 0) AS naqi_42,
       coalesce((npair = 27)::int, 0) AS naqi_43,
       coalesce((npair = 28)::int, 0) AS naqi_44,
       coalesce((npair = 29)::int, 0) AS naqi_45,
       coalesce((npair = 30)::int, 0) AS naqi_50,
       coalesce((npair = 31)::int, 0) AS naqi_51,
       coalesce((npair = 32)::int, 0) AS naqi_52,
       coalesce((npair = 33)::int, 0) AS naqi_53,
       coalesce((npair = 34)::int, 0) AS naqi_54,
       coalesce((npair = 35)::int, 0) AS naqi_55,
       coalesce((upair = 0)::int, 0) AS us_epa_00,
       coalesce((upair = 1)::int, 0) AS us_epa_01,
       coalesce((upair = 2)::int, 0) AS us_epa_02,
       coalesce((upair = 3)::int, 0) AS us_epa_03,
       coalesce((upair = 4)::int, 0) AS us_epa_04,
       coalesce((upair = 5)::int, 0) AS us_epa_05,
       coalesce((upair = 6)::int, 0) AS us_epa_10,
       coalesce((upair = 7)::int, 0) AS us_epa_11,
       coalesce((upair = 8)::int, 0) AS us_epa_12,
       coalesce((upair = 9)::int, 0) AS us_epa_13,
       coalesce((upair = 10)::int, 0) AS us_epa_14,
       coalesce((upair = 11)::int, 0) AS us_epa_15,
       coalesce((upair = 12)::int, 0) AS us_epa_20,
       coalesce((upair = 13)::int, 0) AS us_epa_21,
       coalesce((upair = 14)::int, 0) AS us_epa_22,
       coalesce((upair = 15)::int, 0) AS us_epa_23,
       coalesce((upair = 16)::int, 0) AS us_epa_24,
       coalesce((upair = 17)::int, 0) AS us_epa_25,
       coalesce((upair = 18)::int, 0) AS us_epa_30,
       coalesce((upair = 19)::int, 0) AS us_epa_31,
       coalesce((upair = 20)::int, 0) AS us_epa_32,
       coalesce((upair = 21)::int, 0) AS us_epa_33,
       coalesce((upair = 22)::int, 0) AS us_epa_34,
       coalesce((upair = 23)::int, 0) AS us_epa_35,
       coalesce((upair = 24)::int, 0) AS us_epa_40,
       coalesce((upair = 25)::int, 0) AS us_epa_41,
       coalesce((upair = 26)::int, 0) AS us_epa_42,
       coalesce((upair = 27)::int, 0) AS us_epa_43,
       coalesce((upair = 28)::int, 0) AS us_epa_44,
       coalesce((upair = 29)::int, 0) AS us_epa_45,
       coalesce((upair = 30)::int, 0) AS us_epa_50,
       coalesce((upair = 31)::int, 0) AS us_epa_51,
       coalesce((upair = 32)::int, 0) AS us_epa_52,
       coalesce((upair = 33)::int, 0) AS us_epa_53,
       coalesce((upair = 34)::int, 0) AS us_epa_54,
       coalesce((upair = 35)::int, 0) AS us_epa_55
  FROM (SELECT c.*, aqdash_band(c.type, c.actual) AS ab, aqdash_band(c.type, c.predicted) AS pb,
               aqdash_band_naqi(c.type, c.actual) * 6 + aqdash_band_naqi(c.type, c.predicted) AS npair,
               aqdash_band_us_epa(c.type, c.actual) * 6 + aqdash_band_us_epa(c.type, c.predicted) AS upair
          FROM %I c) AS c$q$, tbl)
$$;

-- aqdash_compare_sums(): 004's sums, and the new columns', in the tables' column order.
CREATE OR REPLACE FUNCTION aqdash_compare_sums() RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'sum(days), sum(actual_n), sum(predicted_n), sum(n), sum(sum_abs), sum(sum_sq), sum(sum_err),
            sum(mape_n), sum(sum_pct), sum(skill_n), sum(skill_abs), sum(persist_abs), sum(band_n), sum(band_agree),
            sum(poor_actual), sum(hits), sum(poor_predicted), sum(false_alarms), sum(sum_actual), sum(sum_predicted),
            sum(sum_a_paired), sum(sum_p_paired), sum(sum_aa), sum(sum_pp), sum(sum_ap), sum(who_days), sum(naqi_00), sum(naqi_01),
            sum(naqi_02), sum(naqi_03), sum(naqi_04), sum(naqi_05), sum(naqi_10), sum(naqi_11), sum(naqi_12), sum(naqi_13),
            sum(naqi_14), sum(naqi_15), sum(naqi_20), sum(naqi_21), sum(naqi_22), sum(naqi_23), sum(naqi_24), sum(naqi_25),
            sum(naqi_30), sum(naqi_31), sum(naqi_32), sum(naqi_33), sum(naqi_34), sum(naqi_35), sum(naqi_40), sum(naqi_41),
            sum(naqi_42), sum(naqi_43), sum(naqi_44), sum(naqi_45), sum(naqi_50), sum(naqi_51), sum(naqi_52), sum(naqi_53),
            sum(naqi_54), sum(naqi_55), sum(us_epa_00), sum(us_epa_01), sum(us_epa_02), sum(us_epa_03), sum(us_epa_04), sum(us_epa_05),
            sum(us_epa_10), sum(us_epa_11), sum(us_epa_12), sum(us_epa_13), sum(us_epa_14), sum(us_epa_15), sum(us_epa_20), sum(us_epa_21),
            sum(us_epa_22), sum(us_epa_23), sum(us_epa_24), sum(us_epa_25), sum(us_epa_30), sum(us_epa_31), sum(us_epa_32), sum(us_epa_33),
            sum(us_epa_34), sum(us_epa_35), sum(us_epa_40), sum(us_epa_41), sum(us_epa_42), sum(us_epa_43), sum(us_epa_44), sum(us_epa_45),
            sum(us_epa_50), sum(us_epa_51), sum(us_epa_52), sum(us_epa_53), sum(us_epa_54), sum(us_epa_55)'
$$;

-- The view gains the new columns at its end (CREATE OR REPLACE VIEW may add columns, not change them).
DO $$ BEGIN EXECUTE 'CREATE OR REPLACE VIEW comparison_days AS ' || aqdash_comparison_days_sql('comparison'); END $$;

-- The sums again, from the comparison as it is: one grouping pass over it, as the rebuild does, under
-- the comparison's lock so no writer's trigger interleaves.
SELECT pg_advisory_xact_lock(hashtext('aqdash_comparison'));
DELETE FROM compare_months;
DELETE FROM compare_series;
DO $$ BEGIN
    EXECUTE 'INSERT INTO compare_months
             SELECT model, lead, location, type, date_trunc(''month'', date::timestamp)::date, ' || aqdash_compare_sums() || '
               FROM comparison_days GROUP BY 1, 2, 3, 4, 5';
    EXECUTE 'INSERT INTO compare_series SELECT model, lead, location, type, ' || aqdash_compare_sums() || '
               FROM compare_months GROUP BY 1, 2, 3, 4';
END $$;
ANALYZE compare_months;
ANALYZE compare_series;

---- create above / drop below ----

-- 007's functions and view again, then the columns dropped (the view first: it refers to them).
DROP VIEW comparison_days;
CREATE OR REPLACE FUNCTION aqdash_compare_sums() RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT 'sum(days), sum(actual_n), sum(predicted_n), sum(n), sum(sum_abs), sum(sum_sq), sum(sum_err),
            sum(mape_n), sum(sum_pct), sum(skill_n), sum(skill_abs), sum(persist_abs), sum(band_n), sum(band_agree),
            sum(poor_actual), sum(hits), sum(poor_predicted), sum(false_alarms), sum(sum_actual), sum(sum_predicted)'
$$;
CREATE OR REPLACE FUNCTION aqdash_comparison_days_sql(tbl text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format($q$SELECT location, type, date, model, lead,
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
  FROM (SELECT c.*, aqdash_band(c.type, c.actual) AS ab, aqdash_band(c.type, c.predicted) AS pb FROM %I c) AS c$q$, tbl)
$$;
DO $$ BEGIN EXECUTE 'CREATE VIEW comparison_days AS ' || aqdash_comparison_days_sql('comparison'); END $$;
ALTER TABLE compare_months DROP COLUMN sum_a_paired, DROP COLUMN sum_p_paired, DROP COLUMN sum_aa, DROP COLUMN sum_pp, DROP COLUMN sum_ap, DROP COLUMN who_days, DROP COLUMN naqi_00, DROP COLUMN naqi_01, DROP COLUMN naqi_02, DROP COLUMN naqi_03, DROP COLUMN naqi_04, DROP COLUMN naqi_05, DROP COLUMN naqi_10, DROP COLUMN naqi_11, DROP COLUMN naqi_12, DROP COLUMN naqi_13, DROP COLUMN naqi_14, DROP COLUMN naqi_15, DROP COLUMN naqi_20, DROP COLUMN naqi_21, DROP COLUMN naqi_22, DROP COLUMN naqi_23, DROP COLUMN naqi_24, DROP COLUMN naqi_25, DROP COLUMN naqi_30, DROP COLUMN naqi_31, DROP COLUMN naqi_32, DROP COLUMN naqi_33, DROP COLUMN naqi_34, DROP COLUMN naqi_35, DROP COLUMN naqi_40, DROP COLUMN naqi_41, DROP COLUMN naqi_42, DROP COLUMN naqi_43, DROP COLUMN naqi_44, DROP COLUMN naqi_45, DROP COLUMN naqi_50, DROP COLUMN naqi_51, DROP COLUMN naqi_52, DROP COLUMN naqi_53, DROP COLUMN naqi_54, DROP COLUMN naqi_55, DROP COLUMN us_epa_00, DROP COLUMN us_epa_01, DROP COLUMN us_epa_02, DROP COLUMN us_epa_03, DROP COLUMN us_epa_04, DROP COLUMN us_epa_05, DROP COLUMN us_epa_10, DROP COLUMN us_epa_11, DROP COLUMN us_epa_12, DROP COLUMN us_epa_13, DROP COLUMN us_epa_14, DROP COLUMN us_epa_15, DROP COLUMN us_epa_20, DROP COLUMN us_epa_21, DROP COLUMN us_epa_22, DROP COLUMN us_epa_23, DROP COLUMN us_epa_24, DROP COLUMN us_epa_25, DROP COLUMN us_epa_30, DROP COLUMN us_epa_31, DROP COLUMN us_epa_32, DROP COLUMN us_epa_33, DROP COLUMN us_epa_34, DROP COLUMN us_epa_35, DROP COLUMN us_epa_40, DROP COLUMN us_epa_41, DROP COLUMN us_epa_42, DROP COLUMN us_epa_43, DROP COLUMN us_epa_44, DROP COLUMN us_epa_45, DROP COLUMN us_epa_50, DROP COLUMN us_epa_51, DROP COLUMN us_epa_52, DROP COLUMN us_epa_53, DROP COLUMN us_epa_54, DROP COLUMN us_epa_55;
ALTER TABLE compare_series DROP COLUMN sum_a_paired, DROP COLUMN sum_p_paired, DROP COLUMN sum_aa, DROP COLUMN sum_pp, DROP COLUMN sum_ap, DROP COLUMN who_days, DROP COLUMN naqi_00, DROP COLUMN naqi_01, DROP COLUMN naqi_02, DROP COLUMN naqi_03, DROP COLUMN naqi_04, DROP COLUMN naqi_05, DROP COLUMN naqi_10, DROP COLUMN naqi_11, DROP COLUMN naqi_12, DROP COLUMN naqi_13, DROP COLUMN naqi_14, DROP COLUMN naqi_15, DROP COLUMN naqi_20, DROP COLUMN naqi_21, DROP COLUMN naqi_22, DROP COLUMN naqi_23, DROP COLUMN naqi_24, DROP COLUMN naqi_25, DROP COLUMN naqi_30, DROP COLUMN naqi_31, DROP COLUMN naqi_32, DROP COLUMN naqi_33, DROP COLUMN naqi_34, DROP COLUMN naqi_35, DROP COLUMN naqi_40, DROP COLUMN naqi_41, DROP COLUMN naqi_42, DROP COLUMN naqi_43, DROP COLUMN naqi_44, DROP COLUMN naqi_45, DROP COLUMN naqi_50, DROP COLUMN naqi_51, DROP COLUMN naqi_52, DROP COLUMN naqi_53, DROP COLUMN naqi_54, DROP COLUMN naqi_55, DROP COLUMN us_epa_00, DROP COLUMN us_epa_01, DROP COLUMN us_epa_02, DROP COLUMN us_epa_03, DROP COLUMN us_epa_04, DROP COLUMN us_epa_05, DROP COLUMN us_epa_10, DROP COLUMN us_epa_11, DROP COLUMN us_epa_12, DROP COLUMN us_epa_13, DROP COLUMN us_epa_14, DROP COLUMN us_epa_15, DROP COLUMN us_epa_20, DROP COLUMN us_epa_21, DROP COLUMN us_epa_22, DROP COLUMN us_epa_23, DROP COLUMN us_epa_24, DROP COLUMN us_epa_25, DROP COLUMN us_epa_30, DROP COLUMN us_epa_31, DROP COLUMN us_epa_32, DROP COLUMN us_epa_33, DROP COLUMN us_epa_34, DROP COLUMN us_epa_35, DROP COLUMN us_epa_40, DROP COLUMN us_epa_41, DROP COLUMN us_epa_42, DROP COLUMN us_epa_43, DROP COLUMN us_epa_44, DROP COLUMN us_epa_45, DROP COLUMN us_epa_50, DROP COLUMN us_epa_51, DROP COLUMN us_epa_52, DROP COLUMN us_epa_53, DROP COLUMN us_epa_54, DROP COLUMN us_epa_55;
