package load

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// The export scenario (issue 13): GET /v1/weddings/{w}/export.csv of a
// 1,000-household wedding. An export reads the guest list the wedding's
// view keeps for its sequence (one copy made by the wedding's actor, the
// sheet encoded once): on a quiet wedding every export but the first is a
// write of bytes already made, which is what the targets judge. Beside an
// RSVP stream each change makes the next export copy and encode again:
// export/under-writes reports that, not judged for speed.

// exportWriters is how many closed-loop RSVP writers run beside
// export/under-writes.
const exportWriters = 4

func runExport(ctx context.Context, env *Env) ([]ScenarioResult, error) {
	w, err := env.weddingWith(ctx, 1000)
	if err != nil {
		return nil, err
	}
	path := "/v1/weddings/" + w.ID + "/export.csv"
	setup, err := env.client(1)
	if err != nil {
		return nil, err
	}
	if err := checkExport(setup, w, path); err != nil {
		return nil, err
	}
	var out []ScenarioResult
	measure := func(name, desc string, conns int, newOp func(int) func() (bool, error)) ScenarioResult {
		Closed(context.Background(), conns, int64(conns)*20, newOp) // warm-up: connections, the sheet
		sr := env.result(name, "closed", conns, 0, env.closed(ctx, name, conns, newOp))
		sr.Description = desc
		return sr
	}
	one, err := env.client(1)
	if err != nil {
		return nil, err
	}
	guests := func(c *Client) func(int) func() (bool, error) {
		return func(int) func() (bool, error) { return exportOp(c, path, w.OwnerToken, nil) }
	}
	out = append(out, measure("export", "", 1, guests(one)))
	if ctx.Err() != nil {
		return out, nil
	}

	events := make([]string, len(w.EventIDs))
	for i, e := range w.EventIDs {
		events[i] = path + "?event=" + e
	}
	out = append(out, measure("export/event",
		"GET .../export.csv?event= (the caterer's sheet), each event in turn, one connection, closed loop, on the quiet wedding.",
		1, func(int) func() (bool, error) {
			ops := make([]func() (bool, error), len(events))
			for i, p := range events {
				ops[i] = exportOp(one, p, w.OwnerToken, nil)
			}
			i := 0
			return func() (bool, error) { i++; return ops[i%len(ops)]() }
		}))
	if ctx.Err() != nil {
		return out, nil
	}

	// The first export after each change: a roster fetched through the
	// mailbox, the sheet encoded, then written.
	r := env.rand(3100)
	export := exportOp(one, path, w.OwnerToken, nil)
	n := 0
	first := env.repeat(ctx, "export/after-change", 20, func() (time.Duration, error) {
		// A note of its own: never an answer equal to the stored one,
		// which would change nothing.
		n++
		if len(w.Pairs) == 0 {
			return 0, ErrNoInvitations
		}
		p := w.Pairs[r.IntN(len(w.Pairs))]
		if _, err := do(one, "PUT", "/v1/weddings/"+w.ID+"/rsvps/"+w.UnitIDs[p.Unit]+"/"+w.EventIDs[p.Event], w.OwnerToken,
			fmt.Appendf(nil, `{"status":"maybe","note":"export %d"}`, n), 200); err != nil {
			return 0, err
		}
		t0 := time.Now()
		_, err := export()
		return time.Since(t0), err
	})
	fr := env.result("export/after-change", "closed", 1, 0, first)
	fr.Description = "The first export of the guest sheet after each RSVP (written before it, untimed), one connection: " +
		"the roster copied by the wedding's actor, the sheet encoded, then written. Reported, not judged for speed."
	out = append(out, fr)
	if ctx.Err() != nil {
		return out, nil
	}

	sixteen, err := env.client(16)
	if err != nil {
		return nil, err
	}
	sr := measure("export/16", "The guest sheet at 16 connections, closed loop, on the quiet wedding: exports per second.", 16, guests(sixteen))
	out = append(out, sr)
	if ctx.Err() != nil {
		return out, nil
	}

	// Beside writes: every change asks for a new copy and a new sheet.
	writes, err := env.client(exportWriters)
	if err != nil {
		return nil, err
	}
	wctx, stop := context.WithCancel(ctx)
	done := make(chan Result)
	go func() {
		done <- Closed(wctx, exportWriters, 0, func(i int) func() (bool, error) { return rsvpOn(writes, w, env.rand(3000+i)) })
	}()
	seqs := &seqSet{seen: map[uint64]bool{}}
	ures := env.closed(ctx, "export/under-writes", 16, func(int) func() (bool, error) {
		return exportOp(sixteen, path, w.OwnerToken, seqs)
	})
	stop()
	wres := <-done
	us := env.result("export/under-writes", "closed", 16, 0, ures)
	us.Description = fmt.Sprintf("The guest sheet at 16 connections while %d closed-loop writers PUT RSVPs to the same wedding "+
		"(each change makes the next export copy the guest list in the actor and encode the sheet again). Reported, not judged for speed.", exportWriters)
	if ures.Count > 0 {
		us.Note = fmt.Sprintf("%d exports of %d sequences (a roster copied and a sheet encoded for each); beside %s RSVP writes/s",
			ures.Count, len(seqs.seen), strconv.FormatFloat(wres.Throughput(), 'f', 0, 64))
	}
	ws := env.result("export/under-writes/writes", "closed", exportWriters, 0, wres)
	ws.Description = "The durable RSVP writes (PUT rsvps) that ran beside export/under-writes, closed loop."
	return append(out, us, ws), nil
}

