package sandbox

import (
	"container/heap"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/whatsapp"
)

// Status values of a status webhook (WHATSAPP.md §3.7).
const (
	StatusSent      = "sent"
	StatusDelivered = "delivered"
	StatusRead      = "read"
	StatusFailed    = "failed"
)

// step is one webhook of a message's chain.
type step struct {
	status string // "" = the guest's answer
	delay  time.Duration
	dup    bool // delivered twice
}

// chain is the webhooks planned for one accepted message, sent one after
// the other: the next is planned once the previous was delivered or given
// up, so they arrive in the planned order.
type chain struct {
	rec   record
	fail  failure // the failed status's error, when rec.fails
	steps []step
	i     int // the step being sent

	attempts int    // failed attempts of the current POST
	duped    bool   // the current step's first copy was delivered
	body     []byte // the current step's webhook, built when it is first due
	sig      string

	due time.Time
}

// plan is the chain of webhooks for r, every choice drawn from the seed:
// sent, delivered, read (or sent, failed), consecutive pairs swapped at
// ReorderRate (WHATSAPP.md §4: ordering is not guaranteed), each webhook
// doubled at DuplicateRate (§4: duplicates are documented), and the guest's
// answer last when the guest answers and the message asks something.
func (s *Sandbox) plan(r record) *chain {
	c := &chain{rec: r}
	statuses := []string{StatusSent, StatusDelivered, StatusRead}
	if r.fails {
		statuses = []string{StatusSent, StatusFailed}
		c.fail = failUndeliverable
		if r.Kind == KindTemplate {
			c.fail = templateFailures[s.draw("failcode", r.digits, r.k, 0)%uint64(len(templateFailures))]
		}
	}
	if s.cfg.ReorderRate > 0 {
		// From the last pair back, so that at rate 1 read comes before
		// delivered; a status moves in one swap at most.
		for i := len(statuses) - 2; i >= 0; i-- {
			if unit(s.draw("reorder", r.digits, r.k, uint64(i))) < s.cfg.ReorderRate {
				statuses[i], statuses[i+1] = statuses[i+1], statuses[i]
				i--
			}
		}
	}
	for _, st := range statuses {
		c.steps = append(c.steps, step{status: st, delay: s.cfg.Delay})
	}
	if !r.fails && (len(r.Buttons) > 0 || len(r.ListRows) > 0) && s.answersByThemself(r.digits) {
		c.steps = append(c.steps, step{delay: s.cfg.ReplyDelay})
	}
	if s.cfg.DuplicateRate > 0 {
		for i := range c.steps {
			c.steps[i].dup = unit(s.draw("dup", r.digits, r.k, uint64(i))) < s.cfg.DuplicateRate
		}
	}
	c.due = time.Now().Add(c.steps[0].delay)
	return c
}

// runStep sends the chain's current webhook once, then puts the chain back
// for a retry, the duplicate or the next step, or ends it.
func (s *Sandbox) runStep(c *chain) {
	st := c.steps[c.i]
	if c.body == nil {
		c.body = s.stepBody(c, st)
		c.sig = whatsapp.Sign(s.cfg.AppSecret, c.body)
	}
	if err := s.post(c.body, c.sig); err != nil {
		c.attempts++
		if c.attempts < s.cfg.WebhookAttempts {
			s.webhookRetries.Add(1)
			c.due = time.Now().Add(s.backoff(c.attempts))
			s.q.again(c)
			return
		}
		s.gaveUp(err, c.rec.WAMID)
	} else {
		s.webhooksSent.Add(1)
		if st.dup && !c.duped {
			c.duped, c.attempts = true, 0
			c.due = time.Now()
			s.q.again(c)
			return
		}
	}
	c.i++
	c.body, c.sig, c.attempts, c.duped = nil, "", 0, false
	if c.i == len(c.steps) {
		s.q.finish()
		return
	}
	c.due = time.Now().Add(c.steps[c.i].delay)
	s.q.again(c)
}

func (s *Sandbox) backoff(attempts int) time.Duration {
	return s.cfg.RetryBackoff << min(attempts-1, 16)
}

