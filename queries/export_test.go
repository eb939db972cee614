package queries

import sq "github.com/Masterminds/squirrel"

// BandLevelsQuery selects each value with the band level bandSQL gives it for typ, so an external test
// can check the SQL CASE against BandOf in a real database.
func BandLevelsQuery(typ string, values []float64) sq.SelectBuilder {
	in := psql.Select().Column(sq.Expr("?::text AS t", typ)).Column(sq.Expr("unnest(?::float8[]) AS v", values))
	return psql.Select("v", bandSQL("t", "v")).FromSelect(in, "x")
}
