package main

import (
	"context"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/aqdash/aqdash/app/aqi"
)

var liveAttrRE = regexp.MustCompile(`<section id="view"[^>]*>`)

// TestLiveViewETag: every live view carries its data version and ETag; a request with that ETag gets a
// bodiless 304 until a row changes; fragment and page differ; a live refresh adds no history entry.
func TestLiveViewETag(t *testing.T) {
	h, p := fixture()
	ts := newTestServer(t, h, p)
	for _, path := range []string{"/historic?location=Hyderabad&size=5", "/predictions", "/compare?location=Hyderabad&type=pm25", "/"} {
		resp, body := ts.get(t, path)
		tag := resp.Header.Get("ETag")
		if resp.StatusCode != 200 || !strings.HasPrefix(tag, `W/"`) || !strings.HasSuffix(tag, `-1.1-p"`) {
			t.Fatalf("%s: %d, ETag %q", path, resp.StatusCode, tag)
		}
		section := liveAttrRE.FindString(body)
		for _, want := range []string{`data-live-url="`, `data-live-version="1.1"`, `data-live-sort="date"`, `data-live-page="1"`} {
			if !strings.Contains(section, want) {
				t.Fatalf("%s: the view lacks %s: %s", path, want, section)
			}
		}
		resp, body = ts.get(t, path, "If-None-Match", tag)
		if resp.StatusCode != 304 || body != "" || resp.Header.Get("ETag") != tag {
			t.Fatalf("%s with its ETag: %d %q", path, resp.StatusCode, body)
		}
		fresp, fbody := ts.get(t, path, "HX-Request", "true")
		ftag := fresp.Header.Get("ETag")
		if ftag == tag || !strings.HasSuffix(ftag, `-1.1-f"`) || !strings.Contains(fbody, `data-live-etag="`+strings.ReplaceAll(ftag, `"`, "&#34;")+`"`) {
			t.Fatalf("%s fragment: ETag %q; the view should carry it for polling", path, ftag)
		}
		if resp, _ := ts.get(t, path, "HX-Request", "true", "If-None-Match", tag); resp.StatusCode != 200 {
			t.Fatalf("%s: the page's ETag matched the fragment: %d", path, resp.StatusCode)
		}
	}

	_, body := ts.get(t, "/historic?location=Hyderabad&type=pm25&sort=value&page=2&size=5")
	section := liveAttrRE.FindString(body)
	for _, want := range []string{`data-live-tables="historic"`, `data-live-locations="[&#34;Hyderabad&#34;]"`, `data-live-types="[&#34;pm25&#34;]"`, `data-live-sort="value"`, `data-live-page="2"`} {
		if !strings.Contains(section, want) {
			t.Fatalf("the view lacks %s: %s", want, section)
		}
	}
	_, body = ts.get(t, "/compare?location=Hyderabad&from=2020-06-01")
	if section := liveAttrRE.FindString(body); !strings.Contains(section, `data-live-tables="historic predictions"`) || !strings.Contains(section, `data-live-from="2020-06-01"`) || !strings.Contains(section, `data-live-types="[]"`) {
		t.Fatalf("compare's live attributes: %s", section)
	}

	resp, _ := ts.get(t, "/historic")
	tag := resp.Header.Get("ETag")
	if _, err := ts.db.Exec(context.Background(), "INSERT INTO daily_prediction_pollution VALUES ('Agra', 'pm25', '2020-01-01', 1)"); err != nil {
		t.Fatal(err)
	}
	resp, _ = ts.get(t, "/historic", "If-None-Match", tag)
	if resp.StatusCode != 200 || resp.Header.Get("ETag") == tag || !strings.Contains(resp.Header.Get("ETag"), "-1.2-") {
		t.Fatalf("after a change: %d, ETag %q (was %q)", resp.StatusCode, resp.Header.Get("ETag"), tag)
	}

	resp, _ = ts.get(t, "/historic?page=2", "HX-Request", "true")
	if resp.Header.Get("HX-Push-Url") != "/historic?page=2" {
		t.Fatalf("a swap pushes its URL: %q", resp.Header.Get("HX-Push-Url"))
	}
	resp, _ = ts.get(t, "/historic?page=2", "HX-Request", "true", liveRefreshHeader, "live")
	if resp.Header.Get("HX-Push-Url") != "false" {
		t.Fatalf("a live refresh must not push: %q", resp.Header.Get("HX-Push-Url"))
	}
}

func TestETagMatches(t *testing.T) {
	for _, c := range []struct {
		header string
		want   bool
	}{
		{`"a-1.2-f"`, true}, {`W/"a-1.2-f"`, true}, {`"x", "a-1.2-f"`, true}, {`*`, true},
		{``, false}, {`"a-1.2-p"`, false}, {`a-1.2-f`, false},
	} {
		if got := etagMatches(c.header, `"a-1.2-f"`); got != c.want {
			t.Errorf("etagMatches(%q) = %v", c.header, got)
		}
	}
}

// TestETagCoversSettings: a server restarted with another AQI_SCALE or DEFAULT_MODEL renders views
// differently, so an ETag of the old settings gets the new page (200), not a 304; with the same settings
// (another instance of the release) it still gets a 304.
func TestETagCoversSettings(t *testing.T) {
	h, p := fixture()
	ts := newTestServer(t, h, p)
	resp, _ := ts.get(t, "/compare?location=Hyderabad&type=pm25")
	tag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || tag == "" {
		t.Fatalf("%d, ETag %q", resp.StatusCode, tag)
	}
	usEPA, ok := aqi.Get("us_epa")
	if !ok {
		t.Fatal("no us_epa scale")
	}
	restart := func(change func(*Config)) *fiber.App {
		cfg := ts.cfg
		change(&cfg)
		s, err := newServer(cfg, ts.log, ts.db)
		if err != nil {
			t.Fatal(err)
		}
		return s.newApp()
	}
	for name, change := range map[string]func(*Config){
		"AQI_SCALE=us_epa": func(c *Config) { c.Scale = usEPA },
		"DEFAULT_MODEL":    func(c *Config) { c.DefaultModel = "climatology" },
	} {
		resp, body := send(t, restart(change), httptest.NewRequest("GET", "/compare?location=Hyderabad&type=pm25", nil), "If-None-Match", tag)
		if resp.StatusCode != 200 || body == "" || resp.Header.Get("ETag") == tag {
			t.Errorf("%s: the old settings' ETag got %d, ETag %q (was %q)", name, resp.StatusCode, resp.Header.Get("ETag"), tag)
		}
	}
	resp, _ = send(t, restart(func(*Config) {}), httptest.NewRequest("GET", "/compare?location=Hyderabad&type=pm25", nil), "If-None-Match", tag)
	if resp.StatusCode != 304 {
		t.Errorf("the same settings on another instance: %d, want 304", resp.StatusCode)
	}
}
