package httpapi

import (
	"encoding/json"
	"strings"
	"sync"

	"github.com/valyala/fasthttp"
)

// The OpenAPI 3 description served at /openapi.json. Every registered
// route must have an entry in routeDocs (TestOpenAPI_CoversEveryRoute).

type routeDoc struct {
	summary  string
	request  string // schema name of the JSON body, or ""
	response string // schema name of the 2xx answer, or ""
	status   string // the success status, default "200"
	query    []string
	raw      bool // the answer is not JSON (metrics)
}

var routeDocs = map[string]routeDoc{
	"GET /healthz":      {summary: "The process is up.", response: "Health"},
	"GET /readyz":       {summary: "Storage is open and recovery is done (503 not_ready otherwise).", response: "Health"},
	"GET /metrics":      {summary: "Prometheus metrics in the text format.", raw: true},
	"GET /openapi.json": {summary: "This description."},

	"POST /v1/weddings":                   {summary: "Create a wedding (root token).", request: "WeddingIn", response: "Wedding", status: "201"},
	"GET /v1/weddings":                    {summary: "List wedding ids in order (root token).", response: "WeddingList", query: []string{"limit", "after"}},
	"POST /v1/admin/snapshots":            {summary: "Snapshot one wedding (wedding_id) or all of them now (root token).", request: "SnapshotIn", response: "SnapshotList"},
	"GET /v1/weddings/{w}":                {summary: "A wedding.", response: "Wedding"},
	"PATCH /v1/weddings/{w}":              {summary: "Change the wedding's name or slug (root, owner); a taken slug is 409 duplicate_slug.", request: "WeddingPatchIn", response: "Wedding"},
	"POST /v1/weddings/{w}/tokens":        {summary: "Issue a token (root, owner); the token is shown once.", request: "TokenIn", response: "Token", status: "201"},
	"GET /v1/weddings/{w}/tokens":         {summary: "The wedding's tokens, revoked ones included, without secrets (root, owner).", response: "TokenList"},
	"DELETE /v1/weddings/{w}/tokens/{id}": {summary: "Revoke a token (root, owner).", status: "204"},

	"POST /v1/weddings/{w}/events":       {summary: "Add an event.", request: "EventIn", response: "Event", status: "201"},
	"GET /v1/weddings/{w}/events":        {summary: "Events in time order.", response: "EventList"},
	"PATCH /v1/weddings/{w}/events/{e}":  {summary: "Change an event's given fields.", request: "EventIn", response: "Event"},
	"DELETE /v1/weddings/{w}/events/{e}": {summary: "Delete an event (one with RSVPs needs ?force=true).", status: "204", query: []string{"force"}},

	"POST /v1/weddings/{w}/units":       {summary: "Add a guest unit (household) with its members.", request: "UnitIn", response: "Unit", status: "201"},
	"POST /v1/weddings/{w}/units/batch": {summary: "Add up to 5000 units; valid ones are stored even when others fail.", request: "UnitBatchIn", response: "UnitBatchResult"},
	"GET /v1/weddings/{w}/units":        {summary: "Units the token may see, in id order.", response: "UnitList", query: []string{"side", "tag", "q", "event", "rsvp", "limit", "after"}},
	"GET /v1/weddings/{w}/units/{u}":    {summary: "A unit.", response: "Unit"},
	"PATCH /v1/weddings/{w}/units/{u}":  {summary: "Change a unit's given fields (members replace the list; members with an id keep it).", request: "UnitIn", response: "Unit"},
	"DELETE /v1/weddings/{w}/units/{u}": {summary: "Delete a unit with its invitations and RSVPs.", status: "204"},

	"POST /v1/weddings/{w}/invitations":        {summary: "Invite units (unit_ids, all, side or tag) to events.", request: "InviteIn", response: "InviteResult"},
	"POST /v1/weddings/{w}/invitations/remove": {summary: "Remove invitations.", request: "UninviteIn", response: "UninviteResult"},
	"PUT /v1/weddings/{w}/rsvps/{u}/{e}":       {summary: "Set an RSVP on a guest's behalf (audited).", request: "RSVPIn", response: "RSVP"},
	"GET /v1/weddings/{w}/rsvps":               {summary: "Invitations with their RSVPs (pending included), by unit then event time.", response: "RSVPList", query: []string{"event", "status", "unit", "limit", "after"}},

	"POST /v1/weddings/{w}/campaigns": {summary: "Start a WhatsApp campaign (invite or reminder) to an audience limited to units invited to its events; opted-out, unconsented and phoneless contacts are skipped and counted.",
		request: "CampaignIn", response: "CampaignCreated", status: "202"},
	"GET /v1/weddings/{w}/campaigns":             {summary: "Campaigns, newest first, each with its counts and send plan.", response: "CampaignList"},
	"GET /v1/weddings/{w}/campaigns/{c}":         {summary: "A campaign: messages by status (each counted once), replies, and the send plan under the messaging tier.", response: "Campaign"},
	"POST /v1/weddings/{w}/campaigns/{c}/pause":  {summary: "Pause a campaign: no new message leaves until it is resumed.", response: "Campaign"},
	"POST /v1/weddings/{w}/campaigns/{c}/resume": {summary: "Resume a paused campaign.", response: "Campaign"},
	"POST /v1/weddings/{w}/campaigns/{c}/cancel": {summary: "Cancel a campaign for good; what was not sent is never sent.", response: "Campaign"},
	"GET /v1/weddings/{w}/messages":              {summary: "Outbound messages with their status history, by campaign then sending order.", response: "MessageList", query: []string{"status", "campaign", "unit", "limit", "after"}},
	"PUT /v1/weddings/{w}/people/{p}/consent":    {summary: "Record an opt-in or opt-out in the person's consent ledger (kept by their phone; audited).", request: "ConsentIn", response: "Consent"},
	"GET /v1/weddings/{w}/people/{p}/consent":    {summary: "The person's consent ledger: every entry with status, source, who and when.", response: "Consent"},

	"GET /v1/admin/inbox":                                 {summary: "Stored WhatsApp webhook bodies kept and not applied (unroutable, unprocessable), with why (root token).", response: "InboxList", query: []string{"state", "limit", "after"}},
	"GET /v1/admin/guest-keys":                            {summary: "The key ids (kid) that sign and verify guests' links, current first, with when each was made by a rotation (absent for the first key of an older data directory); never the keys (root token).", response: "GuestKeyList"},
	"POST /v1/admin/guest-keys/rotate":                    {summary: "Make a new guest-token key the current one (g1, g2, …; never reused), durably: new links are signed with it, links of the previous kids keep working until retired (root token).", response: "GuestKey"},
	"DELETE /v1/admin/guest-keys/{kid}":                   {summary: "Retire a previous guest-token key: every link signed with it stops working at once, its key is deleted. 409 guest_key_current for the current kid (rotate first); 404 for a kid not listed (root token).", status: "204"},
	"POST /v1/admin/inbox/replay":                         {summary: "Process again every stored body received since from; nothing already applied changes (root token).", request: "ReplayIn", response: "ReplayResult"},
	"GET /v1/weddings/{w}/attention":                      {summary: "Replies the engine could not turn into an RSVP with certainty, oldest first.", response: "AttentionList"},
	"POST /v1/weddings/{w}/attention/{a}/resolve":         {summary: "Resolve a reply with RSVPs (recorded at the time the guest wrote; audited) or dismiss it.", request: "ResolveIn", response: "Resolved"},
	"POST /v1/weddings/{w}/imports":                       {summary: "Import contacts: the file is the body (CSV with a header row, or vCard 3.0/4.0), name its file with ?name=; format csv|vcf, side and tag apply to every row. Invalid rows are reported, not fatal; a phone already in the wedding never overwrites: different data becomes a merge suggestion.", response: "ImportResult", query: []string{"format", "side", "tag", "name"}},
	"GET /v1/weddings/{w}/export.csv":                     {summary: "The guest list as CSV: a row per person (unit_id, household, side, tags, person_id, name, phone, email, primary, then each event's status and headcount); ?event=e: the caterer's sheet for one function, a row per invited unit and a TOTAL row; ?excel=1 adds a UTF-8 BOM. A side admin's sheet holds its side only.", raw: true, query: []string{"event", "excel"}},
	"GET /v1/weddings/{w}/imports":                        {summary: "Past imports, newest first, with their counts and source names.", response: "ImportList"},
	"GET /v1/weddings/{w}/merge-suggestions":              {summary: "Open merge suggestions (same_phone from imports, same_name within a household or across the sides' lists), oldest first.", response: "MergeList"},
	"POST /v1/weddings/{w}/merge-suggestions/{m}/accept":  {summary: "Accept a suggestion: same_phone takes the incoming name and email; same_name merges the incoming person into the existing one (and the households with merge_units), keeping invitations, RSVPs, messages and consent. Audited.", request: "MergeAcceptIn", response: "MergeResolved"},
	"POST /v1/weddings/{w}/merge-suggestions/{m}/dismiss": {summary: "Dismiss a suggestion (audited).", response: "MergeResolved"},
	"GET /w/{slug}":                                       {summary: "The published wedding website (HTML): public events only; invite_only shows a page without events; password asks for the password (POST /w/{slug}). 404 page when unknown or unpublished.", raw: true},
	"POST /w/{slug}":                                      {summary: "The website's password form (application/x-www-form-urlencoded: password): the website when right, 403 with the form again otherwise.", raw: true},
	"GET /w/{slug}/g/{token}":                             {summary: "A household's own page (HTML): its invited events, answers, the RSVP form, a WhatsApp button and the gifts block; a token that does not stand is a page without data (404).", raw: true},
	"POST /w/{slug}/g/{token}/rsvp":                       {summary: "The fallback RSVP form (application/x-www-form-urlencoded: csrf, status_<event_id>, headcount_<event_id>): answers as source web, then 303 to the page; 403 without a valid csrf.", raw: true},
	"GET /admin/{w}":                                      {summary: "The admins' dashboard (HTML, holds no data): asks for a token once (kept in session storage), then shows the headcount, pending households, campaign funnels and the attention list, live from GET .../headcount/stream. Served for any well-formed id (it reveals nothing); 404 page for an id that cannot be one.", raw: true},
	"GET /admin/static/dashboard.js":                      {summary: "The dashboard's script (text/javascript), embedded.", raw: true},
	"GET /webhooks/whatsapp":                              {summary: "Meta's subscription handshake: the hub.challenge back when hub.verify_token matches (403 otherwise).", raw: true, query: []string{"hub.mode", "hub.verify_token", "hub.challenge"}},
	"POST /webhooks/whatsapp":                             {summary: "WhatsApp notifications, signed with X-Hub-Signature-256 (401 otherwise).", raw: true},
	"GET /sandbox/messages":                               {summary: "Sandbox mode: what the sandbox accepted for a phone (?to=), oldest first.", raw: true, query: []string{"to", "limit", "after"}},
	"GET /sandbox/stats":                                  {summary: "Sandbox mode: the sandbox's counters.", raw: true},
	"POST /sandbox/reply":                                 {summary: "Sandbox mode: make a guest tap a button, pick a list row or type a reply.", raw: true},
	"GET /sandbox/chat/{phone}":                           {summary: "Sandbox mode: the WhatsApp simulator (HTML): the conversation with a phone (E.164, '+' as %2B or left out) as the guest sees it, oldest first, its buttons and list rows as forms.", raw: true},
	"POST /sandbox/chat/{phone}":                          {summary: "Sandbox mode: the simulator's forms (application/x-www-form-urlencoded: one of button, list_row, text): the guest replies through the sandbox (the signed webhook is delivered), then 303 to the page.", raw: true},

	"PUT /v1/weddings/{w}/website":           {summary: "Set the wedding's website, all of it (root, owner, admin); a password (privacy password) is stored hashed and never answered.", request: "WebsiteIn", response: "Website"},
	"GET /v1/weddings/{w}/website":           {summary: "The website's configuration (root, owner, admin); 404 until set.", response: "Website"},
	"POST /v1/weddings/{w}/website/publish":  {summary: "Publish the website as its next version (root, owner, admin).", response: "Publication"},
	"POST /v1/weddings/{w}/units/{u}/link":   {summary: "A new link to the unit's own page, with a signed guest token (shown once). Earlier links keep working until revoked, unless rotate: true, which revokes them in the same durable change. Expiry: expires_at, or expires_in_days (1 to 732), default 180 days. Body optional.", request: "GuestLinkIn", response: "GuestLink", status: "201"},
	"DELETE /v1/weddings/{w}/units/{u}/link": {summary: "Revoke every link of the unit.", status: "204"},
	"GET /v1/weddings/{w}/units/{u}/links":   {summary: "The unit's links that have not expired, live and revoked (revoked ones are remembered until they expire, at most 16 a unit), newest first; never a token.", response: "GuestLinkStateList"},

	"GET /v1/weddings/{w}/headcount":        {summary: "Per-event headcounts from the published durable view (a side_admin sees its side).", response: "Headcount"},
	"GET /v1/weddings/{w}/headcount/stream": {summary: "Server-Sent Events (text/event-stream): the headcount (as GET .../headcount, in the token's scope) at once, then again after each durable change that moves it; a comment every 15 s keeps it open. 429 past 1,000 streams a wedding or 10,000 an engine.", raw: true},
	"GET /v1/weddings/{w}/audit":            {summary: "Who changed what, when, and what it replaced, newest first, over the wedding's whole life (not side_admin). Filters: unit, by (token id or root), kind, from (inclusive) and to (exclusive), RFC 3339; a filtered page may be short and still carry next.", response: "AuditList", query: []string{"limit", "before", "after", "unit", "by", "kind", "from", "to"}},
}

