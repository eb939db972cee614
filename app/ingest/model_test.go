package ingest_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aqdash/aqdash/app/ingest"
	"github.com/aqdash/aqdash/queries"
)

// readAll reads every row of a CSV file of predictions with the model default model.
func readAll(t *testing.T, csv, model string) ([]queries.ImportRow, error) {
	t.Helper()
	rd, err := ingest.NewReaderWith(strings.NewReader(csv), queries.Predictions, ingest.Options{Model: model})
	if err != nil {
		return nil, err
	}
	var rows []queries.ImportRow
	for rd.Next() {
		rows = append(rows, rd.Row())
	}
	return rows, rd.Err()
}

// readAllJSON is readAll for a JSON body.
func readAllJSON(t *testing.T, body, model string) ([]queries.ImportRow, error) {
	t.Helper()
	rd, err := ingest.NewJSONReaderWith(strings.NewReader(body), queries.Predictions, ingest.Options{Model: model})
	if err != nil {
		return nil, err
	}
	var rows []queries.ImportRow
	for rd.Next() {
		rows = append(rows, rd.Row())
	}
	return rows, rd.Err()
}

type key struct {
	date  string
	model string
	lead  int
	value float64
}

func keys(rows []queries.ImportRow) []key {
	var out []key
	for _, r := range rows {
		out = append(out, key{r.Date.Format(time.DateOnly), r.Model, r.Lead, r.Value})
	}
	return out
}

func sameKeys(t *testing.T, what string, got []queries.ImportRow, want []key) {
	t.Helper()
	g := keys(got)
	if len(g) != len(want) {
		t.Fatalf("%s: read %v, want %v", what, g, want)
	}
	for i := range want {
		if g[i] != want[i] {
			t.Errorf("%s: row %d = %+v, want %+v", what, i+1, g[i], want[i])
		}
	}
}

// TestReadModelLeadIssued: without the optional columns a prediction is lead 1 of the import's model
// (DefaultModel unless named); model, lead and issued set the key; blank cells mean "not given".
func TestReadModelLeadIssued(t *testing.T) {
	plain := "date,location,type,prediction\n2020-07-02,Delhi,pm25,10\n"
	rows, err := readAll(t, plain, "")
	if err != nil {
		t.Fatal(err)
	}
	sameKeys(t, "plain", rows, []key{{"2020-07-02", "default", 1, 10}})
	rows, err = readAll(t, plain, "my-model_v2.1")
	if err != nil {
		t.Fatal(err)
	}
	sameKeys(t, "plain --model", rows, []key{{"2020-07-02", "my-model_v2.1", 1, 10}})

	full := "model,issued,date,location,type,prediction,lead\n" +
		"ses,2020-07-01,2020-07-02,Delhi,pm25,10,\n" + // issued: lead 1
		"ses,2020-07-01,2020-07-04,Delhi,pm25,11,3\n" + // both, agreeing
		"ses,,2020-07-04,Delhi,pm25,12,0\n" + // lead 0: issued on the day
		",2020-06-04,2020-07-04,Delhi,pm25,13,\n" + // 30 days ahead, the import's model
		"clim,,2020-07-05,Delhi,pm25,14,\n" // model only: lead 1
	rows, err = readAll(t, full, "mine")
	if err != nil {
		t.Fatal(err)
	}
	sameKeys(t, "full", rows, []key{
		{"2020-07-02", "ses", 1, 10},
		{"2020-07-04", "ses", 3, 11},
		{"2020-07-04", "ses", 0, 12},
		{"2020-07-04", "mine", 30, 13},
		{"2020-07-05", "clim", 1, 14},
	})

	body := `{"rows": [
		{"date": "2020-07-02", "location": "Delhi", "type": "pm25", "prediction": 10},
		{"date": "2020-07-04", "location": "Delhi", "type": "pm25", "prediction": 11, "model": "ses", "issued": "2020-07-01"},
		{"date": "2020-07-04", "location": "Delhi", "type": "pm25", "prediction": 12, "model": "ses", "lead": 2, "issued": "2020-07-02"},
		{"date": "2020-07-04", "location": "Delhi", "type": "pm25", "prediction": 13, "model": null, "lead": 0, "issued": null}
	]}`
	rows, err = readAllJSON(t, body, "")
	if err != nil {
		t.Fatal(err)
	}
	sameKeys(t, "json", rows, []key{
		{"2020-07-02", "default", 1, 10},
		{"2020-07-04", "ses", 3, 11},
		{"2020-07-04", "ses", 2, 12},
		{"2020-07-04", "default", 0, 13},
	})
}

