package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/queries"
)

// exportTimeout bounds one CSV export, however large.
const exportTimeout = 10 * time.Minute

// tableJSON is the body of /historic.json and /predictions.json.
type tableJSON struct {
	// Scale is the key of the scale the rows' bands and AQIs are on.
	Scale string    `json:"scale"`
	Rows  []jsonRow `json:"rows"`
	Page  int       `json:"page"`
	Size  int       `json:"size"`
	Total int64     `json:"total"`
	// TotalEstimated is true when total is the planner's estimate (more than queries.CountCap rows).
	TotalEstimated bool `json:"total_estimated,omitempty"`
}

// jsonRow is one row in JSON: "value" on measurements, "prediction" on predictions.
type jsonRow struct {
	Date       string   `json:"date"`
	Location   string   `json:"location"`
	Type       string   `json:"type"`
	Model      string   `json:"model,omitempty"`
	Lead       *int     `json:"lead,omitempty"`
	Value      *float64 `json:"value,omitempty"`
	Prediction *float64 `json:"prediction,omitempty"`
	// Band and AQI are the value's band key and sub-index on the view's scale, null for a pollutant
	// without bands.
	Band *string `json:"band"`
	AQI  *int    `json:"aqi"`
}

// exportJSON is the JSON twin of a table view: the same parameters, the same rows.
func (s *server) exportJSON(t queries.Table) fiber.Handler {
	return func(c *fiber.Ctx) error {
		v, err := parseView(c, t)
		if err != nil {
			return err
		}
		ctx, cancel := s.queryContext(c)
		defer cancel()
		total, err := queries.CountView(ctx, s.db, t, v)
		if err != nil {
			return err
		}
		if !total.Estimated {
			v.Total = total.N
		}
		rows, err := queries.ListRows(ctx, s.db, t, v)
		if err != nil {
			return err
		}
		sc := viewScale(c, v)
		out := tableJSON{Scale: sc.Key, Rows: make([]jsonRow, len(rows)), Page: v.Page, Size: v.Size, Total: total.N, TotalEstimated: total.Estimated}
		for i, r := range rows {
			val := r.Value
			out.Rows[i] = jsonRow{Date: r.Date.Format(time.DateOnly), Location: r.Location, Type: r.Type}
			out.Rows[i].Band, out.Rows[i].AQI = rowBand(sc, r.Type, &val)
			if t.ValueColumn == "value" {
				out.Rows[i].Value = &val
			} else {
				lead := r.Lead
				out.Rows[i].Prediction, out.Rows[i].Model, out.Rows[i].Lead = &val, r.Model, &lead
			}
		}
		return c.JSON(out)
	}
}

// exportCSV streams every row of a table view (all pages) in the view's order, one row in memory at a time.
func (s *server) exportCSV(t queries.Table) fiber.Handler {
	return func(c *fiber.Ctx) error {
		v, err := parseView(c, t)
		if err != nil {
			return err
		}
		header := []string{"date", "location", "type", t.ValueColumn}
		predictions := t.Key == queries.Predictions.Key
		if predictions {
			header = []string{"date", "location", "type", "model", "lead", t.ValueColumn}
		}
		return s.streamCSV(c, t.Key, header, func(ctx context.Context, db queries.DB, write func([]string) error) error {
			rec := make([]string, len(header))
			return queries.EachRow(ctx, db, t, v, func(r queries.Row) error {
				rec[0], rec[1], rec[2] = r.Date.Format(time.DateOnly), r.Location, r.Type
				if predictions {
					rec[3], rec[4] = r.Model, strconv.Itoa(r.Lead)
				}
				rec[len(rec)-1] = strconv.FormatFloat(r.Value, 'f', -1, 64)
				return write(rec)
			})
		})
	}
}

// exportRetryAfter is the Retry-After of an export refused because every export slot is taken.
const exportRetryAfter = "10"

// errStalled ends an export whose client has stopped reading.
var errStalled = errors.New("the client read nothing for the export stall timeout")

// exportDatabase is the pool exports run on: the export pool, or the request pool when there is none.
func (s *server) exportDatabase() queries.DB {
	if s.exportDB != nil {
		return s.exportDB
	}
	return s.db
}

