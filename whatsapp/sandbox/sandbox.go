package sandbox

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"
)

// Window is how long a guest's message keeps free-form sends open to them
// (WHATSAPP.md §7.4).
const Window = 24 * time.Hour

// Accepted is a message the sandbox accepted, as GET /sandbox/messages
// shows it.
type Accepted struct {
	WAMID string    `json:"wamid"`
	To    string    `json:"to"` // E.164 with its '+'
	At    time.Time `json:"at"`
	Kind  string    `json:"kind"` // KindTemplate, KindInteractive or KindText
	// Template is set for a template: its name, language and body
	// parameters in order.
	Template *TemplateRef `json:"template,omitempty"`
	// Text is what the guest reads: a template's body rendered with its
	// parameters, an interactive message's body, a text's body.
	Text string `json:"text"`
	// Buttons are a template's quick replies (Title the label, ID the
	// payload the engine set, "" when it set none) or an interactive
	// message's reply buttons.
	Buttons []Choice `json:"buttons,omitempty"`
	// ListRows are an interactive list's rows, all sections together.
	ListRows []Choice `json:"list_rows,omitempty"`
	// CallbackData is the send's biz_opaque_callback_data.
	CallbackData string `json:"callback_data,omitempty"`
}

// TemplateRef names a template send.
type TemplateRef struct {
	Name     string   `json:"name"`
	Language string   `json:"language"`
	Params   []string `json:"params"`
}

// Choice is a button or a list row a guest can pick.
type Choice struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
}

// Stats counts what the sandbox did since New.
type Stats struct {
	Accepted    int64 `json:"accepted"`
	RateLimited int64 `json:"rate_limited"` // 130429 answers
	Refused     int64 `json:"refused"`      // every other error answer of the Graph route
	// RefusedByCode splits Refused by Meta's error code.
	RefusedByCode map[int]int64 `json:"refused_by_code,omitempty"`
	// MaxPerSecond is the largest number of sends accepted in any 1-second
	// window.
	MaxPerSecond int `json:"max_per_second"`
	// Recipients is how many phones the sandbox accepted a message for or
	// heard from.
	Recipients int `json:"recipients"`
	// Replies counts guests' messages (their own and Reply's).
	Replies int64 `json:"replies"`
	// WebhooksSent counts webhook POSTs answered 2xx, duplicates included.
	WebhooksSent int64 `json:"webhooks_sent"`
	// WebhookRetries counts attempts after a failed one.
	WebhookRetries int64 `json:"webhook_retries"`
	// WebhookErrors counts webhooks given up after Config.WebhookAttempts.
	WebhookErrors int64 `json:"webhook_errors"`
	// Dropped counts messages whose remaining webhooks were never sent:
	// the queue was full when they were accepted, or Close came first.
	Dropped int64 `json:"dropped"`
	// Pending counts messages whose webhooks are not all sent yet.
	Pending int `json:"pending"`
}

// Sandbox is a fake of Meta's WhatsApp Cloud API. Create it with New, serve
// Handler, and Close it when done.
type Sandbox struct {
	cfg    Config
	log    zerolog.Logger
	client *fasthttp.Client
	q      *queue
	stop   chan struct{} // closed by Close
	wg     sync.WaitGroup

	mu struct {
		sync.Mutex
		closed     bool
		records    []record // every accepted message, in acceptance order
		phones     map[string]*recipient
		limiter    window
		stats      Stats // the counters kept under mu
		byCode     map[int]int64
		replyCalls int           // Reply calls delivering
		replyIdle  chan struct{} // closed when replyCalls falls to 0 after Close
	}
	webhooksSent   atomic.Int64
	webhookRetries atomic.Int64
	webhookErrors  atomic.Int64
	traceSeq       atomic.Uint64

	closeOnce sync.Once
	closeErr  error
}

// record is an accepted message and what the sandbox planned for it.
type record struct {
	Accepted
	digits string
	k      uint64 // its number among the messages to that phone, from 1
	fails  bool   // gets a failed status instead of delivered and read
}

// recipient is what the sandbox knows about one phone.
type recipient struct {
	records     []int       // indexes into mu.records, oldest first
	sent        uint64      // messages accepted for it
	received    uint64      // messages it sent
	windowUntil time.Time   // end of its 24-hour window (§7.4)
	said        []guestSaid // what the guest sent, oldest first (the chat page)
}

