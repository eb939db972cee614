package queries

import sq "github.com/Masterminds/squirrel"

// BandLevelsQuery selects each value with the band level the SQL function aqdash_band (migration 004)
// gives it for typ, so an external test can check it against BandOf in a real database.
func BandLevelsQuery(typ string, values []float64) sq.SelectBuilder {
	in := psql.Select().Column(sq.Expr("?::text AS t", typ)).Column(sq.Expr("unnest(?::float8[]) AS v", values))
	return psql.Select("v", "aqdash_band(t, v)").FromSelect(in, "x")
}
