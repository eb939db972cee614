package queries

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// A load into empty tables may build the comparison beside its own transaction (migration 015): the
// loader computes the comparison's rows from the rows it writes and sends them on a second connection
// (StageComparison) while its transaction copies the tables; that transaction then swaps the staged
// comparison in (AdoptComparison) instead of rebuilding it, the work of two backends instead of one.

// StagedRow is one row of a staged comparison: a day of a series for one model and lead, with the
// measurement of that day, the prediction and the persistence forecast (the measurement lead days back,
// one day at lead 0), each null where there is none.
type StagedRow struct {
	Model     string
	Lead      int
	Location  string
	Type      string
	Date      time.Time
	Actual    pgtype.Float8
	Predicted pgtype.Float8
	Prev      pgtype.Float8
}

// StagedSource streams the rows of a staged comparison, as pgx.Rows does: Next advances, Row returns
// the current row (valid until the next Next).
type StagedSource interface {
	Next() bool
	Row() *StagedRow
}

// StageComparison fills the comparison's stage tables (comparison_load and its sums, migration 015)
// with src and commits them, on a connection of its own opened with cfg (never the load's: that one is
// busy in its transaction), and returns the rows it staged. src must be the comparison of exactly what
// the load writes, in the comparison's order: (model, lead, location, type, date), the text compared
// bytewise, every measured day of every (model, lead) pair that has a prediction and every predicted
// day of that pair. AdoptComparison checks the stage, within limits, before it uses it.
func StageComparison(ctx context.Context, cfg *pgx.ConnConfig, src StagedSource) (int64, error) {
	conn, err := pgx.ConnectConfig(ctx, cfg.Copy())
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.WithoutCancel(ctx)) //nolint:errcheck // closing after the commit or rollback
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	// Long statements by design; a lock this connection would wait for behind the load's transaction
	// (which waits for this one) becomes an error instead of a wait without end.
	for _, sql := range []string{"SET LOCAL statement_timeout = 0", "SET LOCAL lock_timeout = '10s'", "SELECT aqdash_compare_stage()"} {
		if _, err := tx.Exec(ctx, sql); err != nil {
			return 0, err
		}
	}
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"comparison_load"},
		[]string{"model", "lead", "location", "type", "date", "actual", "predicted", "prev"}, &stagedCopy{src: src})
	if err != nil {
		return n, err
	}
	if _, err := tx.Exec(ctx, "SELECT aqdash_compare_stage_finish()"); err != nil {
		return n, err
	}
	return n, tx.Commit(ctx)
}

// stagedCopy adapts a StagedSource to COPY.
type stagedCopy struct {
	src  StagedSource
	vals [8]any
}

func (s *stagedCopy) Next() bool { return s.src.Next() }

func (s *stagedCopy) Values() ([]any, error) {
	r := s.src.Row()
	s.vals = [8]any{r.Model, int16(r.Lead), r.Location, r.Type, r.Date, r.Actual, r.Predicted, r.Prev}
	return s.vals[:], nil
}

func (s *stagedCopy) Err() error { return nil }

// AdoptComparison swaps a staged comparison in, inside the load's transaction tx, once StageComparison
// has committed it: it reports false (and drops the stage) when there is none or when it disagrees with
// the tables tx wrote (a pair missing or extra, a pair's count of predictions, a pair without every
// measured day); the bulk load's finish then rebuilds the comparison as without a stage. On true that
// finish does not rebuild it.
func AdoptComparison(ctx context.Context, tx pgx.Tx) (bool, error) {
	var adopted bool
	err := tx.QueryRow(ctx, "SELECT aqdash_compare_adopt()").Scan(&adopted)
	return adopted, err
}
