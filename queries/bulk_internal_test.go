package queries

import "testing"

// TestBulkTouchesCountsPairs: a prediction touches one comparison row, a measurement one per (model,
// lead) pair; a bulk load needs BulkRows touched and a quarter of the comparison.
func TestBulkTouchesCountsPairs(t *testing.T) {
	for _, c := range []struct {
		t           Table
		rows, pairs int64
		have        float64
		want        bool
	}{
		{Predictions, BulkRows - 1, 9, 0, false},
		{Predictions, BulkRows, 9, 0, true},
		{Predictions, BulkRows, 9, 4 * BulkRows, true},
		{Predictions, BulkRows, 9, 4*BulkRows + 4, false},
		{Historic, BulkRows / 9, 1, 0, false},
		{Historic, BulkRows/9 + 1, 9, 0, true},
		// The demo's measurements into a comparison of 9 pairs: 275k × 9 ≥ 2.5M / 4.
		{Historic, 275_246, 9, 2_500_000, true},
		{Historic, 275_246, 1, 2_500_000, false},
		{Historic, 10, 0, -1, false},
		{Historic, BulkRows, 0, -1, true}, // no pairs yet: the comparison still has the measurements' rows
	} {
		if got := bulkTouches(c.t, c.rows, c.pairs, c.have); got != c.want {
			t.Errorf("%s %d rows, %d pairs, comparison %v: bulk %v, want %v", c.t.Key, c.rows, c.pairs, c.have, got, c.want)
		}
	}
}
