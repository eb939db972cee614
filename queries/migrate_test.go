package queries_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// TestMigrateReportsEachMigration takes a migrated database back three versions and brings it up again:
// MigrateReporting reports exactly those three migrations, in order, by their files' names, and nothing
// when the schema is already up to date.
func TestMigrateReportsEachMigration(t *testing.T) {
	ctx := context.Background()
	conn, err := queries.Connect(ctx, dbtest.NewDatabase(t))
	if err != nil {
		t.Fatalf("PostgreSQL is unreachable: %v", err)
	}
	defer conn.Close(ctx)
	files, err := fs.Glob(os.DirFS("migrations"), "*.sql")
	if err != nil || len(files) < 4 {
		t.Fatalf("migration files: %v %v", files, err)
	}
	latest := int32(len(files))
	if err := queries.MigrateTo(ctx, conn, latest-3); err != nil {
		t.Fatal(err)
	}
	var got []string
	from, to, err := queries.MigrateReporting(ctx, conn, func(st queries.MigrationStep) {
		if st.Took <= 0 {
			t.Errorf("%s took %v", st.Name, st.Took)
		}
		got = append(got, fmt.Sprintf("%d %s", st.Version, st.Name))
	})
	if err != nil {
		t.Fatal(err)
	}
	if from != latest-3 || to != latest {
		t.Errorf("from %d to %d, want %d to %d", from, to, latest-3, latest)
	}
	var want []string
	for i, f := range files[len(files)-3:] {
		want = append(want, fmt.Sprintf("%d %s", int(latest)-2+i, filepath.Base(f)))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("reported %q, want %q", got, want)
	}
	got = nil
	if _, _, err := queries.MigrateReporting(ctx, conn, func(st queries.MigrationStep) { got = append(got, st.Name) }); err != nil || len(got) != 0 {
		t.Errorf("an up-to-date schema reported %q (%v)", got, err)
	}
}
