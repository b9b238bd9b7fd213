package httpapi_test

import (
	"bytes"
	"sync/atomic"
	"testing"

	"github.com/valyala/fasthttp"
)

// BenchmarkHTTP_GuestPage: GET /w/{slug}/g/{token}, a household's own
// page, round 100 households' links, served from the page cache (the
// wedding does not change): what a page costs beside writing its bytes.
//
//	go test ./httpapi -run '^$' -bench 'HTTP_GuestPage' -count 5
func BenchmarkHTTP_GuestPage(b *testing.B) {
	s := newBenchServer(b)
	var out map[string]any
	s.do(b, 200, "PUT", "/v1/weddings/"+s.w+"/website", s.owner,
		`{"title":"Asha weds Rohan","privacy":"public","gifts":{"upi_id":"asha@okaxis","payee":"Asha"}}`, &out)
	s.do(b, 200, "POST", "/v1/weddings/"+s.w+"/website/publish", s.owner, "", &out)
	links := make([]string, len(s.units))
	for i, u := range s.units {
		s.do(b, 201, "POST", "/v1/weddings/"+s.w+"/units/"+u+"/link", s.owner, "", &out)
		links[i] = out["url"].(string)
	}
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		for pb.Next() {
			req.Reset()
			req.SetRequestURI("http://engine" + links[int(n.Add(1))%len(links)])
			req.Header.Set("Accept-Language", "en-IN,en;q=0.9,hi;q=0.8")
			if err := s.cl.Do(req, resp); err != nil || resp.StatusCode() != 200 || !bytes.Contains(resp.Body(), []byte("</html>")) {
				b.Fatalf("%v %d: %s", err, resp.StatusCode(), resp.Body())
			}
		}
	})
}
