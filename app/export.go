package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/queries"
)

// exportTimeout bounds one CSV export, however large.
const exportTimeout = 10 * time.Minute

// tableJSON is the body of /historic.json and /predictions.json.
type tableJSON struct {
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
	Value      *float64 `json:"value,omitempty"`
	Prediction *float64 `json:"prediction,omitempty"`
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
		out := tableJSON{Rows: make([]jsonRow, len(rows)), Page: v.Page, Size: v.Size, Total: total.N, TotalEstimated: total.Estimated}
		for i, r := range rows {
			val := r.Value
			out.Rows[i] = jsonRow{Date: r.Date.Format(time.DateOnly), Location: r.Location, Type: r.Type}
			if t.ValueColumn == "value" {
				out.Rows[i].Value = &val
			} else {
				out.Rows[i].Prediction = &val
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
		return s.streamCSV(c, t.Key, header, func(ctx context.Context, db queries.DB, write func([]string) error) error {
			rec := make([]string, len(header))
			return queries.EachRow(ctx, db, t, v, func(r queries.Row) error {
				rec[0], rec[1], rec[2], rec[3] = r.Date.Format(time.DateOnly), r.Location, r.Type, strconv.FormatFloat(r.Value, 'f', -1, 64)
				return write(rec)
			})
		})
	}
}

// streamCSV answers a CSV export named name: the header, then every record each writes, streamed to the
// client as it comes. The database is checked before the 200 is committed to (once streaming starts the
// status is sent). The export runs under exportTimeout, outside the pool's statement timeout (which is
// for pages), and a shutdown lets it run on but ends it before the shutdown's own time runs out.
func (s *server) streamCSV(c *fiber.Ctx, name string, header []string, each func(ctx context.Context, db queries.DB, write func([]string) error) error) error {
	ctx, cancel := s.queryContext(c)
	err := queries.Ping(ctx, s.db)
	cancel()
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`.csv"`)
	db, log, stopping := s.db, s.log, s.stopping
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		ctx, cancel := context.WithTimeout(context.Background(), exportTimeout)
		defer cancel()
		stop := context.AfterFunc(stopping, func() { time.AfterFunc(shutdownTimeout-2*time.Second, cancel) })
		defer stop()
		cw := csv.NewWriter(w)
		_ = cw.Write(header)
		n := 0
		write := func(rec []string) error {
			if err := cw.Write(rec); err != nil {
				return err
			}
			if n++; n%1024 == 0 {
				cw.Flush()
				return w.Flush() // a failed flush means the client has gone
			}
			return nil
		}
		err := queries.WithStatementTimeout(ctx, db, exportTimeout, func(db queries.DB) error { return each(ctx, db, write) })
		cw.Flush()
		if err == nil {
			err = w.Flush()
		}
		if err != nil {
			log.Warn("csv export ended early", "export", name, "rows", n, "err", err)
		}
	})
	return nil
}
