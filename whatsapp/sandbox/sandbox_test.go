package sandbox_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/parinayaos/engine/whatsapp"
	"github.com/parinayaos/engine/whatsapp/sandbox"
)

func TestConfig_Validate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   sandbox.Config
		field string // "" = valid
	}{
		{name: "zero config", cfg: sandbox.Config{}},
		{name: "full", cfg: sandbox.Config{WebhookURL: "http://127.0.0.1:8080/webhooks/whatsapp", AppSecret: "s",
			MPS: 1000, ReplyRate: 1, FailRate: 0.5, DuplicateRate: 0.1, ReorderRate: 0.1}},
		{name: "rate above 1", cfg: sandbox.Config{ReplyRate: 1.5}, field: "reply_rate"},
		{name: "negative rate", cfg: sandbox.Config{FailRate: -0.1}, field: "fail_rate"},
		{name: "duplicate rate", cfg: sandbox.Config{DuplicateRate: 2}, field: "duplicate_rate"},
		{name: "reorder rate", cfg: sandbox.Config{ReorderRate: 2}, field: "reorder_rate"},
		{name: "mps below 1", cfg: sandbox.Config{MPS: 0.5}, field: "mps"},
		{name: "mps too high", cfg: sandbox.Config{MPS: sandbox.MaxMPS + 1}, field: "mps"},
		{name: "webhook without secret", cfg: sandbox.Config{WebhookURL: "http://127.0.0.1:1/x"}, field: "app_secret"},
		{name: "webhook not a URL", cfg: sandbox.Config{WebhookURL: "127.0.0.1:8080", AppSecret: "s"}, field: "webhook_url"},
		{name: "phone-number id not digits", cfg: sandbox.Config{PhoneNumberID: "abc"}, field: "phone_number_id"},
		{name: "template twice", cfg: sandbox.Config{Templates: append(whatsapp.DefaultTemplates(), whatsapp.DefaultTemplates()[0])}, field: "templates[4]"},
		{name: "negative workers", cfg: sandbox.Config{WebhookWorkers: -1}, field: "webhook_workers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			sb, newErr := sandbox.New(tt.cfg)
			if sb != nil {
				defer sb.Close()
			}
			if tt.field == "" {
				if err != nil || newErr != nil {
					t.Fatalf("Validate: %v, New: %v", err, newErr)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.field+":") || newErr == nil {
				t.Fatalf("Validate: %v, New: %v; want an error naming %s", err, newErr, tt.field)
			}
		})
	}
}

// run sends the same messages to a sandbox with that seed and returns what
// a run is made of: wamids, statuses per message, guest messages.
func run(t *testing.T, seed uint64) (wamids []string, perMessage map[string][]string, replies []string) {
	t.Helper()
	rcv := newReceiver(t, nil)
	h := start(t, sandbox.Config{Seed: seed, FailRate: 0.4, ReplyRate: 0.5, DuplicateRate: 0.3, ReorderRate: 0.3}, rcv)
	for i := range 16 {
		wamids = append(wamids, h.mustSend(invite("+9198000000"+strconv.Itoa(10+i), "inv"+strconv.Itoa(i), "")))
	}
	h.idle()
	for _, v := range guestMessages(t, rcv) {
		m := v.Messages[0]
		r := m.ID + " " + m.Type
		if m.Button != nil {
			r += " " + m.Button.Payload
		}
		if m.Text != nil {
			r += " " + m.Text.Body
		}
		replies = append(replies, r)
	}
	slices.Sort(replies) // arrival order across guests is the scheduler's
	return wamids, byWAMID(statuses(t, rcv)), replies
}

// TestSeed_Reproducible: the same seed and sends give the same run: the
// same wamids, the same statuses (failures, duplicates, swaps) for each
// message, the same guests answering the same way. Another seed does not.
func TestSeed_Reproducible(t *testing.T) {
	w1, s1, r1 := run(t, 42)
	w2, s2, r2 := run(t, 42)
	if !slices.Equal(w1, w2) || !equalRuns(s1, s2) || !slices.Equal(r1, r2) {
		t.Fatalf("seed 42 twice differs:\n%v\n%v\n%v\n%v\n%v\n%v", w1, w2, s1, s2, r1, r2)
	}
	kinds := map[string]bool{}
	for _, order := range s1 {
		kinds[strings.Join(order, ",")] = true
	}
	if len(kinds) < 3 || len(r1) == 0 {
		t.Errorf("the rates made no variety to reproduce: %v, %d replies", kinds, len(r1))
	}
	w3, s3, _ := run(t, 43)
	if slices.Equal(w1, w3) || equalRuns(s1, remap(s3, w3, w1)) {
		t.Error("seeds 42 and 43 give the same run")
	}
}

func equalRuns(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

// remap renames run s's wamids from to into those of to's positions.
func remap(s map[string][]string, from, to []string) map[string][]string {
	out := map[string][]string{}
	for i, id := range from {
		out[to[i]] = s[id]
	}
	return out
}
