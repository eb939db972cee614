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
-- Shared functions redefined: aqdash_comparison_days_sql (the per-day terms: the view comparison_days),
-- aqdash_compare_sums (the list of sums, in the tables' column order) and aqdash_compare_rebuild (its
-- monthly sums through the new aqdash_compare_month_sums_sql); aqdash_compare_summarize (the write
-- trigger's) builds its SQL from the first two at run time and only gains jit = off. The rebuild makes its
-- new tables LIKE the live ones, so it gets the new columns too. The comparison itself is kept in
-- place: only the monthly and per-series sums are computed again here, from it.
--
-- Cost, measured on the demo data (283k comparison rows, a loaded 2-core machine): this migration
-- about 4 s; a full aqdash_compare_rebuild() about the same as before it (see the README).

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

-- aqdash_comparison_days_compact_sql(tbl) is each comparison row of the table tbl as one day's terms of
-- the sums, but for the band pairs, given as two numbers: np and up, 6 × measured level + predicted
-- level on the NAQI and US EPA scales (NULL unless both sides have a band).
CREATE FUNCTION aqdash_comparison_days_compact_sql(tbl text) RETURNS text
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
       np, up
  FROM (SELECT c.*, aqdash_band(c.type, c.actual) AS ab, aqdash_band(c.type, c.predicted) AS pb,
               aqdash_band_naqi(c.type, c.actual) * 6 + aqdash_band_naqi(c.type, c.predicted) AS np,
               aqdash_band_us_epa(c.type, c.actual) * 6 + aqdash_band_us_epa(c.type, c.predicted) AS up
          FROM %I c) AS c$q$, tbl)
$$;

