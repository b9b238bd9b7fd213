package whatsapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzValidSplit: on valid JSON, validObject, validArray and jsonString
// read exactly what json.Unmarshal reads.
func FuzzValidSplit(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, ` { "a" : 1 , "b":[1,{"c":"}"}], "a":"x\"y" } `, `{"k\u00e9y":"v\\"}`,
		`[1, "two", {"3":[null,true,false]}, -4.5e6 ]`, `"plain"`, `"esc\n\u0041"`, `"\xff"`, `{"a":{"b":{"c":[]}}}`, `12`, `null`} {
		f.Add([]byte(s))
	}
	if paths, _ := filepath.Glob("testdata/webhooks/*.json"); len(paths) > 0 {
		for _, p := range paths {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if !json.Valid(raw) {
			return
		}
		// null decodes without error into a nil map, slice or "": the
		// parser reads it as no object, no array, no string, as these do.
		trimmed := bytes.TrimSpace(raw)
		var wantObj map[string]json.RawMessage
		if json.Unmarshal(raw, &wantObj) != nil {
			wantObj = nil
		}
		gotObj := validObject(raw)
		if (wantObj == nil) != (gotObj == nil) {
			t.Fatalf("%q: object %v, want %v", raw, gotObj, wantObj)
		}
		if len(gotObj) != len(wantObj) {
			t.Fatalf("%q: %d members, want %d", raw, len(gotObj), len(wantObj))
		}
		for k, v := range wantObj {
			if g, ok := gotObj[k]; !ok || !bytes.Equal(g, v) {
				t.Fatalf("%q: member %q = %q, want %q", raw, k, g, v)
			}
		}
		var wantList []json.RawMessage
		listErr := json.Unmarshal(raw, &wantList)
		if trimmed[0] != '[' {
			listErr = errNotThat
		}
		gotList, ok := validArray(raw)
		if (listErr == nil) != ok || len(gotList) != len(wantList) {
			t.Fatalf("%q: array %q (%v), want %q (%v)", raw, gotList, ok, wantList, listErr)
		}
		for i := range wantList {
			if !bytes.Equal(gotList[i], wantList[i]) {
				t.Fatalf("%q: item %d = %q, want %q", raw, i, gotList[i], wantList[i])
			}
		}
		var wantStr string
		strErr := json.Unmarshal(raw, &wantStr)
		if trimmed[0] != '"' {
			strErr = errNotThat
		}
		gotStr, ok := jsonString(trimmed)
		if (strErr == nil) != ok || gotStr != wantStr {
			t.Fatalf("%q: string %q (%v), want %q (%v)", raw, gotStr, ok, wantStr, strErr)
		}
	})
}

var errNotThat = errors.New("not of that kind")

// BenchmarkParseWebhookStatus parses one status body of the shape the
// webhook-burst scenario posts.
func BenchmarkParseWebhookStatus(b *testing.B) {
	body := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":{` +
		`"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},` +
		`"statuses":[{"id":"wamid.HBgMOTE5ODEyMzQ1Njc4FQIAERgSQkI1RjNCNzYzRjA4RkE4RjYA","status":"delivered","timestamp":"1764600000",` +
		`"recipient_id":"919812345678","biz_opaque_callback_data":"w-abc123/c-1.17",` +
		`"pricing":{"billable":true,"pricing_model":"PMP","type":"regular","category":"utility"}}]},"field":"messages"}]}]}`)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := ParseWebhook(body); err != nil {
			b.Fatal(err)
		}
	}
}
