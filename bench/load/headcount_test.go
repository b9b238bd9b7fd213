package load_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/parinayaos/engine/bench/load"
)

// BenchmarkHeadcountHTTP: GET /v1/weddings/{w}/headcount of a 1000-unit,
// 10-event wedding over real loopback HTTP, 64 keep-alive connections,
// closed loop, measured in the same run (alternating rounds) against a
// fasthttp handler answering a fixed 300-byte JSON body: the ceiling of
// this machine for any HTTP read. Targets (issue 3): ratio ≥ 0.7, p99 < 2 ms.
//
//	go test ./bench/load -run '^$' -bench HeadcountHTTP -benchtime 200000x -count 5
func BenchmarkHeadcountHTTP(b *testing.B) {
	eng, err := load.Start(b.TempDir(), load.EngineOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	setup, err := load.NewClient(eng.URL, 4)
	if err != nil {
		b.Fatal(err)
	}
	w, err := load.Provision(setup, eng.RootToken, load.WeddingSpec{Units: 1000, Seed: 1, Answered: 0.1})
	if err != nil {
		b.Fatal(err)
	}
	fixed, err := load.StartFixedBody(load.FixedJSON300)
	if err != nil {
		b.Fatal(err)
	}
	defer fixed.Close()

	const conns = 64
	engClient, err := load.NewClient(eng.URL, conns)
	if err != nil {
		b.Fatal(err)
	}
	defer engClient.Close()
	fixedClient, err := load.NewClient(fixed.URL, conns)
	if err != nil {
		b.Fatal(err)
	}
	defer fixedClient.Close()
	clients := map[string]*load.Client{eng.URL: engClient, fixed.URL: fixedClient}
	run := func(url, path, token string, n int64) load.Result {
		c := clients[url]
		return load.Closed(context.Background(), conns, n, func(int) func() (bool, error) { return c.GetOp(path, token, 200) })
	}
	path := "/v1/weddings/" + w.ID + "/headcount"
	// Warm both up (connections, the wedding's view).
	run(eng.URL, path, w.OwnerToken, 2000)
	run(fixed.URL, "/", "", 2000)

	const rounds = 4
	var engRes, fixRes []load.Result
	b.ResetTimer()
	done := 0
	for r := 0; r < rounds; r++ {
		k := max((b.N-done)/(rounds-r), 1)
		b.StartTimer()
		engRes = append(engRes, run(eng.URL, path, w.OwnerToken, int64(k)))
		b.StopTimer()
		fixRes = append(fixRes, run(fixed.URL, "/", "", int64(k)))
		done += k
	}
	e, f := merge(engRes), merge(fixRes)
	if e.Errors > 0 || f.Errors > 0 {
		b.Fatalf("errors: engine %d, fixed %d", e.Errors, f.Errors)
	}
	b.ReportMetric(e.Throughput(), "req/s")
	b.ReportMetric(f.Throughput(), "fixed_req/s")
	b.ReportMetric(e.Throughput()/f.Throughput(), "ratio_vs_fixed")
	b.ReportMetric(float64(e.Percentile(50).Microseconds()), "p50_us")
	b.ReportMetric(float64(e.Percentile(99).Microseconds()), "p99_us")
	b.ReportMetric(float64(f.Percentile(99).Microseconds()), "fixed_p99_us")
}

func merge(rs []load.Result) load.Result {
	out := rs[0]
	out.Latency = rs[0].Latency
	for _, r := range rs[1:] {
		out.Count += r.Count
		out.Errors += r.Errors
		out.Elapsed += r.Elapsed
		out.Latency.Merge(r.Latency)
	}
	return out
}

// BenchmarkUnitsBatchHTTP: POST /v1/weddings/{w}/units/batch of 1,000 new
// units (~3,000 people with valid Indian mobiles) over loopback HTTP, one
// batch per op, into a fresh wedding every 10 ops. Target (issue 3): under
// 100 ms per batch.
//
//	go test ./bench/load -run '^$' -bench UnitsBatchHTTP -benchtime 20x -count 5
func BenchmarkUnitsBatchHTTP(b *testing.B) {
	eng, err := load.Start(b.TempDir(), load.EngineOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	c, err := load.NewClient(eng.URL, 1)
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var path, token string
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%10 == 0 {
			b.StopTimer()
			w, err := load.Provision(c, eng.RootToken, load.WeddingSpec{Units: 1, Events: 1, Seed: uint64(i)})
			if err != nil {
				b.Fatal(err)
			}
			path, token = "/v1/weddings/"+w.ID+"/units/batch", w.OwnerToken
			b.StartTimer()
		}
		b.StopTimer()
		body, _ := load.UnitsJSON(r, 1, 1000+(i%10)*1000, 2000+(i%10)*1000)
		b.StartTimer()
		status, ans, err := c.Do("POST", path, token, body)
		if err != nil || status != 200 {
			b.Fatalf("status %d, %v: %.300s", status, err, ans)
		}
	}
}