// seqSet is the sequences (X-Wedding-Seq) exports showed: each is one
// roster copied by the wedding's actor and one sheet encoded.
type seqSet struct {
	mu   sync.Mutex
	seen map[uint64]bool
}

// exportOp GETs a sheet: a 200 of CSV with its header row wanted.
func exportOp(c *Client, path, token string, seqs *seqSet) func() (bool, error) {
	req, resp := c.Request(path, token), fasthttp.AcquireResponse()
	return func() (bool, error) {
		st, err := c.Get(req, resp)
		if err != nil {
			return false, err
		}
		if st != 200 {
			return false, AnswerError(st, resp.Body())
		}
		if !bytes.HasPrefix(resp.Body(), []byte("unit_id,")) || !bytes.HasPrefix(resp.Header.ContentType(), []byte("text/csv")) {
			return false, &StatusError{Status: st, Code: "not_a_sheet"}
		}
		if seqs != nil {
			n, _ := strconv.ParseUint(string(resp.Header.Peek("X-Wedding-Seq")), 10, 64)
			seqs.mu.Lock()
			seqs.seen[n] = true
			seqs.mu.Unlock()
		}
		return true, nil
	}
}

// rsvpOn overrides the RSVP of a random invitation of w.
func rsvpOn(c *Client, w *Wedding, r *rand.Rand) func() (bool, error) {
	return func() (bool, error) {
		if len(w.Pairs) == 0 {
			return false, ErrNoInvitations
		}
		p := w.Pairs[r.IntN(len(w.Pairs))]
		_, err := do(c, "PUT", "/v1/weddings/"+w.ID+"/rsvps/"+w.UnitIDs[p.Unit]+"/"+w.EventIDs[p.Event], w.OwnerToken,
			rsvpBodies[r.IntN(len(rsvpBodies))], 200)
		return err == nil, err
	}
}

// checkExport reads both kinds of sheet once and checks them against
// what was provisioned: a row per person, a row per invited household and
// the totals. A scenario that measured wrong sheets would measure nothing.
func checkExport(c *Client, w *Wedding, path string) error {
	st, body, err := c.Do("GET", path, w.OwnerToken, nil)
	if err != nil {
		return err
	}
	if st != 200 {
		return fmt.Errorf("load: export: %w", AnswerError(st, body))
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		return fmt.Errorf("load: export: not CSV: %w", err)
	}
	if want := 9 + 2*len(w.EventIDs); len(rows) != 1+w.People || len(rows[0]) != want {
		return fmt.Errorf("load: export: %d rows of %d columns; want %d people and %d columns", len(rows)-1, len(rows[0]), w.People, want)
	}
	invited := 0
	for _, p := range w.Pairs {
		if p.Event == 0 {
			invited++
		}
	}
	st, body, err = c.Do("GET", path+"?event="+w.EventIDs[0], w.OwnerToken, nil)
	if err != nil {
		return err
	}
	if st != 200 {
		return fmt.Errorf("load: export of an event: %w", AnswerError(st, body))
	}
	if rows, err = csv.NewReader(bytes.NewReader(body)).ReadAll(); err != nil {
		return fmt.Errorf("load: export of an event: not CSV: %w", err)
	}
	if len(rows) != invited+2 || rows[len(rows)-1][0] != "TOTAL" {
		return fmt.Errorf("load: export of an event: %d rows; want %d invited households and TOTAL", len(rows)-2, invited)
	}
	return nil
}
