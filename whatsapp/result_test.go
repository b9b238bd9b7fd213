package whatsapp_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/parinayaos/engine/whatsapp"
)

// Real answer shapes. success and rateLimited are WHATSAPP.md §5.6 and §5.7
// verbatim; notAllowed carries the details of the real capture quoted in
// §5.7 (graph_error_131030.json); paramMismatch the real 132000 of §5.2.
const (
	successBody = `{
  "messaging_product": "whatsapp",
  "contacts": [ { "input": "+447700900123", "wa_id": "447700900123" } ],
  "messages": [ { "id": "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSQzFBMjNFNDU2Nzg5MEFCQ0RFAA==", "message_status": "accepted" } ]
}`
	successWAMID = "wamid.HBgMNDQ3NzAwOTAwMTIzFQIAERgSQzFBMjNFNDU2Nzg5MEFCQ0RFAA=="

	rateLimitedBody = `{
  "error": {
    "message": "(#130429) Rate limit hit",
    "type": "OAuthException",
    "code": 130429,
    "error_data": {
      "messaging_product": "whatsapp",
      "details": "Cloud API message throughput has been reached."
    },
    "error_subcode": 2494055,
    "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam"
  }
}`
	notAllowedBody = `{"error":{"message":"(#131030) Recipient phone number not in allowed list","type":"OAuthException","code":131030,
"error_data":{"messaging_product":"whatsapp","details":"Recipient phone number not in allowed list: Add recipient phone number to recipient list and try again."},
"fbtrace_id":"AqX1Yd2c0n5bW8Q7kQm0rZT"}}`
	paramMismatchBody = `{"error":{"message":"(#132000) Number of parameters does not match the expected number of params","type":"OAuthException","code":132000,
"error_data":{"messaging_product":"whatsapp","details":"body: number of localizable_params (0) does not match the expected number of params (1)"},
"fbtrace_id":"A9r0uZ4m3kS1yF2pT6vW8xQ"}}`
)

// graphError is a Graph API error answer with code (WHATSAPP.md §5.7).
func graphError(code int) []byte {
	return fmt.Appendf(nil, `{"error":{"message":"(#%d) Title","type":"OAuthException","code":%d,"error_data":{"messaging_product":"whatsapp","details":"details of %d"},"fbtrace_id":"AbC"}}`, code, code, code)
}

