package main

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/app/aqi"
	"github.com/aqdash/aqdash/queries"
)

// compareJSON is the body of /compare.json.
type compareJSON struct {
	// Scale is the key of the scale the rows' bands and AQIs are on.
	Scale string           `json:"scale"`
	Rows  []compareJSONRow `json:"rows"`
	Page  int              `json:"page"`
	Size  int              `json:"size"`
	Total int64            `json:"total"`
	Match queries.Match    `json:"match"`
	// Model and Lead are what the view shows (the default model when the URL names none), also when
	// it has no rows; Ref and Vs are there when the URL sets them.
	Model   string      `json:"model"`
	Lead    int         `json:"lead"`
	Ref     string      `json:"ref,omitempty"`
	Vs      []string    `json:"vs,omitempty"`
	Metrics metricsJSON `json:"metrics"`
}

// metricsJSON is "metrics": queries.Metrics as they are without ref=, and with skill_ref, ref_mae
// and ref_n added (null when no day has both models and a measurement) when ref= is set.
type metricsJSON struct {
	queries.Metrics
	// These hide Metrics' own fields of the same names: absent (nil) without a reference.
	SkillRef    json.RawMessage `json:"skill_ref,omitempty"`
	RefMAE      json.RawMessage `json:"ref_mae,omitempty"`
	RefModelMAE json.RawMessage `json:"ref_model_mae,omitempty"`
	RefN        json.RawMessage `json:"ref_n,omitempty"`
	// The threshold scores at threshold= (the default: the scale's; Poor on NAQI), over the banded
	// days: these hide Metrics' hits and false_alarms (which count at Poor); all null without a banded
	// day. hit_rate and false_alarm_rate stay, in %, at Poor: deprecated (use pod and far).
	Threshold        string   `json:"threshold"`
	Hits             *int64   `json:"hits"`
	Misses           *int64   `json:"misses"`
	FalseAlarms      *int64   `json:"false_alarms"`
	CorrectNegatives *int64   `json:"correct_negatives"`
	POD              *float64 `json:"pod"`
	FAR              *float64 `json:"far"`
	POFD             *float64 `json:"pofd"`
	CSI              *float64 `json:"csi"`
	FreqBias         *float64 `json:"freq_bias"`
	HSS              *float64 `json:"hss"`
}

// newMetricsJSON is the metrics of cv in JSON.
func newMetricsJSON(m queries.Metrics, cv queries.CompareView, scale *aqi.Scale) metricsJSON {
	out := metricsJSON{Metrics: m}
	level := cv.Threshold
	if level == 0 {
		level, _ = scale.Threshold(scale.DefaultThreshold())
	}
	t := newThresholdJSON(contingencyOf(m, scale, level))
	out.Threshold = thresholdKey(scale, level)
	out.Hits, out.Misses, out.FalseAlarms, out.CorrectNegatives = t.Hits, t.Misses, t.FalseAlarms, t.CorrectNegatives
	out.POD, out.FAR, out.POFD, out.CSI, out.FreqBias, out.HSS = t.POD, t.FAR, t.POFD, t.CSI, t.FreqBias, t.HSS
	if cv.Ref != "" {
		out.SkillRef, _ = json.Marshal(m.SkillRef)
		out.RefMAE, _ = json.Marshal(m.RefMAE)
		out.RefModelMAE, _ = json.Marshal(m.RefModelMAE)
		out.RefN, _ = json.Marshal(m.RefN)
	}
	return out
}

// compareJSONRow is one row of the comparison in JSON; a missing side and what depends on it are null.
type compareJSONRow struct {
	Date      string   `json:"date"`
	Location  string   `json:"location"`
	Type      string   `json:"type"`
	Model     string   `json:"model"`
	Lead      int      `json:"lead"`
	Actual    *float64 `json:"actual"`
	Predicted *float64 `json:"predicted"`
	Error     *float64 `json:"error"`
	AbsError  *float64 `json:"abs_error"`
	PctError  *float64 `json:"pct_error"`
	// ActualBand and PredictedBand are the sides' band keys on the view's scale, ActualAQI and
	// PredictedAQI their sub-indices; null for a pollutant without bands or a missing side.
	ActualBand    *string `json:"actual_band"`
	PredictedBand *string `json:"predicted_band"`
	ActualAQI     *int    `json:"actual_aqi"`
	PredictedAQI  *int    `json:"predicted_aqi"`
}

