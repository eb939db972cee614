// Command app is aqdash: a dashboard of daily air-quality measurements against a forecast model's
// predictions, served as HTML that htmx pages, sorts and filters in place.
//
//	app [serve]                                start the dashboard (the default)
//	app migrate                                bring the schema up to date and exit
//	app import historic|predictions FILE|-     upsert a CSV file, all rows or none
//	app import predictions --model NAME FILE   the same, predictions without a model column are NAME's
//	app demo                                   (re)load the bundled demo data
//	app demo --models all                      the same (the three models at leads 1-3)
//	app demo --synthetic N                     generate N rows per table of synthetic series
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/aqdash/aqdash/app/demo"
	"github.com/aqdash/aqdash/app/forecast"
	"github.com/aqdash/aqdash/app/ingest"
	"github.com/aqdash/aqdash/queries"
)

const usage = `usage:
  app [serve]                              start the dashboard (PORT, DATABASE_URL, DEMO_DATA=off)
  app migrate                              apply database migrations and exit
  app import historic FILE                 upsert measurements from CSV (FILE "-" reads stdin)
  app import predictions [--model NAME] FILE
                                           upsert predictions from CSV; rows without a
                                           model column are NAME's (default "default")
  app demo                                 (re)load the bundled demo data (ses, persistence and
                                           climatology at leads 1-3)
  app demo --models all                    the same
                                           at leads 1-3 (2.3M predictions: minutes)

CSV: header date,location,type,value (prediction for predictions), or the CPCB
wide form City,Date,PM2.5,...,Xylene,AQI,AQI_Bucket for historic. Predictions
may add the columns model, and lead (days ahead, 0-30) or issued (an ISO date);
without them a row is lead 1.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cfg, err := LoadConfig(os.Getenv)
	if err != nil {
		fmt.Fprintln(stderr, "aqdash:", err)
		return 2
	}
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	switch cmd {
	case "serve":
		if len(args) > 0 {
			break
		}
		return serve(ctx, cfg)
	case "migrate":
		if len(args) > 0 {
			break
		}
		return report(stderr, "migrate", runMigrate(ctx, cfg, stdout))
	case "import":
		kind, file, opts, err := importArgs(args)
		if err != nil {
			fmt.Fprintf(stderr, "aqdash import: %v\n", err)
			return 2
		}
		if file == "" {
			break
		}
		return report(stderr, "import "+kind+" "+file, runImport(ctx, cfg, kind, file, opts, stdin, stdout, stderr))
	case "demo":
		switch {
		case len(args) == 0:
			return report(stderr, "demo", runDemo(ctx, cfg, false, stdout, stderr))
		case len(args) == 2 && (args[0] == "--models" || args[0] == "-models") && args[1] == "all",
			len(args) == 1 && (args[0] == "--models=all" || args[0] == "-models=all"):
			return report(stderr, "demo --models all", runDemo(ctx, cfg, true, stdout, stderr))
		case len(args) == 2 && (args[0] == "--synthetic" || args[0] == "-synthetic"):
			n, err := strconv.ParseInt(strings.ReplaceAll(args[1], "_", ""), 10, 64)
			if err != nil || n < 1 {
				fmt.Fprintf(stderr, "aqdash demo: --synthetic takes a number of rows per table, such as 10000000, not %q\n", args[1])
				return 2
			}
			return report(stderr, "demo --synthetic", runSynthetic(ctx, cfg, n, stdout, stderr))
		}
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprint(stderr, usage)
	return 2
}

// report prints a command's error, if any, and turns it into an exit status.
func report(stderr io.Writer, what string, err error) int {
	if err == nil {
		return 0
	}
	fmt.Fprintf(stderr, "aqdash %s: %v\n", what, err)
	return 1
}

func runMigrate(ctx context.Context, cfg Config, out io.Writer) error {
	conn, err := queries.Connect(ctx, cfg.DirectDatabaseURL)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.Background())
	from, to, err := queries.MigrateReporting(ctx, conn, func(st queries.MigrationStep) {
		fmt.Fprintf(out, "applied %s in %s\n", st.Name, st.Took.Round(10*time.Millisecond))
	})
	if err != nil {
		return err
	}
	if from == to {
		fmt.Fprintf(out, "schema is up to date (version %d)\n", to)
	} else {
		fmt.Fprintf(out, "migrated schema from version %d to %d\n", from, to)
	}
	return nil
}

// importArgs reads the arguments of import: TABLE [--model NAME] FILE (--model=NAME too, before or
// after FILE). An empty file means the arguments are not import's shape (the usage is printed); err is
// a bad --model.
func importArgs(args []string) (kind, file string, opts ingest.Options, err error) {
	var rest []string
	model, hasModel := "", false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--model" || a == "-model":
			if i+1 == len(args) {
				return "", "", opts, errors.New("--model needs a model name, such as --model ses")
			}
			i++
			model, hasModel = args[i], true
		case strings.HasPrefix(a, "--model=") || strings.HasPrefix(a, "-model="):
			_, model, _ = strings.Cut(a, "=")
			hasModel = true
		default:
			rest = append(rest, a)
		}
	}
	if len(rest) != 2 {
		return "", "", opts, nil
	}
	kind, file = rest[0], rest[1]
	if hasModel {
		if kind != "predictions" {
			return "", "", opts, fmt.Errorf("--model applies to predictions only, not to %s", kind)
		}
		if err := ingest.CheckModel(model); err != nil {
			return "", "", opts, fmt.Errorf("--model: %v", err)
		}
		opts.Model = model
	}
	return kind, file, opts, nil
}

func runImport(ctx context.Context, cfg Config, kind, file string, opts ingest.Options, stdin io.Reader, out, stderr io.Writer) error {
	var t queries.Table
	switch kind {
	case "historic":
		t = queries.Historic
	case "predictions":
		t = queries.Predictions
	default:
		return fmt.Errorf("unknown table %q: use historic or predictions", kind)
	}
	in := stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	conn, err := connectMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	src, err := newReplayable(in)
	if err != nil {
		return err
	}
	defer src.Close()
	start := time.Now()
	var counts queries.Counts
	// A deadlock or serialization failure with another writer rolls the import back: it runs again from
	// the input's start, a few times, before the command gives up saying so.
	err = queries.RetryConflicts(ctx, func(attempt int) error {
		r, err := src.reader(attempt)
		if err != nil {
			return err
		}
		counts, err = ingest.ImportWith(ctx, conn, t, r, opts)
		return err
	}, func(attempt int, err error) {
		fmt.Fprintf(stderr, "aqdash import: attempt %d conflicted with another writer (%v); trying again\n", attempt, err)
	})
	if err != nil {
		return fmt.Errorf("%w; nothing was written", err)
	}
	fmt.Fprintf(out, "%s: %d rows into %s: %d inserted, %d updated, %d unchanged (%.2fs)\n",
		file, counts.Total(), t.Key, counts.Inserted, counts.Updated, counts.Unchanged, time.Since(start).Seconds())
	return nil
}

// connectMigrated opens the direct connection the commands work on, with the schema brought up to date.
func connectMigrated(ctx context.Context, cfg Config) (*pgx.Conn, error) {
	conn, err := queries.Connect(ctx, cfg.DirectDatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if _, _, err := queries.Migrate(ctx, conn); err != nil {
		conn.Close(context.Background())
		return nil, err
	}
	return conn, nil
}

func runDemo(ctx context.Context, cfg Config, all bool, out, stderr io.Writer) error {
	conn, err := connectMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	models := demo.DefaultModels()
	if all {
		models = demo.AllModels()
	}
	res, err := loadDemoModels(ctx, conn, models, func(attempt int, err error) {
		fmt.Fprintf(stderr, "aqdash demo: attempt %d conflicted with another writer (%v); trying again\n", attempt, err)
	})
	if err != nil && res.Pending > 0 {
		return fmt.Errorf("%w; the rows are committed, and the next app serve builds the %d indexes still to build", err, res.Pending)
	}
	if err != nil {
		return fmt.Errorf("%w; nothing was written", err)
	}
	fmt.Fprintln(out, demoSummary(res))
	return nil
}

func runSynthetic(ctx context.Context, cfg Config, n int64, out, stderr io.Writer) error {
	conn, err := connectMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	var res demo.SyntheticResult
	err = queries.RetryConflicts(ctx, func(int) error {
		res, err = demo.Synthetic(ctx, conn, n)
		return err
	}, func(attempt int, err error) {
		fmt.Fprintf(stderr, "aqdash demo --synthetic: attempt %d conflicted with another writer (%v); trying again\n", attempt, err)
	})
	if err != nil {
		return fmt.Errorf("%w; nothing was written", err)
	}
	if err := queries.Analyze(ctx, conn); err != nil {
		return err
	}
	fmt.Fprintf(out, "synthetic data: %d locations, %d measurements, %d predictions (%.1fs)\n",
		res.Locations, res.Historic, res.Predictions, res.Elapsed.Seconds())
	return nil
}

// loadDemo loads the demo data (one transaction), again from the start while it meets a deadlock or a
// serialization failure with another writer (queries.RetryConflicts). Into empty tables it returns once
// the rows are committed, leaving the secondary indexes queued (demo.LoadModelsDeferred) for the
// server's background build.
func loadDemo(ctx context.Context, conn *pgx.Conn, onRetry func(attempt int, err error)) (res demo.Result, err error) {
	err = queries.RetryConflicts(ctx, func(int) error {
		res, err = demo.LoadModelsDeferred(ctx, conn, demo.DefaultModels())
		return err
	}, onRetry)
	return res, err
}

// loadDemoModels is loadDemo with the predictions of models, every index built before it returns.
func loadDemoModels(ctx context.Context, conn *pgx.Conn, models []forecast.Model, onRetry func(attempt int, err error)) (res demo.Result, err error) {
	err = queries.RetryConflicts(ctx, func(int) error {
		res, err = demo.LoadModels(ctx, conn, models)
		return err
	}, onRetry)
	return res, err
}

// demoSummary is the one line that says what a demo load did.
func demoSummary(r demo.Result) string {
	var models []string
	for _, m := range r.ModelNames {
		models = append(models, fmt.Sprintf("%s %d", m, r.Models[m]))
	}
	return fmt.Sprintf("demo data (%s): measurements %d inserted, %d updated, %d unchanged; predictions %d inserted, %d updated, %d unchanged (%s) (%.2fs)",
		demo.Credit, r.Historic.Inserted, r.Historic.Updated, r.Historic.Unchanged,
		r.Predictions.Inserted, r.Predictions.Updated, r.Predictions.Unchanged, strings.Join(models, ", "), r.Elapsed.Seconds()) +
		committedNote(r) + stagedNote(r)
}

// stagedNote says when a demo load's comparison was built beside it and adopted rather than rebuilt.
func stagedNote(r demo.Result) string {
	if r.Staged {
		return "; the comparison built beside the load"
	}
	return ""
}

// committedNote says, when a demo load committed its rows before it built (or queued) indexes, when the
// rows were committed.
func committedNote(r demo.Result) string {
	switch {
	case r.Pending > 0:
		return fmt.Sprintf("; rows committed, %d indexes queued for the background build", r.Pending)
	case r.Committed > 0 && r.Committed < r.Elapsed-time.Second:
		return fmt.Sprintf("; rows committed after %.2fs, then the indexes built", r.Committed.Seconds())
	}
	return ""
}
