// Package metrics writes officed's metrics in the Prometheus text exposition
// format (version 0.0.4). It is written by hand rather than pulling in the
// Prometheus client: officed needs counters, one-label counter families, a
// latency histogram and scrape-time gauges, and nothing else.
//
// Everything is safe for concurrent use; updates are cheap enough for every
// request.
package metrics

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Registry holds metric families in registration order.
type Registry struct {
	mu       sync.Mutex
	families []family
	names    map[string]bool
}

type family interface {
	write(ctx context.Context, w *bufio.Writer)
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{names: map[string]bool{}} }

func (r *Registry) add(name string, f family) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.names[name] {
		panic("metrics: " + name + " registered twice") // a wiring defect
	}
	r.names[name] = true
	r.families = append(r.families, f)
}

// WriteTo writes every family in the text format.
func (r *Registry) WriteTo(ctx context.Context, w io.Writer) error {
	r.mu.Lock()
	fams := slices.Clone(r.families)
	r.mu.Unlock()
	bw := bufio.NewWriter(w)
	for _, f := range fams {
		f.write(ctx, bw)
	}
	return bw.Flush()
}

// ServeHTTP serves GET /metrics.
func (r *Registry) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	ctx, cancel := context.WithTimeout(req.Context(), 5*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	r.WriteTo(ctx, w)
}

func header(w *bufio.Writer, name, help, typ string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, escapeHelp(help), name, typ)
}

func escapeHelp(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`).Replace(s)
}

func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(s)
}

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, +1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// Counter is a monotonically increasing count.
type Counter struct {
	name, help string
	v          atomic.Uint64
}

// NewCounter registers a counter.
func (r *Registry) NewCounter(name, help string) *Counter {
	c := &Counter{name: name, help: help}
	r.add(name, c)
	return c
}

// Add adds n.
func (c *Counter) Add(n uint64) { c.v.Add(n) }

// Inc adds one.
func (c *Counter) Inc() { c.v.Add(1) }

// Value returns the count.
func (c *Counter) Value() uint64 { return c.v.Load() }

func (c *Counter) write(_ context.Context, w *bufio.Writer) {
	header(w, c.name, c.help, "counter")
	fmt.Fprintf(w, "%s %d\n", c.name, c.v.Load())
}

// CounterVec is a family of counters told apart by one label.
type CounterVec struct {
	name, help, label string
	m                 sync.Map // label value → *atomic.Uint64
}

// NewCounterVec registers a counter family with one label. Values listed in
// preset are written from the start, at zero, so rates work from the first
// scrape.
func (r *Registry) NewCounterVec(name, help, label string, preset ...string) *CounterVec {
	c := &CounterVec{name: name, help: help, label: label}
	for _, v := range preset {
		c.m.LoadOrStore(v, new(atomic.Uint64))
	}
	r.add(name, c)
	return c
}

// Add adds n to the counter of value. Callers pass values from a small fixed
// set (record kinds, error codes), never request input.
func (c *CounterVec) Add(value string, n uint64) {
	v, ok := c.m.Load(value)
	if !ok {
		v, _ = c.m.LoadOrStore(value, new(atomic.Uint64))
	}
	v.(*atomic.Uint64).Add(n)
}

// Inc adds one to the counter of value.
func (c *CounterVec) Inc(value string) { c.Add(value, 1) }

// Value returns the count of value.
func (c *CounterVec) Value(value string) uint64 {
	if v, ok := c.m.Load(value); ok {
		return v.(*atomic.Uint64).Load()
	}
	return 0
}

func (c *CounterVec) write(_ context.Context, w *bufio.Writer) {
	header(w, c.name, c.help, "counter")
	var values []string
	c.m.Range(func(k, _ any) bool { values = append(values, k.(string)); return true })
	slices.Sort(values)
	for _, v := range values {
		fmt.Fprintf(w, "%s{%s=\"%s\"} %d\n", c.name, c.label, escapeLabel(v), c.Value(v))
	}
}

// DefBuckets are latency buckets in seconds, from a fast read to a slow batch.
var DefBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// HistogramVec is a family of histograms told apart by one label.
type HistogramVec struct {
	name, help, label string
	buckets           []float64
	mu                sync.Mutex
	series            map[string]*histogram
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative; the last is +Inf
	sum    float64
	count  uint64
}

// NewHistogramVec registers a histogram family with one label. preset values
// are written from the start, empty.
func (r *Registry) NewHistogramVec(name, help, label string, buckets []float64, preset ...string) *HistogramVec {
	h := &HistogramVec{name: name, help: help, label: label, buckets: slices.Clone(buckets), series: map[string]*histogram{}}
	slices.Sort(h.buckets)
	for _, v := range preset {
		h.get(v)
	}
	r.add(name, h)
	return h
}

func (h *HistogramVec) get(value string) *histogram {
	s := h.series[value]
	if s == nil {
		s = &histogram{counts: make([]uint64, len(h.buckets)+1)}
		h.series[value] = s
	}
	return s
}

// Observe records one observation v (seconds, for latencies) under value.
func (h *HistogramVec) Observe(value string, v float64) {
	i, _ := slices.BinarySearch(h.buckets, v) // the first bucket with le ≥ v
	h.mu.Lock()
	s := h.get(value)
	s.counts[i]++
	s.sum += v
	s.count++
	h.mu.Unlock()
}

// Count returns how many observations value has.
func (h *HistogramVec) Count(value string) uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s := h.series[value]; s != nil {
		return s.count
	}
	return 0
}

func (h *HistogramVec) write(_ context.Context, w *bufio.Writer) {
	h.mu.Lock()
	values := make([]string, 0, len(h.series))
	snap := make(map[string]histogram, len(h.series))
	for v, s := range h.series {
		values = append(values, v)
		snap[v] = histogram{counts: slices.Clone(s.counts), sum: s.sum, count: s.count}
	}
	h.mu.Unlock()
	slices.Sort(values)
	header(w, h.name, h.help, "histogram")
	for _, v := range values {
		s, lv := snap[v], escapeLabel(v)
		var cum uint64
		for i, le := range h.buckets {
			cum += s.counts[i]
			fmt.Fprintf(w, "%s_bucket{%s=\"%s\",le=\"%s\"} %d\n", h.name, h.label, lv, formatFloat(le), cum)
		}
		fmt.Fprintf(w, "%s_bucket{%s=\"%s\",le=\"+Inf\"} %d\n", h.name, h.label, lv, s.count)
		fmt.Fprintf(w, "%s_sum{%s=\"%s\"} %s\n", h.name, h.label, lv, formatFloat(s.sum))
		fmt.Fprintf(w, "%s_count{%s=\"%s\"} %d\n", h.name, h.label, lv, s.count)
	}
}

// GaugeFunc is a gauge read when scraped.
type GaugeFunc struct {
	name, help string
	f          func(context.Context) (float64, error)
}

// NewGaugeFunc registers a gauge whose value f reports at scrape time. When f
// fails the sample is left out (and the failure noted in a comment), so a
// scrape never reports a made-up value.
func (r *Registry) NewGaugeFunc(name, help string, f func(context.Context) (float64, error)) {
	r.add(name, &GaugeFunc{name: name, help: help, f: f})
}

func (g *GaugeFunc) write(ctx context.Context, w *bufio.Writer) {
	header(w, g.name, g.help, "gauge")
	v, err := g.f(ctx)
	if err != nil {
		fmt.Fprintf(w, "# %s unavailable: %s\n", g.name, strings.ReplaceAll(err.Error(), "\n", " "))
		return
	}
	fmt.Fprintf(w, "%s %s\n", g.name, formatFloat(v))
}