// rowBand is a value's band key and sub-index on a scale, nil for a pollutant without bands or no value.
func rowBand(sc *aqi.Scale, typ string, v *float64) (*string, *int) {
	if v == nil {
		return nil, nil
	}
	b, ok := sc.BandOf(typ, *v)
	if !ok {
		return nil, nil
	}
	i, _ := sc.SubIndex(typ, *v)
	return &b.Key, &i
}

// compareCSVHeader is the header of /compare.csv, the same names as the JSON rows.
var compareCSVHeader = []string{"date", "location", "type", "model", "lead", "actual", "predicted", "error", "abs_error", "pct_error",
	"actual_band", "predicted_band", "actual_aqi", "predicted_aqi"}

// exportCompareJSON is the JSON twin of the comparison: the same parameters, the same rows and metrics.
func (s *server) exportCompareJSON(c *fiber.Ctx) error {
	cv, err := s.parseCompare(c)
	if err != nil {
		return err
	}
	ctx, cancel := s.queryContext(c)
	defer cancel()
	rows, err := queries.CompareRows(ctx, s.db, cv)
	if err != nil {
		return err
	}
	sum, err := queries.Summarize(ctx, s.db, cv)
	if err != nil {
		return err
	}
	sc := viewScale(c, cv.View)
	out := compareJSON{Scale: sc.Key, Rows: make([]compareJSONRow, len(rows)), Page: cv.Page, Size: cv.Size, Total: sum.Total, Match: cv.Match,
		Model: cv.Model, Lead: cv.Lead, Ref: cv.Ref, Vs: cv.Vs, Metrics: newMetricsJSON(sum.Metrics, cv, sc)}
	for i, r := range rows {
		out.Rows[i] = compareJSONRow{Date: r.Date.Format(time.DateOnly), Location: r.Location, Type: r.Type, Model: r.Model, Lead: r.Lead,
			Actual: r.Actual, Predicted: r.Predicted, Error: r.Error, AbsError: r.AbsError, PctError: r.PctError}
		out.Rows[i].ActualBand, out.Rows[i].ActualAQI = rowBand(sc, r.Type, r.Actual)
		out.Rows[i].PredictedBand, out.Rows[i].PredictedAQI = rowBand(sc, r.Type, r.Predicted)
	}
	return c.JSON(out)
}

// exportCompareCSV streams every row of the comparison (all pages) in the view's order; a missing value
// is an empty field.
func (s *server) exportCompareCSV(c *fiber.Ctx) error {
	cv, err := s.parseCompare(c)
	if err != nil {
		return err
	}
	sc := viewScale(c, cv.View)
	return s.streamCSV(c, "compare", compareCSVHeader, func(ctx context.Context, db queries.DB, write func([]string) error) error {
		rec := make([]string, len(compareCSVHeader))
		return queries.EachCompareRow(ctx, db, cv, func(r queries.CompareRow) error {
			rec[0], rec[1], rec[2], rec[3], rec[4] = r.Date.Format(time.DateOnly), r.Location, r.Type, r.Model, strconv.Itoa(r.Lead)
			for i, v := range []*float64{r.Actual, r.Predicted, r.Error, r.AbsError, r.PctError} {
				rec[5+i] = csvNumber(v)
			}
			for i, v := range []*float64{r.Actual, r.Predicted} {
				band, idx := rowBand(sc, r.Type, v)
				rec[10+i], rec[12+i] = "", ""
				if band != nil {
					rec[10+i], rec[12+i] = *band, strconv.Itoa(*idx)
				}
			}
			return write(rec)
		})
	})
}

// csvNumber writes a number exactly, or an empty field when it is missing.
func csvNumber(v *float64) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}