// streamCSV answers a CSV export named name: the header, then every record each writes, streamed to the
// client as it comes. At most ExportMaxConns exports stream at once, on the export pool (never the
// request pool's connections, so no number of exports can keep pages or /healthz from the database);
// one more is refused with a 503 and Retry-After before anything is sent. The database is checked
// before the 200 is committed to (once streaming starts the status is sent). The export runs under
// exportTimeout, outside the pool's statement timeout (which is for pages); a client that reads nothing
// for ExportStallTimeout is cut (its connection closed, the transaction rolled back, the slot freed);
// a shutdown lets it run on but ends it before the shutdown's own time runs out.
func (s *server) streamCSV(c *fiber.Ctx, name string, header []string, each func(ctx context.Context, db queries.DB, write func([]string) error) error) error {
	select {
	case s.exportSlots <- struct{}{}:
	default:
		c.Set(fiber.HeaderRetryAfter, exportRetryAfter)
		return &pageError{Status: fiber.StatusServiceUnavailable, Title: "Too many exports",
			Message: fmt.Sprintf("This server is already streaming %d CSV exports, the most it runs at once. Please try again in a moment.", cap(s.exportSlots))}
	}
	release := func() { <-s.exportSlots }
	db := s.exportDatabase()
	ctx, cancel := s.queryContext(c)
	err := queries.Ping(ctx, db)
	cancel()
	if err != nil {
		release()
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`.csv"`)
	if c.Method() == fiber.MethodHead {
		release() // the headers are the answer: no rows to read, and no body fasthttp would read them into
		return nil
	}
	log, stopping, stall, conn := s.log, s.stopping, s.cfg.ExportStallTimeout, c.Context().Conn()
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer release()
		ctx, cancel := context.WithTimeout(context.Background(), exportTimeout)
		defer cancel()
		// Cutting the client's connection is what unblocks a write the client does not read: the
		// server's write to it fails and the pipe under w is closed.
		var cut sync.Once
		end := func() { cut.Do(func() { cancel(); _ = conn.Close() }) }
		// Once the export is written the connection may serve the client's next request: disarm.
		defer cut.Do(func() {})
		stop := context.AfterFunc(stopping, func() { time.AfterFunc(shutdownTimeout-2*time.Second, end) })
		defer stop()
		sw := newStallWriter(w, stall, end)
		defer sw.close()
		cw := csv.NewWriter(sw)
		_ = cw.Write(header)
		n := 0
		write := func(rec []string) error {
			if err := cw.Write(rec); err != nil {
				return err
			}
			if n++; n%1024 == 0 {
				cw.Flush()
				if err := cw.Error(); err != nil {
					return err
				}
				return sw.Flush() // a failed flush means the client has gone
			}
			return nil
		}
		err := queries.WithStatementTimeout(ctx, db, exportTimeout, func(db queries.DB) error { return each(ctx, db, write) })
		cw.Flush()
		if err == nil {
			if err = cw.Error(); err == nil {
				err = sw.Flush()
			}
		}
		if sw.stalled.Load() {
			log.Warn("csv export cut: its client read nothing", "export", name, "rows", n, "stall_timeout", stall.String())
		} else if err != nil {
			log.Warn("csv export ended early", "export", name, "rows", n, "err", err)
		}
	})
	return nil
}

// stallWriter is the writer under an export's CSV, over the response's buffered writer: a write or
// flush that has not returned after stall (the client reads nothing, so the socket and the server's
// buffers are full) calls onStall, which cuts the connection. The time measures the client alone: a
// slow query writes nothing and is not a stall.
type stallWriter struct {
	w       *bufio.Writer
	stall   time.Duration
	timer   *time.Timer
	stalled atomic.Bool
}

func newStallWriter(w *bufio.Writer, stall time.Duration, onStall func()) *stallWriter {
	sw := &stallWriter{w: w, stall: stall}
	sw.timer = time.AfterFunc(time.Hour, func() {
		sw.stalled.Store(true)
		onStall()
	})
	sw.timer.Stop()
	return sw
}

// Write writes p to the response, within the stall timeout.
func (sw *stallWriter) Write(p []byte) (int, error) {
	sw.timer.Reset(sw.stall)
	n, err := sw.w.Write(p)
	sw.timer.Stop()
	if sw.stalled.Load() {
		return n, errStalled
	}
	return n, err
}

// Flush sends what is buffered to the client, within the stall timeout.
func (sw *stallWriter) Flush() error {
	sw.timer.Reset(sw.stall)
	err := sw.w.Flush()
	sw.timer.Stop()
	if sw.stalled.Load() {
		return errStalled
	}
	return err
}

// close stops the watch once the export is written.
func (sw *stallWriter) close() { sw.timer.Stop() }
