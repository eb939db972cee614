package queries_test

import (
	"os"
	"testing"

	"github.com/aqdash/aqdash/queries/dbtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	dbtest.DropTemplate()
	os.Exit(code)
}
