package queries

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// versionTable is where tern records the schema version.
const versionTable = "aqdash_schema_version"

// Migrate brings the schema up to date. tern holds a PostgreSQL advisory lock while it works, so several
// instances starting at once apply each migration exactly once; on an up-to-date schema it does nothing.
// It reports the version before and after.
func Migrate(ctx context.Context, conn *pgx.Conn) (from, to int32, err error) {
	return MigrateReporting(ctx, conn, nil)
}

// MigrationStep is one migration Migrate applied: its version, its file's name and how long it took,
// its commit included.
type MigrationStep struct {
	Version int32
	Name    string
	Took    time.Duration
}

// MigrateReporting is Migrate, calling done (when not nil) after each migration it applies, so that an
// operator watching a long migration of a large database sees it advance.
func MigrateReporting(ctx context.Context, conn *pgx.Conn, done func(MigrationStep)) (from, to int32, err error) {
	m, err := newMigrator(ctx, conn)
	if err != nil {
		return 0, 0, err
	}
	from, err = m.GetCurrentVersion(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("schema version: %w", err)
	}
	// tern calls OnStart before each migration, after the one before it committed: a start ends the
	// step before it, and the last step ends when Migrate returns.
	var step MigrationStep
	var began time.Time
	finish := func() {
		if step.Name != "" {
			step.Took = time.Since(began)
			done(step)
		}
	}
	if done != nil {
		m.OnStart = func(sequence int32, name, _, _ string) {
			finish()
			step, began = MigrationStep{Version: sequence, Name: name}, time.Now()
		}
	}
	if err := m.Migrate(ctx); err != nil {
		return from, 0, fmt.Errorf("migrate: %w", err)
	}
	finish()
	to, err = m.GetCurrentVersion(ctx)
	return from, to, err
}

// MigrateTo brings the schema to version target (up or down): for tests of a migration over data of
// the schema before it.
func MigrateTo(ctx context.Context, conn *pgx.Conn, target int32) error {
	m, err := newMigrator(ctx, conn)
	if err != nil {
		return err
	}
	return m.MigrateTo(ctx, target)
}

// newMigrator is tern's migrator on conn with the embedded migrations loaded.
func newMigrator(ctx context.Context, conn *pgx.Conn) (*migrate.Migrator, error) {
	m, err := migrate.NewMigrator(ctx, conn, versionTable)
	if err != nil {
		return nil, fmt.Errorf("migrator: %w", err)
	}
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	if err := m.LoadMigrations(sub); err != nil {
		return nil, fmt.Errorf("load migrations: %w", err)
	}
	return m, nil
}