// Reference: WHATSAPP.md §5.6 (success), §5.7 (error shape), §6 and
// §10.7 (what each code means for a sender).
func TestParseResponse(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   whatsapp.Result // Err is checked with wantMalformed
		// wantMalformed says Err must wrap ErrMalformedAnswer (else nil).
		wantMalformed bool
	}{
		{"§5.6 success", 200, successBody, whatsapp.Result{
			Class: whatsapp.Accepted, WAMID: successWAMID, MessageStatus: "accepted", HTTPStatus: 200}, false},
		{"§5.6 held for quality", 200,
			`{"messaging_product":"whatsapp","messages":[{"id":"wamid.X","message_status":"held_for_quality_assessment"}]}`,
			whatsapp.Result{Class: whatsapp.Accepted, WAMID: "wamid.X", MessageStatus: "held_for_quality_assessment", HTTPStatus: 200}, false},
		{"§5.6 interactive: no message_status", 200,
			`{"messaging_product":"whatsapp","contacts":[{"input":"+15550101234","wa_id":"15550101234"}],"messages":[{"id":"wamid.Y"}]}`,
			whatsapp.Result{Class: whatsapp.Accepted, WAMID: "wamid.Y", HTTPStatus: 200}, false},
		{"§5.6 BSUID send", 200,
			`{"messaging_product":"whatsapp","contacts":[{"input":"US.13491208655302741918","wa_id":"","user_id":"US.13491208655302741918"}],"messages":[{"id":"wamid.Z","message_status":"accepted"}]}`,
			whatsapp.Result{Class: whatsapp.Accepted, WAMID: "wamid.Z", MessageStatus: "accepted", HTTPStatus: 200}, false},

		// A 2xx without a wamid: maybe accepted, id unknown.
		{"200 no messages", 200, `{"messaging_product":"whatsapp"}`,
			whatsapp.Result{Class: whatsapp.Transient, HTTPStatus: 200, MaybeSent: true}, true},
		{"200 empty messages", 200, `{"messages":[]}`,
			whatsapp.Result{Class: whatsapp.Transient, HTTPStatus: 200, MaybeSent: true}, true},
		{"200 empty id", 200, `{"messages":[{"id":"","message_status":"accepted"}]}`,
			whatsapp.Result{Class: whatsapp.Transient, HTTPStatus: 200, MaybeSent: true}, true},
		{"200 id not a string", 200, `{"messages":[{"id":12}]}`,
			whatsapp.Result{Class: whatsapp.Transient, HTTPStatus: 200, MaybeSent: true}, true},
		{"200 not JSON", 200, `<html>OK</html>`,
			whatsapp.Result{Class: whatsapp.Transient, HTTPStatus: 200, MaybeSent: true}, true},
		{"201 empty", 201, ``,
			whatsapp.Result{Class: whatsapp.Transient, HTTPStatus: 201, MaybeSent: true}, true},

		// §5.7 errors, real shapes.
		{"§5.7 130429", 400, rateLimitedBody, whatsapp.Result{
			Class: whatsapp.RateLimited, HTTPStatus: 400, Code: 130429,
			Title: "(#130429) Rate limit hit", Details: "Cloud API message throughput has been reached."}, false},
		{"§5.7 131030 capture", 400, notAllowedBody, whatsapp.Result{
			Class: whatsapp.Permanent, HTTPStatus: 400, Code: 131030,
			Title:   "(#131030) Recipient phone number not in allowed list",
			Details: "Recipient phone number not in allowed list: Add recipient phone number to recipient list and try again."}, false},
		{"§5.2 132000 capture", 400, paramMismatchBody, whatsapp.Result{
			Class: whatsapp.Mistake, HTTPStatus: 400, Code: 132000,
			Title:   "(#132000) Number of parameters does not match the expected number of params",
			Details: "body: number of localizable_params (0) does not match the expected number of params (1)"}, false},

		// The code decides over the HTTP status (§5.7: "Build your app's
		// error handling around error codes").
		{"131056 on 429", 429, string(graphError(131056)), whatsapp.Result{
			Class: whatsapp.PairLimited, HTTPStatus: 429, Code: 131056, Title: "(#131056) Title", Details: "details of 131056"}, false},
		{"132000 on 500", 500, string(graphError(132000)), whatsapp.Result{
			Class: whatsapp.Mistake, HTTPStatus: 500, Code: 132000, Title: "(#132000) Title", Details: "details of 132000"}, false},
		{"131000 on 400", 400, string(graphError(131000)), whatsapp.Result{
			Class: whatsapp.Transient, HTTPStatus: 400, Code: 131000, Title: "(#131000) Title", Details: "details of 131000"}, false},
		{"190 on 401", 401, string(graphError(190)), whatsapp.Result{
			Class: whatsapp.AccountBlocked, HTTPStatus: 401, Code: 190, Title: "(#190) Title", Details: "details of 190"}, false},
		{"explicit code 0", 400, `{"error":{"message":"(#0) AuthException","code":0}}`, whatsapp.Result{
			Class: whatsapp.AccountBlocked, HTTPStatus: 400, Title: "(#0) AuthException"}, false},

		// Unknown or missing code: by HTTP status.
		{"unknown code 400", 400, string(graphError(999999)), whatsapp.Result{
			Class: whatsapp.Mistake, HTTPStatus: 400, Code: 999999, Title: "(#999999) Title", Details: "details of 999999"}, false},
		{"unknown code 500", 500, string(graphError(999999)), whatsapp.Result{
			Class: whatsapp.Transient, HTTPStatus: 500, Code: 999999, Title: "(#999999) Title", Details: "details of 999999"}, false},
		{"unknown code 503", 503, string(graphError(131999)), whatsapp.Result{
			Class: whatsapp.Transient, HTTPStatus: 503, Code: 131999, Title: "(#131999) Title", Details: "details of 131999"}, false},
		{"unknown code 429", 429, string(graphError(999999)), whatsapp.Result{
			Class: whatsapp.RateLimited, HTTPStatus: 429, Code: 999999, Title: "(#999999) Title", Details: "details of 999999"}, false},
		{"unknown code 401", 401, string(graphError(999999)), whatsapp.Result{
			Class: whatsapp.AccountBlocked, HTTPStatus: 401, Code: 999999, Title: "(#999999) Title", Details: "details of 999999"}, false},
		{"unknown code 403", 403, string(graphError(999999)), whatsapp.Result{
			Class: whatsapp.AccountBlocked, HTTPStatus: 403, Code: 999999, Title: "(#999999) Title", Details: "details of 999999"}, false},
		{"null code 400", 400, `{"error":{"message":"odd","code":null}}`, whatsapp.Result{
			Class: whatsapp.Mistake, HTTPStatus: 400, Title: "odd"}, false},
		{"string code 400", 400, `{"error":{"message":"odd","code":"130429"}}`, whatsapp.Result{
			Class: whatsapp.Mistake, HTTPStatus: 400, Title: "odd"}, false},
		{"error without code 403", 403, `{"error":{"message":"forbidden"}}`, whatsapp.Result{
			Class: whatsapp.AccountBlocked, HTTPStatus: 403, Title: "forbidden"}, false},

		// No Graph error object at all.
		{"502 proxy page", 502, `<html><body>Bad Gateway</body></html>`,
			whatsapp.Result{Class: whatsapp.Transient, HTTPStatus: 502, MaybeSent: true}, true},
		{"504 empty", 504, ``,
			whatsapp.Result{Class: whatsapp.Transient, HTTPStatus: 504, MaybeSent: true}, true},
		{"429 empty", 429, ``, whatsapp.Result{Class: whatsapp.RateLimited, HTTPStatus: 429}, true},
		{"401 empty", 401, ``, whatsapp.Result{Class: whatsapp.AccountBlocked, HTTPStatus: 401}, true},
		{"404 empty", 404, `Not Found`, whatsapp.Result{Class: whatsapp.Mistake, HTTPStatus: 404}, true},
		{"302 redirect", 302, ``, whatsapp.Result{Class: whatsapp.Mistake, HTTPStatus: 302}, true},

		// A wamid outside a 2xx is no acceptance.
		{"400 with messages", 400, `{"messages":[{"id":"wamid.Q"}],"error":{"code":100,"message":"(#100) Invalid parameter"}}`,
			whatsapp.Result{Class: whatsapp.Mistake, HTTPStatus: 400, Code: 100, Title: "(#100) Invalid parameter"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := whatsapp.ParseResponse(tt.status, []byte(tt.body))
			if tt.wantMalformed != errors.Is(got.Err, whatsapp.ErrMalformedAnswer) {
				t.Errorf("Err = %v, want ErrMalformedAnswer: %v", got.Err, tt.wantMalformed)
			}
			if !tt.wantMalformed && got.Err != nil {
				t.Errorf("Err = %v, want nil", got.Err)
			}
			got.Err = nil
			if got != tt.want {
				t.Errorf("ParseResponse(%d) =\n %+v\nwant\n %+v", tt.status, got, tt.want)
			}
		})
	}
}