func (s *Sandbox) gaveUp(err error, wamid string) {
	n := s.webhookErrors.Add(1)
	if n == 1 || n%100 == 0 {
		s.log.Warn().Err(err).Str("wamid", wamid).Int64("webhook_errors", n).
			Int("attempts", s.cfg.WebhookAttempts).Msg("sandbox gave up a webhook")
	}
}

// stepBody is the webhook of a step, stamped now.
func (s *Sandbox) stepBody(c *chain, st step) []byte {
	now := s.cfg.Now()
	if st.status == "" {
		return s.messageBody(s.autoAnswer(c.rec, now))
	}
	ws := whStatus{
		ID:                    c.rec.WAMID,
		Status:                st.status,
		Timestamp:             strconv.FormatInt(now.Unix(), 10),
		RecipientID:           c.rec.digits,
		BizOpaqueCallbackData: c.rec.CallbackData,
	}
	switch {
	case st.status == StatusFailed:
		// §3.7 example D: errors[], no pricing; title == message.
		ws.Errors = []whError{{Code: c.fail.code, Title: c.fail.title, Message: c.fail.title,
			ErrorData: whErrorData{Details: c.fail.details}, Href: errorCodesHref}}
	case c.rec.Kind == KindTemplate:
		ws.Pricing = &whPricing{Billable: true, PricingModel: "PMP", Type: "regular", Category: "utility"}
	default:
		ws.Pricing = &whPricing{PricingModel: "PMP", Type: "free_customer_service", Category: "service"}
	}
	return s.envelope(whValue{Statuses: []whStatus{ws}})
}

// messageBody is the webhook of a guest's message (§3.3–3.6).
func (s *Sandbox) messageBody(g guestMessage) []byte {
	return s.envelope(whValue{
		Contacts: []whContact{{Profile: whProfile{Name: g.name}, WaID: g.msg.From}},
		Messages: []whMessage{g.msg},
	})
}

// envelope wraps a change's value in Meta's envelope (§3.1) and encodes it
// as Meta does, non-ASCII escaped (§2).
func (s *Sandbox) envelope(v whValue) []byte {
	v.MessagingProduct = "whatsapp"
	v.Metadata = whMetadata{DisplayPhoneNumber: s.cfg.DisplayNumber, PhoneNumberID: s.cfg.PhoneNumberID}
	b, err := json.Marshal(whEnvelope{
		Object: "whatsapp_business_account",
		Entry:  []whEntry{{ID: s.cfg.BusinessAccountID, Changes: []whChange{{Value: v, Field: "messages"}}}},
	})
	if err != nil {
		panic(fmt.Sprintf("sandbox: encoding a webhook: %v", err)) // plain structs: cannot fail
	}
	return asciiJSON(b)
}

// asciiJSON is the JSON b with every non-ASCII character escaped as
// \uXXXX (lowercase hex, surrogate pairs past U+FFFF), as Meta sends it
// (WHATSAPP.md §2): an engine that checks the signature of a re-encoded
// body rather than the raw one fails on the first accented name. Outside
// strings JSON is ASCII, so escaping byte runs is safe.
func asciiJSON(b []byte) []byte {
	i := 0
	for i < len(b) && b[i] < utf8.RuneSelf {
		i++
	}
	if i == len(b) {
		return b
	}
	const hexDigits = "0123456789abcdef"
	out := make([]byte, i, len(b)+len(b)/4)
	copy(out, b[:i])
	esc := func(r rune) {
		out = append(out, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
	}
	for _, r := range string(b[i:]) {
		switch {
		case r < utf8.RuneSelf:
			out = append(out, byte(r))
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			esc(r1)
			esc(r2)
		default:
			esc(r)
		}
	}
	return out
}

// post delivers one webhook: 2xx is delivered, anything else an error.
func (s *Sandbox) post(body []byte, sig string) error {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(s.cfg.WebhookURL)
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetContentType("application/json")
	req.Header.Set(whatsapp.SignatureHeader, sig)
	req.SetBodyRaw(body)
	if err := s.client.DoTimeout(req, resp, s.cfg.WebhookTimeout); err != nil {
		return fmt.Errorf("sandbox: webhook: %w", err)
	}
	if code := resp.StatusCode(); code < 200 || code > 299 {
		return fmt.Errorf("sandbox: webhook answered %d", code)
	}
	return nil
}

// deliver posts body now, retrying with backoff, for Reply. It returns
// once delivered, or with the last error.
func (s *Sandbox) deliver(ctx context.Context, body []byte) error {
	sig := whatsapp.Sign(s.cfg.AppSecret, body)
	for attempt := 1; ; attempt++ {
		err := s.post(body, sig)
		if err == nil {
			s.webhooksSent.Add(1)
			return nil
		}
		if attempt >= s.cfg.WebhookAttempts {
			s.gaveUp(err, "")
			return err
		}
		s.webhookRetries.Add(1)
		t := time.NewTimer(s.backoff(attempt))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			s.gaveUp(ctx.Err(), "")
			return ctx.Err()
		case <-s.stop:
			t.Stop()
			s.gaveUp(ErrClosed, "")
			return ErrClosed
		}
	}
}

