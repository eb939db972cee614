package queries

import sq "github.com/Masterminds/squirrel"

// BandLevelsQuery selects each value with the band level the SQL function aqdash_band (migration 004)
// gives it for typ, so an external test can check it against app/aqi in a real database.
func BandLevelsQuery(typ string, values []float64) sq.SelectBuilder {
	in := psql.Select().Column(sq.Expr("?::text AS t", typ)).Column(sq.Expr("unnest(?::float8[]) AS v", values))
	return psql.Select("v", "aqdash_band(t, v)").FromSelect(in, "x")
}

// ScaleQuery is a query giving, for each value, its band level on a scale (aqdash_band_<scale>) and
// whether it is above the WHO guideline (aqdash_who_exceeded), for scales_test.go.
func ScaleQuery(scale, typ string, values []float64) sq.SelectBuilder {
	in := psql.Select().Column(sq.Expr("?::text AS t", typ)).Column(sq.Expr("unnest(?::float8[]) AS v", values))
	return psql.Select("v", "aqdash_band_"+scale+"(t, v)", "aqdash_who_exceeded(t, v)").FromSelect(in, "x")
}