// classTable is WHATSAPP.md §6 and §10.7's codes with the class each must
// have: every code the class table of the package doc names, and the
// edges of its ranges.
var classTable = []struct {
	code int
	want whatsapp.Class
}{
	{130429, whatsapp.RateLimited}, {80007, whatsapp.RateLimited}, {4, whatsapp.RateLimited},
	{131056, whatsapp.PairLimited},
	{131047, whatsapp.WindowClosed},
	{131026, whatsapp.Permanent}, {131050, whatsapp.Permanent}, {131045, whatsapp.Permanent},
	{133010, whatsapp.Permanent}, {131030, whatsapp.Permanent}, {131049, whatsapp.Permanent},
	{130472, whatsapp.Permanent}, {130497, whatsapp.Permanent},
	{100, whatsapp.Mistake}, {131008, whatsapp.Mistake}, {131009, whatsapp.Mistake}, {131051, whatsapp.Mistake},
	{132000, whatsapp.Mistake}, {132001, whatsapp.Mistake}, {132005, whatsapp.Mistake}, {132007, whatsapp.Mistake},
	{132012, whatsapp.Mistake}, {132015, whatsapp.Mistake}, {132016, whatsapp.Mistake}, {132018, whatsapp.Mistake},
	{132999, whatsapp.Mistake}, {132068, whatsapp.Mistake}, {131063, whatsapp.Mistake},
	{368, whatsapp.AccountBlocked}, {131048, whatsapp.AccountBlocked}, {131031, whatsapp.AccountBlocked},
	{131042, whatsapp.AccountBlocked}, {131064, whatsapp.AccountBlocked}, {0, whatsapp.AccountBlocked},
	{190, whatsapp.AccountBlocked}, {10, whatsapp.AccountBlocked},
	{200, whatsapp.AccountBlocked}, {250, whatsapp.AccountBlocked}, {299, whatsapp.AccountBlocked},
	{131000, whatsapp.Transient}, {1, whatsapp.Transient}, {2, whatsapp.Transient},
	{131016, whatsapp.Transient}, {133004, whatsapp.Transient}, {131057, whatsapp.Transient},
}