// New returns a running Sandbox: its webhook workers are started.
func New(cfg Config) (*Sandbox, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	s := &Sandbox{
		cfg:  cfg,
		log:  cfg.Logger.With().Str("component", "whatsapp_sandbox").Logger(),
		stop: make(chan struct{}),
		client: &fasthttp.Client{
			Name:            "facebookexternalua",
			ReadTimeout:     cfg.WebhookTimeout,
			WriteTimeout:    cfg.WebhookTimeout,
			MaxConnsPerHost: cfg.WebhookWorkers + 64, // workers and Reply calls
		},
	}
	s.q = newQueue(cfg.QueueSize, s.stop)
	s.mu.phones = make(map[string]*recipient)
	s.mu.byCode = make(map[int]int64)
	s.mu.limiter = newWindow(int(cfg.MPS))
	s.wg.Add(1 + cfg.WebhookWorkers)
	go func() {
		defer s.wg.Done()
		s.q.dispatch()
	}()
	for range cfg.WebhookWorkers {
		go func() {
			defer s.wg.Done()
			for c := range s.q.work {
				s.runStep(c)
			}
		}()
	}
	return s, nil
}

// Close stops sending webhooks: the queue's pending ones are dropped
// (counted in Stats.Dropped), and Close waits for those in flight and for
// Reply calls, at most Config.CloseTimeout (then it returns an error, and
// they finish on their own). Sends then answer 503 (code 2) and Reply
// returns ErrClosed. Close is idempotent.
func (s *Sandbox) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.mu.closed = true
		s.mu.replyIdle = make(chan struct{})
		if s.mu.replyCalls == 0 {
			close(s.mu.replyIdle)
		}
		idle := s.mu.replyIdle
		s.mu.Unlock()
		s.q.close()
		close(s.stop)
		done := make(chan struct{})
		go func() {
			s.wg.Wait()
			<-idle
			close(done)
		}()
		t := time.NewTimer(s.cfg.CloseTimeout)
		defer t.Stop()
		select {
		case <-done:
		case <-t.C:
			s.closeErr = fmt.Errorf("sandbox: close: webhooks still in flight after %v", s.cfg.CloseTimeout)
		}
		s.client.CloseIdleConnections()
	})
	return s.closeErr
}

func (s *Sandbox) closed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mu.closed
}

// Stats are the counts since New.
func (s *Sandbox) Stats() Stats {
	s.mu.Lock()
	st := s.mu.stats
	st.RefusedByCode = make(map[int]int64, len(s.mu.byCode))
	for c, n := range s.mu.byCode {
		st.RefusedByCode[c] = n
	}
	st.Recipients = len(s.mu.phones)
	s.mu.Unlock()
	st.WebhooksSent = s.webhooksSent.Load()
	st.WebhookRetries = s.webhookRetries.Load()
	st.WebhookErrors = s.webhookErrors.Load()
	st.Dropped = s.q.dropped.Load()
	st.Pending = s.q.pending()
	return st
}

// Accepted is what was accepted for the phone to ('+' optional; a leading
// space is read as '+'), oldest first: the items of GET /sandbox/messages?to=.
func (s *Sandbox) Accepted(to string) []Accepted {
	digits, ok := queryPhone(to)
	if !ok {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rcp := s.mu.phones[digits]
	if rcp == nil {
		return nil
	}
	out := make([]Accepted, len(rcp.records))
	for i, idx := range rcp.records {
		out[i] = s.mu.records[idx].clone()
	}
	return out
}

// AllAccepted is every accepted message, oldest first.
func (s *Sandbox) AllAccepted() []Accepted {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Accepted, len(s.mu.records))
	for i := range s.mu.records {
		out[i] = s.mu.records[i].clone()
	}
	return out
}

// clone is the record's message, sharing nothing with it.
func (r *record) clone() Accepted {
	a := r.Accepted
	if a.Template != nil {
		t := *a.Template
		t.Params = slices.Clone(t.Params)
		a.Template = &t
	}
	a.Buttons = slices.Clone(a.Buttons)
	a.ListRows = slices.Clone(a.ListRows)
	return a
}

// queryPhone reads a phone as a query or caller gives it: '+' optional, and
// a leading space read as '+' (an unencoded '+' in a query decodes to one).
func queryPhone(s string) (string, bool) {
	if rest, ok := strings.CutPrefix(s, " "); ok {
		s = "+" + rest
	}
	return phoneDigits(strings.TrimSpace(s))
}