-- aqdash_comparison_days_sql(tbl): the comparison_days view over tbl, 007's columns then the new ones,
-- each band pair a count of 0 or 1.
CREATE OR REPLACE FUNCTION aqdash_comparison_days_sql(tbl text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format($q$SELECT location, type, date, model, lead,
       days, actual_n, predicted_n, n, sum_abs, sum_sq, sum_err, mape_n, sum_pct, skill_n, skill_abs, persist_abs, band_n, band_agree, poor_actual, hits, poor_predicted, false_alarms, sum_actual, sum_predicted, sum_a_paired, sum_p_paired, sum_aa, sum_pp, sum_ap, who_days,
       coalesce((np = 0)::int, 0) AS naqi_00, coalesce((np = 1)::int, 0) AS naqi_01, coalesce((np = 2)::int, 0) AS naqi_02,
       coalesce((np = 3)::int, 0) AS naqi_03, coalesce((np = 4)::int, 0) AS naqi_04, coalesce((np = 5)::int, 0) AS naqi_05,
       coalesce((np = 6)::int, 0) AS naqi_10, coalesce((np = 7)::int, 0) AS naqi_11, coalesce((np = 8)::int, 0) AS naqi_12,
       coalesce((np = 9)::int, 0) AS naqi_13, coalesce((np = 10)::int, 0) AS naqi_14, coalesce((np = 11)::int, 0) AS naqi_15,
       coalesce((np = 12)::int, 0) AS naqi_20, coalesce((np = 13)::int, 0) AS naqi_21, coalesce((np = 14)::int, 0) AS naqi_22,
       coalesce((np = 15)::int, 0) AS naqi_23, coalesce((np = 16)::int, 0) AS naqi_24, coalesce((np = 17)::int, 0) AS naqi_25,
       coalesce((np = 18)::int, 0) AS naqi_30, coalesce((np = 19)::int, 0) AS naqi_31, coalesce((np = 20)::int, 0) AS naqi_32,
       coalesce((np = 21)::int, 0) AS naqi_33, coalesce((np = 22)::int, 0) AS naqi_34, coalesce((np = 23)::int, 0) AS naqi_35,
       coalesce((np = 24)::int, 0) AS naqi_40, coalesce((np = 25)::int, 0) AS naqi_41, coalesce((np = 26)::int, 0) AS naqi_42,
       coalesce((np = 27)::int, 0) AS naqi_43, coalesce((np = 28)::int, 0) AS naqi_44, coalesce((np = 29)::int, 0) AS naqi_45,
       coalesce((np = 30)::int, 0) AS naqi_50, coalesce((np = 31)::int, 0) AS naqi_51, coalesce((np = 32)::int, 0) AS naqi_52,
       coalesce((np = 33)::int, 0) AS naqi_53, coalesce((np = 34)::int, 0) AS naqi_54, coalesce((np = 35)::int, 0) AS naqi_55,
       coalesce((up = 0)::int, 0) AS us_epa_00, coalesce((up = 1)::int, 0) AS us_epa_01, coalesce((up = 2)::int, 0) AS us_epa_02,
       coalesce((up = 3)::int, 0) AS us_epa_03, coalesce((up = 4)::int, 0) AS us_epa_04, coalesce((up = 5)::int, 0) AS us_epa_05,
       coalesce((up = 6)::int, 0) AS us_epa_10, coalesce((up = 7)::int, 0) AS us_epa_11, coalesce((up = 8)::int, 0) AS us_epa_12,
       coalesce((up = 9)::int, 0) AS us_epa_13, coalesce((up = 10)::int, 0) AS us_epa_14, coalesce((up = 11)::int, 0) AS us_epa_15,
       coalesce((up = 12)::int, 0) AS us_epa_20, coalesce((up = 13)::int, 0) AS us_epa_21, coalesce((up = 14)::int, 0) AS us_epa_22,
       coalesce((up = 15)::int, 0) AS us_epa_23, coalesce((up = 16)::int, 0) AS us_epa_24, coalesce((up = 17)::int, 0) AS us_epa_25,
       coalesce((up = 18)::int, 0) AS us_epa_30, coalesce((up = 19)::int, 0) AS us_epa_31, coalesce((up = 20)::int, 0) AS us_epa_32,
       coalesce((up = 21)::int, 0) AS us_epa_33, coalesce((up = 22)::int, 0) AS us_epa_34, coalesce((up = 23)::int, 0) AS us_epa_35,
       coalesce((up = 24)::int, 0) AS us_epa_40, coalesce((up = 25)::int, 0) AS us_epa_41, coalesce((up = 26)::int, 0) AS us_epa_42,
       coalesce((up = 27)::int, 0) AS us_epa_43, coalesce((up = 28)::int, 0) AS us_epa_44, coalesce((up = 29)::int, 0) AS us_epa_45,
       coalesce((up = 30)::int, 0) AS us_epa_50, coalesce((up = 31)::int, 0) AS us_epa_51, coalesce((up = 32)::int, 0) AS us_epa_52,
       coalesce((up = 33)::int, 0) AS us_epa_53, coalesce((up = 34)::int, 0) AS us_epa_54, coalesce((up = 35)::int, 0) AS us_epa_55
  FROM (%s) AS d$q$, aqdash_comparison_days_compact_sql(tbl))
$$;

-- aqdash_compare_sums(): 004's sums, and the new columns', in the tables' column order.
CREATE OR REPLACE FUNCTION aqdash_compare_sums() RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT '            sum(days), sum(actual_n), sum(predicted_n), sum(n), sum(sum_abs), sum(sum_sq), sum(sum_err), sum(mape_n),
            sum(sum_pct), sum(skill_n), sum(skill_abs), sum(persist_abs), sum(band_n), sum(band_agree), sum(poor_actual), sum(hits),
            sum(poor_predicted), sum(false_alarms), sum(sum_actual), sum(sum_predicted), sum(sum_a_paired), sum(sum_p_paired), sum(sum_aa), sum(sum_pp),
            sum(sum_ap), sum(who_days), sum(naqi_00), sum(naqi_01), sum(naqi_02), sum(naqi_03), sum(naqi_04), sum(naqi_05),
            sum(naqi_10), sum(naqi_11), sum(naqi_12), sum(naqi_13), sum(naqi_14), sum(naqi_15), sum(naqi_20), sum(naqi_21),
            sum(naqi_22), sum(naqi_23), sum(naqi_24), sum(naqi_25), sum(naqi_30), sum(naqi_31), sum(naqi_32), sum(naqi_33),
            sum(naqi_34), sum(naqi_35), sum(naqi_40), sum(naqi_41), sum(naqi_42), sum(naqi_43), sum(naqi_44), sum(naqi_45),
            sum(naqi_50), sum(naqi_51), sum(naqi_52), sum(naqi_53), sum(naqi_54), sum(naqi_55), sum(us_epa_00), sum(us_epa_01),
            sum(us_epa_02), sum(us_epa_03), sum(us_epa_04), sum(us_epa_05), sum(us_epa_10), sum(us_epa_11), sum(us_epa_12), sum(us_epa_13),
            sum(us_epa_14), sum(us_epa_15), sum(us_epa_20), sum(us_epa_21), sum(us_epa_22), sum(us_epa_23), sum(us_epa_24), sum(us_epa_25),
            sum(us_epa_30), sum(us_epa_31), sum(us_epa_32), sum(us_epa_33), sum(us_epa_34), sum(us_epa_35), sum(us_epa_40), sum(us_epa_41),
            sum(us_epa_42), sum(us_epa_43), sum(us_epa_44), sum(us_epa_45), sum(us_epa_50), sum(us_epa_51), sum(us_epa_52), sum(us_epa_53),
            sum(us_epa_54), sum(us_epa_55)'
$$;

-- aqdash_compare_month_sums_sql(tbl) is the query of compare_months' rows (in its column order) from every
-- row of the comparison table tbl: the rebuild's and this migration's. Summing 72 band-pair columns day
-- by day would compute each day's bands 72 times (PostgreSQL substitutes np and up into every use) and
-- cost several times the rest of the sums; so the days are first grouped by month and band pair (np,
-- up), and the pairs counted from those groups.
CREATE FUNCTION aqdash_compare_month_sums_sql(tbl text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT format($q$SELECT model, lead, location, type, month,
              sum(days), sum(actual_n), sum(predicted_n), sum(n), sum(sum_abs), sum(sum_sq), sum(sum_err), sum(mape_n), sum(sum_pct), sum(skill_n),
              sum(skill_abs), sum(persist_abs), sum(band_n), sum(band_agree), sum(poor_actual), sum(hits), sum(poor_predicted), sum(false_alarms), sum(sum_actual), sum(sum_predicted),
              sum(sum_a_paired), sum(sum_p_paired), sum(sum_aa), sum(sum_pp), sum(sum_ap), sum(who_days),
              coalesce(sum(cnt) FILTER (WHERE np = 0), 0), coalesce(sum(cnt) FILTER (WHERE np = 1), 0), coalesce(sum(cnt) FILTER (WHERE np = 2), 0),
              coalesce(sum(cnt) FILTER (WHERE np = 3), 0), coalesce(sum(cnt) FILTER (WHERE np = 4), 0), coalesce(sum(cnt) FILTER (WHERE np = 5), 0),
              coalesce(sum(cnt) FILTER (WHERE np = 6), 0), coalesce(sum(cnt) FILTER (WHERE np = 7), 0), coalesce(sum(cnt) FILTER (WHERE np = 8), 0),
              coalesce(sum(cnt) FILTER (WHERE np = 9), 0), coalesce(sum(cnt) FILTER (WHERE np = 10), 0), coalesce(sum(cnt) FILTER (WHERE np = 11), 0),
              coalesce(sum(cnt) FILTER (WHERE np = 12), 0), coalesce(sum(cnt) FILTER (WHERE np = 13), 0), coalesce(sum(cnt) FILTER (WHERE np = 14), 0),
              coalesce(sum(cnt) FILTER (WHERE np = 15), 0), coalesce(sum(cnt) FILTER (WHERE np = 16), 0), coalesce(sum(cnt) FILTER (WHERE np = 17), 0),
              coalesce(sum(cnt) FILTER (WHERE np = 18), 0), coalesce(sum(cnt) FILTER (WHERE np = 19), 0), coalesce(sum(cnt) FILTER (WHERE np = 20), 0),
              coalesce(sum(cnt) FILTER (WHERE np = 21), 0), coalesce(sum(cnt) FILTER (WHERE np = 22), 0), coalesce(sum(cnt) FILTER (WHERE np = 23), 0),
              coalesce(sum(cnt) FILTER (WHERE np = 24), 0), coalesce(sum(cnt) FILTER (WHERE np = 25), 0), coalesce(sum(cnt) FILTER (WHERE np = 26), 0),
              coalesce(sum(cnt) FILTER (WHERE np = 27), 0), coalesce(sum(cnt) FILTER (WHERE np = 28), 0), coalesce(sum(cnt) FILTER (WHERE np = 29), 0),
              coalesce(sum(cnt) FILTER (WHERE np = 30), 0), coalesce(sum(cnt) FILTER (WHERE np = 31), 0), coalesce(sum(cnt) FILTER (WHERE np = 32), 0),
              coalesce(sum(cnt) FILTER (WHERE np = 33), 0), coalesce(sum(cnt) FILTER (WHERE np = 34), 0), coalesce(sum(cnt) FILTER (WHERE np = 35), 0),
              coalesce(sum(cnt) FILTER (WHERE up = 0), 0), coalesce(sum(cnt) FILTER (WHERE up = 1), 0), coalesce(sum(cnt) FILTER (WHERE up = 2), 0),
              coalesce(sum(cnt) FILTER (WHERE up = 3), 0), coalesce(sum(cnt) FILTER (WHERE up = 4), 0), coalesce(sum(cnt) FILTER (WHERE up = 5), 0),
              coalesce(sum(cnt) FILTER (WHERE up = 6), 0), coalesce(sum(cnt) FILTER (WHERE up = 7), 0), coalesce(sum(cnt) FILTER (WHERE up = 8), 0),
              coalesce(sum(cnt) FILTER (WHERE up = 9), 0), coalesce(sum(cnt) FILTER (WHERE up = 10), 0), coalesce(sum(cnt) FILTER (WHERE up = 11), 0),
              coalesce(sum(cnt) FILTER (WHERE up = 12), 0), coalesce(sum(cnt) FILTER (WHERE up = 13), 0), coalesce(sum(cnt) FILTER (WHERE up = 14), 0),
              coalesce(sum(cnt) FILTER (WHERE up = 15), 0), coalesce(sum(cnt) FILTER (WHERE up = 16), 0), coalesce(sum(cnt) FILTER (WHERE up = 17), 0),
              coalesce(sum(cnt) FILTER (WHERE up = 18), 0), coalesce(sum(cnt) FILTER (WHERE up = 19), 0), coalesce(sum(cnt) FILTER (WHERE up = 20), 0),
              coalesce(sum(cnt) FILTER (WHERE up = 21), 0), coalesce(sum(cnt) FILTER (WHERE up = 22), 0), coalesce(sum(cnt) FILTER (WHERE up = 23), 0),
              coalesce(sum(cnt) FILTER (WHERE up = 24), 0), coalesce(sum(cnt) FILTER (WHERE up = 25), 0), coalesce(sum(cnt) FILTER (WHERE up = 26), 0),
              coalesce(sum(cnt) FILTER (WHERE up = 27), 0), coalesce(sum(cnt) FILTER (WHERE up = 28), 0), coalesce(sum(cnt) FILTER (WHERE up = 29), 0),
              coalesce(sum(cnt) FILTER (WHERE up = 30), 0), coalesce(sum(cnt) FILTER (WHERE up = 31), 0), coalesce(sum(cnt) FILTER (WHERE up = 32), 0),
              coalesce(sum(cnt) FILTER (WHERE up = 33), 0), coalesce(sum(cnt) FILTER (WHERE up = 34), 0), coalesce(sum(cnt) FILTER (WHERE up = 35), 0)
  FROM (SELECT model, lead, location, type, date_trunc('month', date::timestamp)::date AS month, np, up,
                         sum(days) AS days, sum(actual_n) AS actual_n, sum(predicted_n) AS predicted_n, sum(n) AS n, sum(sum_abs) AS sum_abs, sum(sum_sq) AS sum_sq,
                         sum(sum_err) AS sum_err, sum(mape_n) AS mape_n, sum(sum_pct) AS sum_pct, sum(skill_n) AS skill_n, sum(skill_abs) AS skill_abs, sum(persist_abs) AS persist_abs,
                         sum(band_n) AS band_n, sum(band_agree) AS band_agree, sum(poor_actual) AS poor_actual, sum(hits) AS hits, sum(poor_predicted) AS poor_predicted, sum(false_alarms) AS false_alarms,
                         sum(sum_actual) AS sum_actual, sum(sum_predicted) AS sum_predicted, sum(sum_a_paired) AS sum_a_paired, sum(sum_p_paired) AS sum_p_paired, sum(sum_aa) AS sum_aa, sum(sum_pp) AS sum_pp,
                         sum(sum_ap) AS sum_ap, sum(who_days) AS who_days,
               count(*) AS cnt
          FROM (%s) AS d GROUP BY 1, 2, 3, 4, 5, 6, 7) AS g
 GROUP BY 1, 2, 3, 4, 5$q$, aqdash_comparison_days_compact_sql(tbl))
$$;

-- The view gains the new columns at its end (CREATE OR REPLACE VIEW may add columns, not change them).
DO $$ BEGIN EXECUTE 'CREATE OR REPLACE VIEW comparison_days AS ' || aqdash_comparison_days_sql('comparison'); END $$;

-- The sums now have 100 columns: an aggregate that wide costs PostgreSQL's JIT a minute to compile
-- (measured on the demo data, 283k comparison rows: 84 s with JIT, 16 s without, before the grouping by
-- band pair), far more than it could save. The app's connections have jit off (queries.Connect), but
-- the trigger runs in every writer's session (psql, another tool): the functions that sum switch it off.
ALTER FUNCTION aqdash_compare_summarize() SET jit = off;

-- aqdash_compare_rebuild(): 007's, the monthly sums made by aqdash_compare_month_sums_sql (one grouping
-- pass with each day's band pairs computed once), with jit off.
CREATE OR REPLACE FUNCTION aqdash_compare_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
SET work_mem = '64MB' SET maintenance_work_mem = '256MB' SET jit = off AS $$
DECLARE
    tbls   text[] := ARRAY['comparison', 'compare_months', 'compare_weeks', 'compare_series'];
    t      text;
    idx    record;
    waited timestamptz;
    lt     text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('aqdash_comparison'));
    -- The pairs: a small table, rewritten in place (readers see the old one until commit).
    DELETE FROM model_leads;
    INSERT INTO model_leads SELECT model, lead, count(*) FROM daily_prediction_pollution GROUP BY model, lead;
    FOREACH t IN ARRAY tbls LOOP
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE)', t || '_next', t);
    END LOOP;
    -- Every measured day for every pair, fully joined with that pair's predictions; prev looked up lead
    -- days back (one hash join over the measurements).
    INSERT INTO comparison_next (location, type, date, model, lead, actual, predicted, prev)
    SELECT k.location, k.type, k.date, k.model, k.lead, k.actual, k.predicted, hp.value
      FROM (SELECT coalesce(h.location, p.location) AS location, coalesce(h.type, p.type) AS type,
                   coalesce(h.date, p.date) AS date, coalesce(h.model, p.model) AS model,
                   coalesce(h.lead, p.lead) AS lead, h.value AS actual, p.prediction AS predicted
              FROM (SELECT h.location, h.type, h.date, h.value, pr.model, pr.lead
                      FROM daily_historic_pollution h CROSS JOIN aqdash_pairs pr) AS h
              FULL JOIN daily_prediction_pollution p
                ON p.location = h.location AND p.type = h.type AND p.date = h.date AND p.model = h.model AND p.lead = h.lead) AS k
      LEFT JOIN daily_historic_pollution hp
        ON hp.location = k.location AND hp.type = k.type AND hp.date = k.date - greatest(k.lead, 1);
    EXECUTE 'INSERT INTO compare_months_next ' || aqdash_compare_month_sums_sql('comparison_next');
    INSERT INTO compare_weeks_next
    SELECT model, lead, location, type, date_trunc('week', date::timestamp)::date, count(actual), sum(actual), count(predicted), sum(predicted)
      FROM comparison_next GROUP BY 1, 2, 3, 4, 5;
    EXECUTE 'INSERT INTO compare_series_next SELECT model, lead, location, type, ' || aqdash_compare_sums() || ' FROM compare_months_next GROUP BY 1, 2, 3, 4';
    FOREACH t IN ARRAY tbls LOOP
        PERFORM aqdash_compare_copy_indexes(t, t || '_next');
        PERFORM aqdash_copy_grants(t::regclass, t || '_next');
        EXECUTE format('ANALYZE %I', t || '_next');
    END LOOP;
    ANALYZE model_leads;

    -- The swap, as 006's.
    lt := current_setting('lock_timeout');
    waited := clock_timestamp();
    LOOP
        BEGIN
            PERFORM set_config('lock_timeout', CASE WHEN clock_timestamp() - waited < interval '1 minute' THEN '200ms' ELSE '0' END, true);
            LOCK TABLE comparison, compare_months, compare_weeks, compare_series IN ACCESS EXCLUSIVE MODE;
            EXIT;
        EXCEPTION WHEN lock_not_available THEN
            PERFORM pg_sleep(0.05);
        END;
    END LOOP;
    PERFORM set_config('lock_timeout', lt, true);
    CREATE TEMP TABLE aqdash_days_grants ON COMMIT DROP AS SELECT 1 AS x LIMIT 0;
    PERFORM aqdash_copy_grants('comparison_days'::regclass, 'aqdash_days_grants');
    DROP VIEW comparison_days;
    DROP TABLE comparison, compare_months, compare_weeks, compare_series;
    FOREACH t IN ARRAY tbls LOOP
        EXECUTE format('ALTER TABLE %I RENAME TO %I', t || '_next', t);
        FOR idx IN SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                    WHERE x.indrelid = t::regclass AND i.relname LIKE '%\_next' LOOP
            EXECUTE format('ALTER INDEX %I RENAME TO %I', idx.relname, left(idx.relname, -length('_next')));
        END LOOP;
    END LOOP;
    EXECUTE 'CREATE VIEW comparison_days AS ' || aqdash_comparison_days_sql('comparison');
    PERFORM aqdash_copy_grants('pg_temp.aqdash_days_grants'::regclass, 'comparison_days');
    DROP TABLE pg_temp.aqdash_days_grants;