// Reference: WHATSAPP.md §6 and §10.7. Every code, as ClassOf and as an
// error answer (HTTP 400, Meta's usual status: the code must decide).
func TestClassOf(t *testing.T) {
	for _, tt := range classTable {
		if got := whatsapp.ClassOf(tt.code); got != tt.want {
			t.Errorf("ClassOf(%d) = %v, want %v", tt.code, got, tt.want)
		}
		r := whatsapp.ParseResponse(400, graphError(tt.code))
		if r.Class != tt.want || r.Code != tt.code || r.Err != nil || r.MaybeSent {
			t.Errorf("ParseResponse(400, code %d) = %+v, want class %v", tt.code, r, tt.want)
		}
	}
	// Just outside the ranges, and unknown codes: Mistake from ClassOf,
	// by status from ParseResponse (a 500 makes them Transient, which
	// tells them apart from the known Mistakes above).
	for _, code := range []int{131999, 133000, 199, 300, 3, -1, 999999} {
		if got := whatsapp.ClassOf(code); got != whatsapp.Mistake {
			t.Errorf("ClassOf(%d) = %v, want mistake (unknown)", code, got)
		}
		if r := whatsapp.ParseResponse(500, graphError(code)); r.Class != whatsapp.Transient {
			t.Errorf("ParseResponse(500, unknown code %d) = %v, want transient", code, r.Class)
		}
	}
}

func TestClass_String(t *testing.T) {
	tests := []struct {
		class     whatsapp.Class
		want      string
		retryable bool
	}{
		{whatsapp.Accepted, "accepted", false},
		{whatsapp.RateLimited, "rate_limited", true},
		{whatsapp.PairLimited, "pair_limited", true},
		{whatsapp.WindowClosed, "window_closed", false},
		{whatsapp.Permanent, "permanent", false},
		{whatsapp.Mistake, "mistake", false},
		{whatsapp.AccountBlocked, "account_blocked", false},
		{whatsapp.Transient, "transient", true},
		{whatsapp.Class(8), "Class(8)", false},
		{whatsapp.Class(-1), "Class(-1)", false},
	}
	for _, tt := range tests {
		if got := tt.class.String(); got != tt.want {
			t.Errorf("Class(%d).String() = %q, want %q", int(tt.class), got, tt.want)
		}
		if got := (whatsapp.Result{Class: tt.class}).Retryable(); got != tt.retryable {
			t.Errorf("Result{%v}.Retryable() = %v, want %v", tt.class, got, tt.retryable)
		}
	}
}