// accept records a validated send unless the recipient's window is shut
// (131047, for free-form kinds) or the throughput window is full (130429).
// It plans the message's webhooks and queues them without waiting.
func (s *Sandbox) accept(out outgoing) (string, *graphError) {
	s.mu.Lock()
	now := s.cfg.Now()
	rcp := s.mu.phones[out.digits]
	if out.msg.Kind != KindTemplate && (rcp == nil || !now.Before(rcp.windowUntil)) {
		// WHATSAPP.md §7.4: free-form messages, interactive included, only
		// inside the 24-hour window; templates do not open it.
		s.mu.Unlock()
		return "", errReengagement
	}
	n, ok := s.mu.limiter.admit(now)
	if !ok {
		s.mu.Unlock()
		return "", errRateLimit
	}
	s.mu.stats.MaxPerSecond = max(s.mu.stats.MaxPerSecond, n)
	if rcp == nil {
		rcp = &recipient{}
		s.mu.phones[out.digits] = rcp
	}
	rcp.sent++
	r := record{Accepted: out.msg, digits: out.digits, k: rcp.sent}
	r.WAMID = wamid(out.digits, false, r.k, s.draw("wamid", out.digits, r.k, 0))
	r.At = now
	r.fails = s.cfg.FailRate > 0 && unit(s.draw("fail", out.digits, r.k, 0)) < s.cfg.FailRate
	rcp.records = append(rcp.records, len(s.mu.records))
	s.mu.records = append(s.mu.records, r)
	s.mu.stats.Accepted++
	s.mu.Unlock()

	s.log.Debug().Str("wamid", r.WAMID).Str("to", maskPhone(r.digits)).Str("kind", r.Kind).Msg("sandbox accepted a message")
	if s.cfg.WebhookURL != "" && !s.q.add(s.plan(r)) {
		if n := s.q.dropped.Load(); n == 1 || n%100 == 0 {
			s.log.Warn().Str("wamid", r.WAMID).Int64("dropped", n).Msg("sandbox webhook queue full: the message's webhooks are dropped")
		}
	}
	return r.WAMID, nil
}

// countRefusal counts an error answer of the Graph route.
func (s *Sandbox) countRefusal(e *graphError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if e.code == codeRateLimit {
		s.mu.stats.RateLimited++
		return
	}
	s.mu.stats.Refused++
	s.mu.byCode[e.code]++
}

// draw is a pseudo-random number fixed by the seed, a tag naming the
// choice, a phone, its message number and a sub-choice: the same run gives
// the same choices whatever the goroutines' interleaving.
func (s *Sandbox) draw(tag, digits string, k, sub uint64) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	for i := range 8 {
		h = (h ^ (s.cfg.Seed >> (8 * i) & 0xff)) * prime
	}
	for _, part := range [2]string{tag, digits} {
		for i := 0; i < len(part); i++ {
			h = (h ^ uint64(part[i])) * prime
		}
		h = (h ^ 0xff) * prime
	}
	for _, v := range [2]uint64{k, sub} {
		for i := range 8 {
			h = (h ^ (v >> (8 * i) & 0xff)) * prime
		}
	}
	// splitmix64's finalizer spreads FNV's weak low bits.
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	return h
}

// unit maps a draw to [0, 1).
func unit(x uint64) float64 { return float64(x>>11) / (1 << 53) }

// wamid is a message id shaped like Meta's: "wamid." and the base64 of a
// Thrift-like record holding the phone, a direction byte and a hex id
// (compare the examples of WHATSAPP.md §3). The id holds k, so wamids of one
// phone never repeat.
func wamid(digits string, inbound bool, k, h uint64) string {
	id, dir := fmt.Sprintf("%06X%012X", k, h>>16), byte(0x11)
	if inbound {
		id, dir = fmt.Sprintf("%06X%014X", k, h>>8), 0x12
	}
	b := make([]byte, 0, 12+len(digits)+len(id))
	b = append(b, 0x1c, 0x18, byte(len(digits)))
	b = append(b, digits...)
	b = append(b, 0x15, 0x02, 0x00, dir, 0x18, byte(len(id)))
	b = append(b, id...)
	b = append(b, 0x00)
	return "wamid." + base64.StdEncoding.EncodeToString(b)
}

// maskPhone is digits with all but the last four masked, for logs.
func maskPhone(digits string) string {
	if len(digits) <= 4 {
		return strings.Repeat("*", len(digits))
	}
	return strings.Repeat("*", len(digits)-4) + digits[len(digits)-4:]
}

// window counts accepted sends in the last second (WHATSAPP.md §7.1: past
// the throughput, 130429). It keeps the times of at most limit sends: a send
// at t is admitted when fewer than limit were admitted in (t-1s, t].
type window struct {
	times       []time.Time // ring
	head, count int
}

func newWindow(limit int) window { return window{times: make([]time.Time, limit)} }

// admit reports whether a send at now fits, recording it if so, and how
// many sends the window then holds.
func (w *window) admit(now time.Time) (int, bool) {
	for w.count > 0 && now.Sub(w.times[w.head]) >= time.Second {
		w.head = (w.head + 1) % len(w.times)
		w.count--
	}
	if w.count == len(w.times) {
		return w.count, false
	}
	w.times[(w.head+w.count)%len(w.times)] = now
	w.count++
	return w.count, true
}
