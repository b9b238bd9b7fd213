package whatsapp_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/parinayaos/engine/whatsapp"
)

// isOneJSONValue says whether b is exactly one JSON value, read another way
// than ParseWebhook does (a streaming decode and a check for trailing
// data rather than json.Valid).
func isOneJSONValue(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	var v json.RawMessage
	if dec.Decode(&v) != nil {
		return false
	}
	_, err := dec.Token()
	return err == io.EOF
}

// FuzzParseWebhook checks that ParseWebhook never panics and keeps its
// promises on any bytes (WHATSAPP.md §3.1: Meta's shapes move, §3.11: real
// traffic breaks parsers): an error exactly when the body is not JSON, and
// then ErrNotJSON and nothing else; otherwise every notification has a
// kind, a key made of its own fields, the one pointer its kind says, Raw
// valid JSON, times that marshal; and the same body compacted or indented
// gives the same keys (§4: redeliveries dedupe).
//
//	go test ./whatsapp -run '^$' -fuzz FuzzParseWebhook -fuzztime 60s
func FuzzParseWebhook(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "webhooks", "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, seed := range []string{
		``, `null`, `[]`, `{}`, `{"entry":[]}`, `{"entry":[null,1,"x",{}]}`, `{"entry":[{"changes":[{}]}]}`,
		`{"entry":[{"id":1,"changes":[{"field":"messages","value":{"messages":[{"id":"m","type":"edit","timestamp":1e400}]}}]}]}`,
		`{"entry":[{"changes":[{"field":"messages","value":{"statuses":[{"id":"w","status":"read","timestamp":"-9223372036854775808"}]}}]}]}`,
		`{"entry":[{"changes":[{"field":"messages","value":{"contacts":[{"wa_id":"1"},{"wa_id":"1"}],"messages":[{"id":"m","from":"1"}]}}]}]}`,
		`{"entry":[{"changes":[{"field":"user_preferences","value":{"user_preferences":[{"wa_id":"1","value":"stop","timestamp":"x"}]}}]}]}`,
		`{"entry":[{"changes":[{"field":"messages","value":{"messages":[{"id":"m","type":"interactive","interactive":{"type":"list_reply","list_reply":[]}}]}}]}]}`,
		"{\"entry\":[{\"changes\":[{\"field\":\"x\",\"value\":{\"s\":\"\xff\\ud800\"}}]}]}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ns, err := whatsapp.ParseWebhook(body)
		if valid := isOneJSONValue(body); err != nil {
			if valid {
				t.Fatalf("valid JSON, err %v", err)
			}
			if !errors.Is(err, whatsapp.ErrNotJSON) || ns != nil {
				t.Fatalf("err %v with %d notifications, want ErrNotJSON alone", err, len(ns))
			}
			return
		} else if !valid {
			t.Fatalf("not JSON, yet %d notifications and no error", len(ns))
		}
		checkNotifications(t, ns)

		for _, re := range []func(*bytes.Buffer, []byte) error{
			json.Compact,
			func(dst *bytes.Buffer, src []byte) error { return json.Indent(dst, src, " ", "\t") },
		} {
			var other bytes.Buffer
			if err := re(&other, body); err != nil {
				t.Fatalf("re-encoding valid JSON: %v", err)
			}
			again, err := whatsapp.ParseWebhook(other.Bytes())
			if err != nil {
				t.Fatalf("re-encoded body: %v", err)
			}
			if !slices.Equal(keys(again), keys(ns)) {
				t.Fatalf("keys change with whitespace:\n got %q\nwant %q", keys(again), keys(ns))
			}
		}
	})
}