// oracleCode is error.code of body read another way than ParseResponse
// does (one generic decode, numbers kept as written): 0 when the body is
// not one JSON object with an integer error.code.
func oracleCode(body []byte) int {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return 0
	}
	if _, err := dec.Token(); err != io.EOF { // trailing data: not one JSON value
		return 0
	}
	top, _ := v.(map[string]any)
	errObj, _ := top["error"].(map[string]any)
	num, ok := errObj["code"].(json.Number)
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(string(num), 10, strconv.IntSize)
	if err != nil {
		return 0
	}
	return int(n)
}

// FuzzParseResponse checks that ParseResponse never panics and keeps its
// promises on any answer (WHATSAPP.md §5.6, §5.7): Accepted iff a wamid is
// set (and only on a 2xx), Code is the body's error.code, MaybeSent only
// with Transient, the status is kept, the class is one of the eight.
//
//	go test ./whatsapp -run '^$' -fuzz FuzzParseResponse -fuzztime 30s
func FuzzParseResponse(f *testing.F) {
	for _, seed := range []struct {
		status int
		body   string
	}{
		{200, successBody}, {400, rateLimitedBody}, {400, notAllowedBody}, {400, paramMismatchBody},
		{200, `{"messages":[]}`}, {200, `{"messages":[{"id":""}]}`}, {200, `{"messages":{"id":"x"}}`},
		{429, string(graphError(131056))}, {500, `<html>`}, {502, ``}, {401, `{"error":{}}`},
		{400, `{"error":{"code":null}}`}, {400, `{"error":{"code":1e3}}`}, {400, `{"error":{"code":"4"}}`},
		{400, `{"error":{"code":99999999999999999999}}`}, {400, `{"error":{"code":1},"error":{"code":2}}`},
		{400, `{"Error":{"Code":4}}`}, {200, `{"messages":[{"id":"w"}]} trailing`}, {0, `null`}, {-1, `[]`},
	} {
		f.Add(seed.status, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		r := whatsapp.ParseResponse(status, body)
		if r.HTTPStatus != status {
			t.Errorf("HTTPStatus = %d, want %d", r.HTTPStatus, status)
		}
		if (r.Class == whatsapp.Accepted) != (r.WAMID != "") {
			t.Errorf("class %v with wamid %q: Accepted iff a wamid", r.Class, r.WAMID)
		}
		if r.Class == whatsapp.Accepted && (status < 200 || status > 299 || r.Err != nil || r.MaybeSent) {
			t.Errorf("Accepted on status %d, err %v, maybe sent %v", status, r.Err, r.MaybeSent)
		}
		if r.MessageStatus != "" && r.Class != whatsapp.Accepted {
			t.Errorf("message_status %q on class %v", r.MessageStatus, r.Class)
		}
		if r.MaybeSent && r.Class != whatsapp.Transient {
			t.Errorf("MaybeSent on class %v", r.Class)
		}
		if status >= 200 && status <= 299 && r.Class != whatsapp.Accepted && !(r.Class == whatsapp.Transient && r.MaybeSent) {
			t.Errorf("2xx without wamid is %v (maybe sent %v), want transient and maybe sent", r.Class, r.MaybeSent)
		}
		if strings.HasPrefix(r.Class.String(), "Class(") {
			t.Errorf("class %v is none of the eight", r.Class)
		}
		if want := oracleCode(body); r.Code != want {
			t.Errorf("Code = %d, body's error.code is %d", r.Code, want)
		}
	})
}