func obj(props map[string]any, required ...string) map[string]any {
	o := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

func ref(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }
func arr(item any) map[string]any    { return map[string]any{"type": "array", "items": item} }

var (
	str     = map[string]any{"type": "string"}
	integer = map[string]any{"type": "integer"}
	boolean = map[string]any{"type": "boolean"}
	tm      = map[string]any{"type": "string", "format": "date-time"}
)

func enum(vals ...string) map[string]any { return map[string]any{"type": "string", "enum": vals} }

func listOf(item string) map[string]any {
	return obj(map[string]any{"items": arr(ref(item)), "next": str}, "items", "next")
}

var counts = map[string]any{"invited_units": integer, "invited_seats": integer, "yes_units": integer,
	"yes_headcount": integer, "maybe_units": integer, "no_units": integer, "pending_units": integer}

func withCounts(extra map[string]any) map[string]any {
	p := map[string]any{}
	for k, v := range counts {
		p[k] = v
	}
	for k, v := range extra {
		p[k] = v
	}
	return p
}

var schemas = map[string]any{
	"Error":  obj(map[string]any{"error": obj(map[string]any{"code": str, "message": str, "field": str, "existing_id": str}, "code", "message")}, "error"),
	"Health": map[string]any{"type": "object", "additionalProperties": str},
	"WeddingIn": obj(map[string]any{"name": str, "slug": str, "date": map[string]any{"type": "string", "format": "date"},
		"timezone": str, "region": str}, "name", "slug", "date"),
	"WeddingPatchIn": obj(map[string]any{"name": str, "slug": str}),
	"Wedding": obj(map[string]any{"id": str, "name": str, "slug": str, "date": str, "timezone": str, "region": str,
		"created_at": tm, "seq": integer}),
	"WeddingList":  listOf("WeddingRef"),
	"WeddingRef":   obj(map[string]any{"id": str}),
	"SnapshotIn":   obj(map[string]any{"wedding_id": str}),
	"SnapshotList": listOf("SnapshotRef"),
	"SnapshotRef":  obj(map[string]any{"wedding_id": str, "seq": integer}),
	"TokenIn":      obj(map[string]any{"role": enum("owner", "admin", "side_admin", "viewer"), "side": enum("bride", "groom"), "label": str}, "role"),
	"Token":        obj(map[string]any{"id": str, "token": str, "role": str, "side": str, "label": str, "created_at": tm, "revoked": boolean}),
	"TokenList":    listOf("Token"),
	"EventIn": obj(map[string]any{"name": str, "starts_at": tm, "ends_at": tm, "venue": str,
		"visibility": enum("public", "invite_only")}),
	"Event": obj(map[string]any{"id": str, "name": str, "starts_at": tm, "ends_at": tm, "venue": str,
		"visibility": enum("public", "invite_only")}),
	"EventList": listOf("Event"),
	"MemberIn":  obj(map[string]any{"id": str, "name": str, "phone": str, "email": str, "primary": boolean}, "name"),
	"Member": obj(map[string]any{"id": str, "name": str, "phone": map[string]any{"type": "string", "description": "E.164"}, "email": str, "primary": boolean,
		"sources": arr(obj(map[string]any{"import_id": str, "file": str, "row": integer}))}),
	"UnitIn": obj(map[string]any{"name": str, "side": enum("bride", "groom", "both"), "tags": arr(str),
		"members": arr(ref("MemberIn"))}),
	"Unit": obj(map[string]any{"id": str, "name": str, "side": enum("bride", "groom", "both"), "tags": arr(str),
		"members": arr(ref("Member")), "invitations": arr(ref("UnitInvitation")), "created_at": tm, "updated_at": tm}),
	"UnitInvitation": obj(map[string]any{"event_id": str, "seats": integer, "status": str, "headcount": integer}),
	"UnitList":       listOf("Unit"),
	"UnitBatchIn":    obj(map[string]any{"units": arr(ref("UnitIn"))}, "units"),
	"UnitBatchResult": obj(map[string]any{"results": arr(obj(map[string]any{"index": integer, "id": str,
		"error": obj(map[string]any{"code": str, "message": str, "field": str, "existing_id": str})}))}),
	"InviteIn": obj(map[string]any{"event_ids": arr(str), "unit_ids": arr(str), "all": boolean,
		"side": enum("bride", "groom", "both"), "tag": str, "seats": integer}, "event_ids"),
	"InviteResult":   obj(map[string]any{"invited": integer, "already": integer}),
	"UninviteIn":     obj(map[string]any{"event_ids": arr(str), "unit_ids": arr(str)}, "event_ids", "unit_ids"),
	"UninviteResult": obj(map[string]any{"removed": integer}),
	"RSVPIn":         obj(map[string]any{"status": enum("yes", "no", "maybe", "pending"), "headcount": integer, "note": str}, "status"),
	"RSVP": obj(map[string]any{"unit_id": str, "event_id": str, "status": enum("yes", "no", "maybe", "pending"),
		"headcount": integer, "seats": integer, "source": enum("admin", "whatsapp", "web"), "answered_at": tm, "note": str, "seq": integer}),
	"RSVPList": listOf("RSVP"),
	"Headcount": obj(map[string]any{"wedding_id": str, "seq": integer, "as_of": tm,
		"events": arr(obj(withCounts(map[string]any{"event_id": str, "name": str}))),
		"totals": obj(withCounts(nil))}),
	"Audit": obj(map[string]any{"seq": integer, "at": tm, "by": str, "kind": str,
		"detail": map[string]any{"type": "object"},
		"before": map[string]any{"type": "object", "nullable": true, "description": "what the change replaced; null: nothing; absent: nothing to show or not known"}}),
	"AuditList": listOf("Audit"),
	"AttentionList": obj(map[string]any{"items": arr(obj(map[string]any{"id": str, "unit_id": str, "person_id": str, "text": str,
		"received_at": tm, "reason": str, "message_id": str}))}, "items"),
	"ResolveIn": obj(map[string]any{"rsvps": arr(obj(map[string]any{"event_id": str, "status": enum("yes", "no", "maybe", "pending"),
		"headcount": integer})), "dismiss": boolean}),
	"Resolved":  obj(map[string]any{"resolved": str, "rsvps": arr(ref("RSVP"))}),
	"InboxList": listOf("InboxItem"),
	"InboxItem": obj(map[string]any{"id": integer, "state": enum("received", "processed", "unroutable", "unprocessable"),
		"received_at": tm, "why": str, "bytes": integer, "body": str}),
	"ImportResult": obj(map[string]any{"id": str, "name": str, "format": enum("csv", "vcf"), "at": tm, "rows": integer,
		"created": integer, "updated": integer, "unchanged": integer, "invalid_rows": integer, "suggestions": integer,
		"invalid": arr(obj(map[string]any{"row": integer, "reason": str}))}),
	"ImportList": listOf("ImportResult"),
	"MergePerson": obj(map[string]any{"person_id": str, "unit_id": str, "name": str, "phone": str, "email": str,
		"household": str, "row": integer}),
	"Merge": obj(map[string]any{"id": str, "kind": enum("same_phone", "same_name"), "state": enum("open", "accepted", "dismissed"),
		"existing": ref("MergePerson"), "incoming": ref("MergePerson"), "fields": arr(str), "import_id": str}),
	"MergeList":     listOf("Merge"),
	"MergeAcceptIn": obj(map[string]any{"merge_units": boolean}),
	"MergeResolved": obj(map[string]any{"suggestion": ref("Merge"), "unit_id": str}),
	"ReplayIn":      obj(map[string]any{"from": tm}, "from"),
	"ReplayResult":  obj(map[string]any{"queued": integer}),
	"CampaignIn": obj(map[string]any{"kind": enum("invite", "reminder"), "event_ids": arr(str),
		"audience": obj(map[string]any{"unit_ids": arr(str), "rsvp": enum("pending"), "all": boolean}),
		"template": obj(map[string]any{"name": str, "language": str}, "name", "language"), "priority_tags": arr(str)},
		"kind", "event_ids", "audience", "template"),
	"Skipped":         obj(map[string]any{"do_not_message": integer, "no_consent": integer, "no_phone": integer}),
	"CampaignCreated": obj(map[string]any{"id": str, "total": integer, "skipped": ref("Skipped")}),
	"Campaign": obj(map[string]any{"id": str, "kind": enum("invite", "reminder"), "event_ids": arr(str),
		"template": obj(map[string]any{"name": str, "language": str}), "priority_tags": arr(str),
		"state": enum("planned", "running", "paused", "done", "cancelled"), "reason": str,
		"total": integer, "queued": integer, "sent": integer, "delivered": integer, "read": integer, "failed": integer,
		"in_doubt": integer, "replied": integer, "skipped": ref("Skipped"), "correlation_id": str, "created_at": tm, "updated_at": tm,
		"plan": obj(map[string]any{"now": integer, "waiting_for_tier": integer, "eta": tm,
			"waves": arr(obj(map[string]any{"at": tm, "units": integer}))})}),
	"CampaignList": obj(map[string]any{"items": arr(ref("Campaign"))}, "items"),
	"Message": obj(map[string]any{"id": str, "campaign_id": str, "unit_id": str, "person_id": str, "phone": str, "wamid": str,
		"status": enum("queued", "sent", "delivered", "read", "failed", "in_doubt"),
		"error":  obj(map[string]any{"code": str, "title": str}), "attempts": integer,
		"history": arr(obj(map[string]any{"status": str, "at": tm})), "correlation_id": str}),
	"MessageList": listOf("Message"),
	"ConsentIn":   obj(map[string]any{"status": enum("opted_in", "opted_out"), "source": str}, "status", "source"),
	"Consent": obj(map[string]any{"person_id": str, "phone": str, "status": enum("opted_in", "opted_out", "unknown"),
		"entries": arr(obj(map[string]any{"person_id": str, "status": str, "source": str, "by": str, "at": tm}))}),

	"WebsiteIn": obj(map[string]any{"title": str, "couple": str, "story": str, "cover_url": str,
		"privacy": enum("public", "invite_only", "password"), "password": str, "whatsapp_number": str, "gifts": ref("Gifts")}, "title"),
	"Gifts": obj(map[string]any{"upi_id": str, "payee": str, "note": str,
		"registry_links": arr(obj(map[string]any{"title": str, "url": str}, "title", "url"))}),
	"Website": obj(map[string]any{"title": str, "couple": str, "story": str, "cover_url": str,
		"privacy": enum("public", "invite_only", "password"), "password_set": boolean, "whatsapp_number": str, "gifts": ref("Gifts"),
		"version": integer, "url": str, "published_at": tm, "updated_at": tm}),
	"Publication": obj(map[string]any{"version": integer, "url": str}, "version", "url"),
	"GuestLinkIn": obj(map[string]any{"expires_at": tm, "expires_in_days": integer, "rotate": boolean}),
	"GuestLink":   obj(map[string]any{"id": str, "url": str, "expires_at": tm}, "url", "expires_at"),
	"GuestLinkState": obj(map[string]any{"id": str, "created_at": tm, "expires_at": tm, "revoked": boolean},
		"id", "created_at", "expires_at", "revoked"),
	"GuestLinkStateList": listOf("GuestLinkState"),
	"GuestKey":           obj(map[string]any{"kid": str, "current": boolean, "created_at": tm}, "kid", "current"),
	"GuestKeyList":       listOf("GuestKey"),
}

var errorStatuses = map[string]string{
	"400": "Invalid input (invalid_json, unknown_field, invalid_field, invalid_phone); nothing changed.",
	"401": "Missing, unknown or revoked token.",
	"403": "The token's role may not do this.",
	"404": "Unknown id, or one this token may not see.",
	"409": "Conflict with stored state (duplicate_phone, duplicate_slug, not_invited, has_rsvps, idempotency_mismatch, campaign_state, too_many_campaigns, consent_ledger_full, too_many_links, guest_key_current).",
	"413": "Body too large.",
	"429": "Overloaded; retry after Retry-After seconds.",
	"503": "Not ready; retry later.",
}

// openAPIDoc builds the description for the given routes.
func openAPIDoc(routes []*route, version string) map[string]any {
	paths := map[string]map[string]any{}
	for _, rt := range routes {
		d := routeDocs[rt.method+" "+rt.path]
		op := map[string]any{"summary": d.summary, "operationId": operationID(rt.method, rt.path)}
		var params []any
		for _, seg := range strings.Split(rt.path, "/") {
			if strings.HasPrefix(seg, "{") {
				params = append(params, map[string]any{"name": strings.Trim(seg, "{}"), "in": "path", "required": true, "schema": str})
			}
		}
		for _, q := range d.query {
			params = append(params, map[string]any{"name": q, "in": "query", "schema": str})
		}
		if rt.access != public {
			op["security"] = []any{map[string]any{"bearer": []any{}}}
		}
		if rt.method == "POST" && rt.access != public {
			params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header", "schema": str,
				"description": "A repeat with the same key and body within 24 h answers the first answer again."})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if d.request != "" {
			op["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": ref(d.request)}}}
		}
		status := d.status
		if status == "" {
			status = "200"
		}
		okResp := map[string]any{"description": "Success."}
		switch {
		case d.raw:
			okResp["content"] = map[string]any{"text/plain": map[string]any{"schema": str}}
		case d.response != "":
			okResp["content"] = map[string]any{"application/json": map[string]any{"schema": ref(d.response)}}
		}
		responses := map[string]any{status: okResp}
		for code, desc := range errorStatuses {
			if rt.access == public && code != "503" {
				continue
			}
			responses[code] = map[string]any{"description": desc,
				"content": map[string]any{"application/json": map[string]any{"schema": ref("Error")}}}
		}
		op["responses"] = responses
		if paths[rt.path] == nil {
			paths[rt.path] = map[string]any{}
		}
		paths[rt.path][strings.ToLower(rt.method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "ParinayaOS engine admin API", "version": version,
			"description": "Every write returns only after it is durable (fsynced). Errors: {\"error\":{\"code\",\"message\",\"field\",\"existing_id\"}}."},
		"paths": paths,
		"components": map[string]any{
			"schemas":         schemas,
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer"}},
		},
	}
}

func operationID(method, path string) string {
	var b strings.Builder
	b.WriteString(strings.ToLower(method))
	for _, seg := range strings.Split(path, "/") {
		seg = strings.Trim(seg, "{}")
		seg = strings.ReplaceAll(strings.ReplaceAll(seg, ".", "_"), "-", "_")
		if seg == "" || seg == "v1" {
			continue
		}
		b.WriteString("_" + seg)
	}
	return b.String()
}

// openAPIDesc is a server's description, built on first request. NB: per
// server, not per process: servers differ in Version.
type openAPIDesc struct {
	once sync.Once
	body []byte
}

func (s *Server) openAPI(r *request) error {
	s.openapi.once.Do(func() {
		s.openapi.body, _ = json.MarshalIndent(openAPIDoc(s.routes, s.cfg.Version), "", "  ")
	})
	writeBody(r.rc, fasthttp.StatusOK, s.openapi.body)
	return nil
}