// TestReadModelLeadIssuedBad: each bad model, lead or issued is refused with its line (CSV) or row
// (JSON) and a message saying what is wrong.
func TestReadModelLeadIssuedBad(t *testing.T) {
	head := "date,location,type,prediction,model,lead,issued\n"
	ok := "2020-07-02,Delhi,pm25,1,ses,1,\n"
	cases := []struct {
		name, line, want string
	}{
		{"model with a space", "2020-07-02,Delhi,pm25,1,my model,,", `model "my model" may hold only letters, digits`},
		{"model with a slash", "2020-07-02,Delhi,pm25,1,a/b,,", `model "a/b" may hold only`},
		{"model not ASCII", "2020-07-02,Delhi,pm25,1,modèle,,", `model "modèle" may hold only`},
		{"model too long", "2020-07-02,Delhi,pm25,1," + strings.Repeat("m", 65) + ",,", "longer than 64 characters"},
		{"lead not a number", "2020-07-02,Delhi,pm25,1,ses,one,", `lead "one" is not a whole number of days`},
		{"lead a fraction", "2020-07-02,Delhi,pm25,1,ses,1.5,", `lead "1.5" is not a whole number`},
		{"lead negative", "2020-07-02,Delhi,pm25,1,ses,-1,", "lead -1 is out of range: 0 to 30 days"},
		{"lead too far", "2020-07-02,Delhi,pm25,1,ses,31,", "lead 31 is out of range: 0 to 30 days"},
		{"issued malformed", "2020-07-02,Delhi,pm25,1,ses,,1/7/2020", `issued "1/7/2020" is not an ISO date`},
		{"issued impossible", "2020-07-02,Delhi,pm25,1,ses,,2020-06-31", `issued "2020-06-31" does not exist`},
		{"issued after date", "2020-07-02,Delhi,pm25,1,ses,,2020-07-03", "issued 2020-07-03 is after date 2020-07-02"},
		{"issued too early", "2020-07-02,Delhi,pm25,1,ses,,2020-06-01", "issued 2020-06-01 is 31 days before date 2020-07-02: the lead must be 0 to 30 days"},
		{"lead and issued disagree", "2020-07-02,Delhi,pm25,1,ses,2,2020-07-01", "lead 2 and issued 2020-07-01 disagree: issued 2020-07-01 means lead 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readAll(t, head+ok+tc.line+"\n", "")
			var le *ingest.LineError
			if !errors.As(err, &le) || le.Line != 3 {
				t.Fatalf("error %v, want a LineError for line 3", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}

	jsonCases := []struct {
		name, fields, want string
	}{
		{"model with a space", `"model": "my model"`, `row 2: model "my model" may hold only`},
		{"model not a string", `"model": 7`, "row 2: model must be a string"},
		{"model empty", `"model": ""`, "row 2: model is empty"},
		{"lead a string", `"lead": "2"`, "row 2: lead must be a whole number of days"},
		{"lead a fraction", `"lead": 1.5`, `row 2: lead "1.5" is not a whole number of days`},
		{"lead out of range", `"lead": 45`, "row 2: lead 45 is out of range"},
		{"issued not a string", `"issued": 20200701`, "row 2: issued must be a string"},
		{"issued after date", `"issued": "2020-07-03"`, "row 2: issued 2020-07-03 is after date 2020-07-02"},
		{"lead and issued disagree", `"lead": 0, "issued": "2020-07-01"`, "row 2: lead 0 and issued 2020-07-01 disagree"},
	}
	for _, tc := range jsonCases {
		t.Run("json "+tc.name, func(t *testing.T) {
			body := `{"rows": [{"date": "2020-07-02", "location": "Delhi", "type": "pm25", "prediction": 1},
				{"date": "2020-07-02", "location": "Delhi", "type": "pm25", "prediction": 1, ` + tc.fields + `}]}`
			_, err := readAllJSON(t, body, "")
			var re *ingest.RowError
			if !errors.As(err, &re) || re.Row != 2 {
				t.Fatalf("error %v, want a RowError for row 2", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

// TestReadModelColumnsOnlyForPredictions: measurements have no model, lead or issue date, and a bad
// default model is refused before any row is read.
func TestReadModelColumnsOnlyForPredictions(t *testing.T) {
	for _, col := range []string{"model", "lead", "issued"} {
		_, err := ingest.NewReader(strings.NewReader("date,location,type,value,"+col+"\n"), queries.Historic)
		var le *ingest.LineError
		if !errors.As(err, &le) || le.Line != 1 || !strings.Contains(err.Error(), `unknown column "`+col+`"`) || !strings.Contains(err.Error(), "columns of predictions") {
			t.Errorf("historic with %s: %v", col, err)
		}
		rd, err := ingest.NewJSONReader(strings.NewReader(`{"rows":[{"date":"2020-07-01","location":"A","type":"pm25","value":1,"`+col+`":null}]}`), queries.Historic)
		if err != nil {
			t.Fatal(err)
		}
		if rd.Next() || rd.Err() == nil || !strings.Contains(rd.Err().Error(), `unknown field "`+col+`"`) {
			t.Errorf("historic JSON with %s: %v", col, rd.Err())
		}
	}
	if _, err := ingest.NewReaderWith(strings.NewReader("date,location,type,value\n"), queries.Historic, ingest.Options{Model: "ses"}); err == nil || !strings.Contains(err.Error(), "predictions only") {
		t.Errorf("historic with a model: %v", err)
	}
	if _, err := ingest.NewReaderWith(strings.NewReader("date,location,type,prediction\n"), queries.Predictions, ingest.Options{Model: "a b"}); err == nil || !strings.Contains(err.Error(), `model "a b" may hold only`) {
		t.Errorf("bad default model: %v", err)
	}
	if _, err := ingest.NewReader(strings.NewReader("date,location,type,prediction,model,model\n"), queries.Predictions); err == nil || !strings.Contains(err.Error(), `column "model" appears twice`) {
		t.Errorf("model twice: %v", err)
	}
	for _, good := range []string{"a", "ses", "v1.2_final-B", strings.Repeat("x", 64)} {
		if err := ingest.CheckModel(good); err != nil {
			t.Errorf("CheckModel(%q) = %v", good, err)
		}
	}
	for _, bad := range []string{"", " ", "a b", "é", "a,b", strings.Repeat("x", 65)} {
		if err := ingest.CheckModel(bad); err == nil {
			t.Errorf("CheckModel(%q) accepted", bad)
		}
	}
}