END
$$;


-- The sums again, from the comparison as it is: one grouping pass over it, as the rebuild does, under
-- the comparison's lock so no writer's trigger interleaves.
SET LOCAL jit = off;
SELECT pg_advisory_xact_lock(hashtext('aqdash_comparison'));
DELETE FROM compare_months;
DELETE FROM compare_series;
DO $$ BEGIN
    EXECUTE 'INSERT INTO compare_months ' || aqdash_compare_month_sums_sql('comparison');
    EXECUTE 'INSERT INTO compare_series SELECT model, lead, location, type, ' || aqdash_compare_sums() || '
               FROM compare_months GROUP BY 1, 2, 3, 4';
END $$;
ANALYZE compare_months;
ANALYZE compare_series;

---- create above / drop below ----

-- 007's functions and view again, then the columns dropped (the view first: it refers to them).
ALTER FUNCTION aqdash_compare_summarize() RESET jit;
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
-- aqdash_compare_rebuild(): 006's build beside and swap, per model and lead; model_leads too.
CREATE OR REPLACE FUNCTION aqdash_compare_rebuild() RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT
SET work_mem = '64MB' SET maintenance_work_mem = '256MB' AS $$
DECLARE
    tbls   text[] := ARRAY['comparison', 'compare_months', 'compare_weeks', 'compare_series'];
    t      text;
    idx    record;
    waited timestamptz;
    lt     text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('aqdash_comparison'));
    -- The pairs: a small table, rewritten in place (readers see the old one until commit).
    DELETE FROM model_leads;
    INSERT INTO model_leads SELECT model, lead, count(*) FROM daily_prediction_pollution GROUP BY model, lead;
    FOREACH t IN ARRAY tbls LOOP
        EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING GENERATED INCLUDING CONSTRAINTS INCLUDING STORAGE)', t || '_next', t);
    END LOOP;
    -- Every measured day for every pair, fully joined with that pair's predictions; prev looked up lead
    -- days back (one hash join over the measurements).
    INSERT INTO comparison_next (location, type, date, model, lead, actual, predicted, prev)
    SELECT k.location, k.type, k.date, k.model, k.lead, k.actual, k.predicted, hp.value
      FROM (SELECT coalesce(h.location, p.location) AS location, coalesce(h.type, p.type) AS type,
                   coalesce(h.date, p.date) AS date, coalesce(h.model, p.model) AS model,
                   coalesce(h.lead, p.lead) AS lead, h.value AS actual, p.prediction AS predicted
              FROM (SELECT h.location, h.type, h.date, h.value, pr.model, pr.lead
                      FROM daily_historic_pollution h CROSS JOIN aqdash_pairs pr) AS h
              FULL JOIN daily_prediction_pollution p
                ON p.location = h.location AND p.type = h.type AND p.date = h.date AND p.model = h.model AND p.lead = h.lead) AS k
      LEFT JOIN daily_historic_pollution hp
        ON hp.location = k.location AND hp.type = k.type AND hp.date = k.date - greatest(k.lead, 1);
    EXECUTE 'INSERT INTO compare_months_next
             SELECT model, lead, location, type, date_trunc(''month'', date::timestamp)::date, ' || aqdash_compare_sums() || '
               FROM (' || aqdash_comparison_days_sql('comparison_next') || ') AS d GROUP BY 1, 2, 3, 4, 5';
    INSERT INTO compare_weeks_next
    SELECT model, lead, location, type, date_trunc('week', date::timestamp)::date, count(actual), sum(actual), count(predicted), sum(predicted)
      FROM comparison_next GROUP BY 1, 2, 3, 4, 5;
    EXECUTE 'INSERT INTO compare_series_next SELECT model, lead, location, type, ' || aqdash_compare_sums() || ' FROM compare_months_next GROUP BY 1, 2, 3, 4';
    FOREACH t IN ARRAY tbls LOOP
        PERFORM aqdash_compare_copy_indexes(t, t || '_next');
        PERFORM aqdash_copy_grants(t::regclass, t || '_next');
        EXECUTE format('ANALYZE %I', t || '_next');
    END LOOP;
    ANALYZE model_leads;

    -- The swap, as 006's.
    lt := current_setting('lock_timeout');
    waited := clock_timestamp();
    LOOP
        BEGIN
            PERFORM set_config('lock_timeout', CASE WHEN clock_timestamp() - waited < interval '1 minute' THEN '200ms' ELSE '0' END, true);
            LOCK TABLE comparison, compare_months, compare_weeks, compare_series IN ACCESS EXCLUSIVE MODE;
            EXIT;
        EXCEPTION WHEN lock_not_available THEN
            PERFORM pg_sleep(0.05);
        END;
    END LOOP;
    PERFORM set_config('lock_timeout', lt, true);
    CREATE TEMP TABLE aqdash_days_grants ON COMMIT DROP AS SELECT 1 AS x LIMIT 0;
    PERFORM aqdash_copy_grants('comparison_days'::regclass, 'aqdash_days_grants');
    DROP VIEW comparison_days;
    DROP TABLE comparison, compare_months, compare_weeks, compare_series;
    FOREACH t IN ARRAY tbls LOOP
        EXECUTE format('ALTER TABLE %I RENAME TO %I', t || '_next', t);
        FOR idx IN SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                    WHERE x.indrelid = t::regclass AND i.relname LIKE '%\_next' LOOP
            EXECUTE format('ALTER INDEX %I RENAME TO %I', idx.relname, left(idx.relname, -length('_next')));
        END LOOP;
    END LOOP;
    EXECUTE 'CREATE VIEW comparison_days AS ' || aqdash_comparison_days_sql('comparison');
    PERFORM aqdash_copy_grants('pg_temp.aqdash_days_grants'::regclass, 'comparison_days');
    DROP TABLE pg_temp.aqdash_days_grants;