// queue holds the chains waiting for their next webhook, by due time, and
// hands due ones to the workers. It bounds the chains alive at once.
type queue struct {
	size    int
	wake    chan struct{} // a chain was added
	work    chan *chain   // due chains, to the workers; closed when dispatch ends
	stop    <-chan struct{}
	dropped atomic.Int64

	mu struct {
		sync.Mutex
		heap   chainHeap
		active int // chains in the heap or with a worker
		closed bool
	}
}

func newQueue(size int, stop <-chan struct{}) *queue {
	return &queue{size: size, wake: make(chan struct{}, 1), work: make(chan *chain), stop: stop}
}

// add queues a new chain; false (and counted as dropped) when the queue is
// full or closed.
func (q *queue) add(c *chain) bool {
	q.mu.Lock()
	if q.mu.closed || q.mu.active >= q.size {
		q.mu.Unlock()
		q.dropped.Add(1)
		return false
	}
	q.mu.active++
	heap.Push(&q.mu.heap, c)
	q.mu.Unlock()
	q.signal()
	return true
}

// again puts back a chain a worker had, for its next POST.
func (q *queue) again(c *chain) {
	q.mu.Lock()
	if q.mu.closed {
		q.mu.active--
		q.mu.Unlock()
		q.dropped.Add(1)
		return
	}
	heap.Push(&q.mu.heap, c)
	q.mu.Unlock()
	q.signal()
}

// finish ends a chain a worker had.
func (q *queue) finish() {
	q.mu.Lock()
	q.mu.active--
	q.mu.Unlock()
}

func (q *queue) pending() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.mu.active
}

func (q *queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// close drops every waiting chain; the caller then closes stop.
func (q *queue) close() {
	q.mu.Lock()
	n := len(q.mu.heap)
	q.mu.heap = nil
	q.mu.active -= n
	q.mu.closed = true
	q.mu.Unlock()
	q.dropped.Add(int64(n))
}

// dispatch hands chains to the workers as they fall due, until stop.
func (q *queue) dispatch() {
	defer close(q.work)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		q.mu.Lock()
		if q.mu.closed {
			q.mu.Unlock()
			return
		}
		var due *chain
		wait := time.Duration(-1)
		if len(q.mu.heap) > 0 {
			if d := time.Until(q.mu.heap[0].due); d <= 0 {
				due = heap.Pop(&q.mu.heap).(*chain)
			} else {
				wait = d
			}
		}
		q.mu.Unlock()
		if due != nil {
			select {
			case q.work <- due:
			case <-q.stop:
				q.finish()
				q.dropped.Add(1)
				return
			}
			continue
		}
		var fire <-chan time.Time
		if wait >= 0 {
			timer.Reset(wait)
			fire = timer.C
		}
		select {
		case <-q.wake:
		case <-fire:
		case <-q.stop:
			return
		}
	}
}

// chainHeap orders chains by due time (container/heap).
type chainHeap []*chain

func (h chainHeap) Len() int           { return len(h) }
func (h chainHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h chainHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *chainHeap) Push(x any)        { *h = append(*h, x.(*chain)) }
func (h *chainHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return c
}
