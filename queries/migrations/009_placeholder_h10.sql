-- Placeholder for h10's 009 (accuracy sums), so tern finds no gap on branch h13: delete it at merge.
SELECT 1;

---- create above / drop below ----
SELECT 1;
