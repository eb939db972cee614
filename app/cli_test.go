package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aqdash/aqdash/queries"
	"github.com/aqdash/aqdash/queries/dbtest"
)

// cli runs the command line as the binary would, against the database at url.
func cli(t *testing.T, url, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv("DATABASE_URL", url)
	t.Setenv("DIRECT_DATABASE_URL", "")
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLIMigrateImportDemo(t *testing.T) {
	url := dbtest.NewDatabase(t)
	if code, out, errs := cli(t, url, "", "migrate"); code != 0 || !strings.Contains(out, "up to date") {
		t.Fatalf("migrate on a migrated database: %d %q %q", code, out, errs)
	}

	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte("date,location,type,value\n2020-07-01,Hyderabad,pm25,26.1\n2020-07-02,Hyderabad,pm25,20\n"), 0o644)
	code, out, errs := cli(t, url, "", "import", "historic", good)
	if code != 0 || !strings.Contains(out, "2 rows into historic: 2 inserted, 0 updated, 0 unchanged") || strings.Count(out, "\n") != 1 {
		t.Fatalf("good import: %d %q %q", code, out, errs)
	}
	code, out, _ = cli(t, url, "", "import", "historic", good)
	if code != 0 || !strings.Contains(out, "0 inserted, 0 updated, 2 unchanged") {
		t.Fatalf("re-import: %d %q", code, out)
	}

	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("date,location,type,value\n2020-07-03,Hyderabad,pm25,1\n2020-02-30,Hyderabad,pm25,1\n"), 0o644)
	code, out, errs = cli(t, url, "", "import", "historic", bad)
	if code == 0 || out != "" || !strings.Contains(errs, `line 3: date "2020-02-30" does not exist`) || !strings.Contains(errs, "nothing was written") {
		t.Fatalf("bad import: %d %q %q", code, out, errs)
	}

	code, out, errs = cli(t, url, "date,location,type,prediction\n2020-07-01,Hyderabad,pm25,25\n", "import", "predictions", "-")
	if code != 0 || !strings.Contains(out, "1 rows into predictions") {
		t.Fatalf("stdin import: %d %q %q", code, out, errs)
	}
	if code, _, errs := cli(t, url, "", "import", "forecasts", "-"); code == 0 || !strings.Contains(errs, "unknown table") {
		t.Fatalf("unknown table: %d %q", code, errs)
	}
	if code, _, errs := cli(t, url, "", "import", "historic", filepath.Join(dir, "missing.csv")); code == 0 || !strings.Contains(errs, "no such file") {
		t.Fatalf("missing file: %d %q", code, errs)
	}
	if code, _, errs := cli(t, url, "", "frobnicate"); code != 2 || !strings.Contains(errs, "usage:") {
		t.Fatalf("unknown command: %d %q", code, errs)
	}

	// Only the good file's rows and the one prediction are stored.
	conn, err := queries.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	h, _ := queries.CountRows(context.Background(), conn, queries.Historic, queries.View{})
	p, _ := queries.CountRows(context.Background(), conn, queries.Predictions, queries.View{})
	if h != 2 || p != 1 {
		t.Fatalf("stored %d measurements and %d predictions, want 2 and 1", h, p)
	}
}

// TestCLIDemo loads the embedded CPCB data twice: the second load changes nothing.
func TestCLIDemo(t *testing.T) {
	url := dbtest.NewDatabase(t)
	code, out, errs := cli(t, url, "", "demo")
	if code != 0 || !strings.Contains(out, "CPCB via Kaggle") {
		t.Fatalf("demo: %d %q %q", code, out, errs)
	}
	code, out, _ = cli(t, url, "", "demo")
	if code != 0 || !strings.Contains(out, "measurements 0 inserted, 0 updated, 275246 unchanged") || !strings.Contains(out, "predictions 0 inserted, 0 updated") {
		t.Fatalf("second demo load: %d %q", code, out)
	}
}

// TestCLIImportModel: `app import predictions --model NAME FILE` files rows without a model column under
// NAME (default "default"); a bad --model, or one for measurements, is a usage error writing nothing.
func TestCLIImportModel(t *testing.T) {
	url := dbtest.NewDatabase(t)
	dir := t.TempDir()
	f := filepath.Join(dir, "p.csv")
	os.WriteFile(f, []byte("date,location,type,prediction,issued\n2020-07-03,Pune,pm25,25,2020-07-01\n2020-07-03,Pune,pm25,26,\n"), 0o644)
	if code, out, errs := cli(t, url, "", "import", "predictions", "--model", "v2.1", f); code != 0 || !strings.Contains(out, "2 rows into predictions: 2 inserted") {
		t.Fatalf("--model NAME: %d %q %q", code, out, errs)
	}
	if code, out, errs := cli(t, url, "", "import", "predictions", f, "--model=v2.1"); code != 0 || !strings.Contains(out, "2 unchanged") {
		t.Fatalf("--model=NAME after the file: %d %q %q", code, out, errs)
	}
	if code, out, errs := cli(t, url, "", "import", "predictions", f); code != 0 || !strings.Contains(out, "2 inserted") {
		t.Fatalf("no --model: %d %q %q", code, out, errs)
	}
	for _, args := range [][]string{
		{"import", "predictions", "--model", "a/b", f},
		{"import", "predictions", "--model", "", f},
		{"import", "historic", "--model", "ses", f},
		{"import", "predictions", f, "--model"},
	} {
		if code, _, errs := cli(t, url, "", args...); code != 2 || !strings.Contains(errs, "model") {
			t.Errorf("%v: %d %q", args, code, errs)
		}
	}
	conn, err := queries.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	got := map[string]float64{}
	if err := queries.EachRow(context.Background(), conn, queries.Predictions, queries.View{Sort: "date"}, func(r queries.Row) error {
		got[r.Model+" "+strconv.Itoa(r.Lead)] = r.Value
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"v2.1 2": 25, "v2.1 1": 26, "default 2": 25, "default 1": 26}
	if len(got) != len(want) {
		t.Fatalf("stored %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
}