END
$$;


DROP FUNCTION aqdash_compare_month_sums_sql(text);
DROP FUNCTION aqdash_comparison_days_compact_sql(text);
ALTER TABLE compare_months DROP COLUMN sum_a_paired, DROP COLUMN sum_p_paired, DROP COLUMN sum_aa, DROP COLUMN sum_pp, DROP COLUMN sum_ap, DROP COLUMN who_days, DROP COLUMN naqi_00, DROP COLUMN naqi_01, DROP COLUMN naqi_02, DROP COLUMN naqi_03, DROP COLUMN naqi_04, DROP COLUMN naqi_05, DROP COLUMN naqi_10, DROP COLUMN naqi_11, DROP COLUMN naqi_12, DROP COLUMN naqi_13, DROP COLUMN naqi_14, DROP COLUMN naqi_15, DROP COLUMN naqi_20, DROP COLUMN naqi_21, DROP COLUMN naqi_22, DROP COLUMN naqi_23, DROP COLUMN naqi_24, DROP COLUMN naqi_25, DROP COLUMN naqi_30, DROP COLUMN naqi_31, DROP COLUMN naqi_32, DROP COLUMN naqi_33, DROP COLUMN naqi_34, DROP COLUMN naqi_35, DROP COLUMN naqi_40, DROP COLUMN naqi_41, DROP COLUMN naqi_42, DROP COLUMN naqi_43, DROP COLUMN naqi_44, DROP COLUMN naqi_45, DROP COLUMN naqi_50, DROP COLUMN naqi_51, DROP COLUMN naqi_52, DROP COLUMN naqi_53, DROP COLUMN naqi_54, DROP COLUMN naqi_55, DROP COLUMN us_epa_00, DROP COLUMN us_epa_01, DROP COLUMN us_epa_02, DROP COLUMN us_epa_03, DROP COLUMN us_epa_04, DROP COLUMN us_epa_05, DROP COLUMN us_epa_10, DROP COLUMN us_epa_11, DROP COLUMN us_epa_12, DROP COLUMN us_epa_13, DROP COLUMN us_epa_14, DROP COLUMN us_epa_15, DROP COLUMN us_epa_20, DROP COLUMN us_epa_21, DROP COLUMN us_epa_22, DROP COLUMN us_epa_23, DROP COLUMN us_epa_24, DROP COLUMN us_epa_25, DROP COLUMN us_epa_30, DROP COLUMN us_epa_31, DROP COLUMN us_epa_32, DROP COLUMN us_epa_33, DROP COLUMN us_epa_34, DROP COLUMN us_epa_35, DROP COLUMN us_epa_40, DROP COLUMN us_epa_41, DROP COLUMN us_epa_42, DROP COLUMN us_epa_43, DROP COLUMN us_epa_44, DROP COLUMN us_epa_45, DROP COLUMN us_epa_50, DROP COLUMN us_epa_51, DROP COLUMN us_epa_52, DROP COLUMN us_epa_53, DROP COLUMN us_epa_54, DROP COLUMN us_epa_55;
ALTER TABLE compare_series DROP COLUMN sum_a_paired, DROP COLUMN sum_p_paired, DROP COLUMN sum_aa, DROP COLUMN sum_pp, DROP COLUMN sum_ap, DROP COLUMN who_days, DROP COLUMN naqi_00, DROP COLUMN naqi_01, DROP COLUMN naqi_02, DROP COLUMN naqi_03, DROP COLUMN naqi_04, DROP COLUMN naqi_05, DROP COLUMN naqi_10, DROP COLUMN naqi_11, DROP COLUMN naqi_12, DROP COLUMN naqi_13, DROP COLUMN naqi_14, DROP COLUMN naqi_15, DROP COLUMN naqi_20, DROP COLUMN naqi_21, DROP COLUMN naqi_22, DROP COLUMN naqi_23, DROP COLUMN naqi_24, DROP COLUMN naqi_25, DROP COLUMN naqi_30, DROP COLUMN naqi_31, DROP COLUMN naqi_32, DROP COLUMN naqi_33, DROP COLUMN naqi_34, DROP COLUMN naqi_35, DROP COLUMN naqi_40, DROP COLUMN naqi_41, DROP COLUMN naqi_42, DROP COLUMN naqi_43, DROP COLUMN naqi_44, DROP COLUMN naqi_45, DROP COLUMN naqi_50, DROP COLUMN naqi_51, DROP COLUMN naqi_52, DROP COLUMN naqi_53, DROP COLUMN naqi_54, DROP COLUMN naqi_55, DROP COLUMN us_epa_00, DROP COLUMN us_epa_01, DROP COLUMN us_epa_02, DROP COLUMN us_epa_03, DROP COLUMN us_epa_04, DROP COLUMN us_epa_05, DROP COLUMN us_epa_10, DROP COLUMN us_epa_11, DROP COLUMN us_epa_12, DROP COLUMN us_epa_13, DROP COLUMN us_epa_14, DROP COLUMN us_epa_15, DROP COLUMN us_epa_20, DROP COLUMN us_epa_21, DROP COLUMN us_epa_22, DROP COLUMN us_epa_23, DROP COLUMN us_epa_24, DROP COLUMN us_epa_25, DROP COLUMN us_epa_30, DROP COLUMN us_epa_31, DROP COLUMN us_epa_32, DROP COLUMN us_epa_33, DROP COLUMN us_epa_34, DROP COLUMN us_epa_35, DROP COLUMN us_epa_40, DROP COLUMN us_epa_41, DROP COLUMN us_epa_42, DROP COLUMN us_epa_43, DROP COLUMN us_epa_44, DROP COLUMN us_epa_45, DROP COLUMN us_epa_50, DROP COLUMN us_epa_51, DROP COLUMN us_epa_52, DROP COLUMN us_epa_53, DROP COLUMN us_epa_54, DROP COLUMN us_epa_55;
