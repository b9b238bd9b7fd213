package load

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// The import-3000 scenario (issue 13): a 3,000-row contact CSV, made by
// the generator every scenario shares (planUnits), POSTed to
// /v1/weddings/{w}/imports of a fresh wedding, timed from the request to
// its answer (the file parsed, every phone normalized, one command, durable
// before the answer). Beside each import, one admin keeps writing RSVPs to
// the same wedding ("import-3000/beside"): how long the import holds the
// wedding's other requests.

// importRows is the size of the scenario's file.
const (
	importRows      = 3000
	importQuickRows = 1000
)

// ContactsCSV is a contact file of rows people from units from on (one row
// per person, the unit's name as the household), with a header as Google
// Sheets writes one.
func ContactsCSV(r *rand.Rand, prefix, from, rows int) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"Name", "Phone", "Email", "Household", "Side", "Tags"})
	n := 0
	for i := from; n < rows; i++ {
		u := planUnits(r, prefix, i, i+1)[0]
		for m, p := range u.Phones {
			if n == rows {
				break
			}
			email := ""
			if m == 0 {
				email = fmt.Sprintf("family%d@example.com", i)
			}
			// Written as people write them: spaces, a leading 0 some times.
			phone := "+91 " + p[3:8] + " " + p[8:]
			if (i+m)%3 == 0 {
				phone = "0" + p[3:8] + "-" + p[8:]
			}
			_ = w.Write([]string{fmt.Sprintf("Guest %d-%d", i, m), phone, email, u.Name, u.Side, strings.Join(u.Tags, ", ")})
			n++
		}
	}
	w.Flush()
	return b.Bytes()
}

func runImport(ctx context.Context, env *Env) ([]ScenarioResult, error) {
	c, err := env.client(2)
	if err != nil {
		return nil, err
	}
	rows := importRows
	if env.cfg.Quick {
		rows = importQuickRows
	}
	file := ContactsCSV(env.rand(-3), 7, 0, rows)
	var (
		mu    sync.Mutex // besideT, between the writer and the report
		fresh int
	)
	besideT := newTally()
	res := env.repeat(ctx, "import-3000", 5, func() (time.Duration, error) {
		id, tok, err := env.emptyWedding(c)
		if err != nil {
			return 0, err
		}
		fresh++
		// One household invited to one event, whose RSVP the admin beside
		// the import keeps changing.
		var ev struct{ ID string }
		if err := c.JSON("POST", "/v1/weddings/"+id+"/events", tok, map[string]string{"name": "Sangeet", "starts_at": "2027-01-19T18:00:00+05:30"}, &ev); err != nil {
			return 0, err
		}
		var u struct{ ID string }
		if err := c.JSON("POST", "/v1/weddings/"+id+"/units", tok, map[string]any{"name": "Beside", "side": "both",
			"members": []map[string]string{{"name": "Admin's aunt", "phone": "+919000000001"}}}, &u); err != nil {
			return 0, err
		}
		if err := c.JSON("POST", "/v1/weddings/"+id+"/invitations", tok, map[string]any{"event_ids": []string{ev.ID}, "all": true}, nil); err != nil {
			return 0, err
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := "/v1/weddings/" + id + "/rsvps/" + u.ID + "/" + ev.ID
			for k := 0; ; k++ {
				select {
				case <-stop:
					return
				default:
				}
				t0 := time.Now()
				_, err := do(c, "PUT", path, tok, fmt.Appendf(nil, `{"status":%q}`, []string{"yes", "no"}[k%2]), 200)
				d := time.Since(t0)
				mu.Lock()
				if err != nil {
					besideT.fail(err)
				} else {
					besideT.count++
					recordLatency(besideT.lat, d)
				}
				mu.Unlock()
			}
		}()
		time.Sleep(5 * time.Millisecond) // the writer is going
		t0 := time.Now()
		ans, err := do(c, "POST", "/v1/weddings/"+id+"/imports?format=csv&name=guests.csv", tok, file, 200)
		d := time.Since(t0)
		time.Sleep(5 * time.Millisecond)
		close(stop)
		wg.Wait()
		if err != nil {
			return 0, err
		}
		var got struct {
			Rows, Created int
			Invalid       []any
		}
		if json.Unmarshal(ans, &got) != nil || got.Rows != rows || got.Created != rows || len(got.Invalid) != 0 {
			return 0, &StatusError{Status: 200, Code: "unexpected_counts"}
		}
		return d, nil
	})
	sr := env.result("import-3000", "closed", 1, 0, res)
	sr.Note = fmt.Sprintf("%d-row CSV (%d KB) into %d fresh weddings, one import each", rows, len(file)>>10, fresh)
	mu.Lock()
	side := env.result("import-3000/beside", "closed", 1, 0, mergeCounters([]*tally{besideT}, res.Elapsed, false))
	mu.Unlock()
	side.Note = "one admin writing RSVPs to the same wedding while each import runs: each write from request to answer"
	return []ScenarioResult{sr, side}, nil
}
