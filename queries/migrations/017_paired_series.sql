-- compare_series gains a partial index of the series with a day with both sides (n > 0): the rows a
-- verification breakdown sums (queries.AccuracyQuery). At 10M rows per table three quarters of the
-- 11,300 rows of compare_series are series without predictions; a breakdown of one pollutant read all
-- 1,162 heap pages of the table (its rows are about 800 bytes wide) to sum 236 rows, 14 ms of the
-- 15 ms of /accuracy?by=location&by=model&type=pm25. Through this index it reads those 236 rows.
--
-- The index is small (one entry per paired series) and compare_series is written once per series,
-- model and lead a statement touches; the bulk load's rebuild copies it with the table's other
-- indexes (006's aqdash_compare_copy_indexes).

CREATE INDEX compare_series_paired ON compare_series (type, location, model, lead) WHERE n > 0;

---- create above / drop below ----

DROP INDEX compare_series_paired;
