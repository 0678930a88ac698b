package metrics_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"bianmin/office/metrics"
)

func TestExposition(t *testing.T) {
	r := metrics.NewRegistry()
	batches := r.NewCounter("officed_batches_total", "Batches stored.")
	kinds := r.NewCounterVec("officed_records_ingested_total", "Records newly stored, by kind.", "kind", "ticket")
	lat := r.NewHistogramVec("officed_request_duration_seconds", "Latency.", "endpoint", []float64{0.1, 0.01, 1})
	r.NewGaugeFunc("officed_kiosks_online", "Kiosks online.", func(context.Context) (float64, error) { return 3, nil })
	r.NewGaugeFunc("officed_broken", "Fails.", func(context.Context) (float64, error) { return 0, errors.New("db\ndown") })

	batches.Add(2)
	batches.Inc()
	kinds.Add("payment", 5)
	kinds.Inc(`we"ird\`)
	lat.Observe("records", 0.005)
	lat.Observe("records", 0.01) // on a bound: counted in that bucket
	lat.Observe("records", 0.5)
	lat.Observe("records", 7)

	var buf bytes.Buffer
	if err := r.WriteTo(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	want := `# HELP officed_batches_total Batches stored.
# TYPE officed_batches_total counter
officed_batches_total 3
# HELP officed_records_ingested_total Records newly stored, by kind.
# TYPE officed_records_ingested_total counter
officed_records_ingested_total{kind="payment"} 5
officed_records_ingested_total{kind="ticket"} 0
officed_records_ingested_total{kind="we\"ird\\"} 1
# HELP officed_request_duration_seconds Latency.
# TYPE officed_request_duration_seconds histogram
officed_request_duration_seconds_bucket{endpoint="records",le="0.01"} 2
officed_request_duration_seconds_bucket{endpoint="records",le="0.1"} 2
officed_request_duration_seconds_bucket{endpoint="records",le="1"} 3
officed_request_duration_seconds_bucket{endpoint="records",le="+Inf"} 4
officed_request_duration_seconds_sum{endpoint="records"} 7.515
officed_request_duration_seconds_count{endpoint="records"} 4
# HELP officed_kiosks_online Kiosks online.
# TYPE officed_kiosks_online gauge
officed_kiosks_online 3
# HELP officed_broken Fails.
# TYPE officed_broken gauge
# officed_broken unavailable: db down
`
	if buf.String() != want {
		t.Errorf("exposition:\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestConcurrentUpdates(t *testing.T) {
	r := metrics.NewRegistry()
	c := r.NewCounterVec("c_total", "c", "k")
	h := r.NewHistogramVec("h_seconds", "h", "e", metrics.DefBuckets)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				c.Inc("a")
				h.Observe("x", 0.002)
				if j%100 == 0 {
					r.WriteTo(context.Background(), &bytes.Buffer{})
				}
			}
		}()
	}
	wg.Wait()
	if c.Value("a") != 8000 || h.Count("x") != 8000 {
		t.Errorf("counter %d, histogram %d; want 8000 each", c.Value("a"), h.Count("x"))
	}
}

func TestServeHTTP(t *testing.T) {
	r := metrics.NewRegistry()
	r.NewCounter("x_total", "x").Inc()
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain; version=0.0.4") || !strings.Contains(rec.Body.String(), "x_total 1\n") {
		t.Errorf("GET /metrics = %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
	rec = httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/metrics", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /metrics = %d", rec.Code)
	}
}

func TestRegisteringTwicePanics(t *testing.T) {
	r := metrics.NewRegistry()
	r.NewCounter("x_total", "x")
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	r.NewCounter("x_total", "x")
}
