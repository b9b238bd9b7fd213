package httpapi

import (
	"bytes"
	"errors"
	"io"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
	"github.com/parinayaos/engine/internal/contacts"
)

// Contact imports and merge suggestions (API.md "Import, export, audit").
// The file is the body: read as a stream of rows (internal/contacts), its
// phones parsed here, on the request's goroutine, with the wedding's
// region (domain.PrepareImport), and only then sent to the wedding as one
// command, so the wedding is held for the dedupe and the new units only.

// DefaultImportBodyBytes bounds an import's file (API.md: 32 MiB).
const DefaultImportBodyBytes = 32 << 20

type importInvalidJSON struct {
	Row    int    `json:"row"`
	Reason string `json:"reason"`
}

type importJSON struct {
	ID          string              `json:"id"`
	Name        string              `json:"name"`
	Format      string              `json:"format"`
	At          jsonTime            `json:"at"`
	Rows        int32               `json:"rows"`
	Created     int32               `json:"created"`
	Updated     int32               `json:"updated"`
	Unchanged   int32               `json:"unchanged"`
	Invalid     []importInvalidJSON `json:"invalid"`
	InvalidRows int32               `json:"invalid_rows"`
	Suggestions int32               `json:"suggestions"`
}

func toImport(r domain.ImportRecord, invalid []domain.ImportInvalid) importJSON {
	out := importJSON{ID: r.ID, Name: r.Source, Format: r.Format, At: jsonTime(r.At), Rows: r.Rows, Created: r.Created,
		Updated: r.Updated, Unchanged: r.Unchanged, Invalid: []importInvalidJSON{}, InvalidRows: r.Invalid, Suggestions: r.Suggestions}
	for _, iv := range invalid {
		out.Invalid = append(out.Invalid, importInvalidJSON{Row: iv.Line, Reason: iv.Reason})
	}
	return out
}

// importContacts answers POST /v1/weddings/{w}/imports?format=csv|vcf
// &side=&tag=&name=.
func (s *Server) importContacts(r *request) error {
	format := strings.ToLower(r.query("format"))
	name := r.query("name")
	if format == "" {
		switch {
		case strings.HasSuffix(strings.ToLower(name), ".vcf"):
			format = "vcf"
		default:
			format = "csv"
		}
	}
	if format != "csv" && format != "vcf" {
		return errorf(fasthttp.StatusBadRequest, "invalid_field", "format", "format must be csv or vcf, not %q", format)
	}
	cmd := &domain.ImportContacts{Source: name, Format: format, Tag: strings.TrimSpace(r.query("tag")), SideOmitted: true}
	if v := r.query("side"); v != "" {
		side, ok := domain.ParseSide(v)
		if !ok {
			return errorf(fasthttp.StatusBadRequest, "invalid_field", "side", "side must be bride, groom or both, not %q", v)
		}
		cmd.Side, cmd.SideOmitted = side, false
	}
	view, err := s.eng.View(r.context(), r.wedding)
	if err != nil {
		return err
	}
	rows, err := parseContacts(format, bytes.NewReader(r.rc.PostBody()))
	if err != nil {
		return err
	}
	if len(rows) > domain.MaxImportRows {
		return errorf(fasthttp.StatusBadRequest, "invalid_field", "", "an import has at most %d rows; split the file", domain.MaxImportRows)
	}
	cmd.Rows = domain.PrepareImport(rows, view.Info().Region)
	return s.command(r, cmd, fasthttp.StatusOK, func(res actors.Result) any {
		out := res.Value.(domain.ImportResult)
		return toImport(out.Record, out.Invalid)
	})
}

// listImports answers GET /v1/weddings/{w}/imports: past imports, newest
// first, with their counts and source names.
func (s *Server) listImports(r *request) error {
	v, err := s.eng.Query(r.context(), r.wedding, r.by, domain.ListImports{})
	if err != nil {
		return err
	}
	items := []importJSON{}
	for _, rec := range v.([]domain.ImportRecord) {
		items = append(items, toImport(rec, nil))
	}
	writeJSON(r.rc, fasthttp.StatusOK, map[string]any{"items": items})
	return nil
}

type mergePersonJSON struct {
	PersonID  string `json:"person_id,omitempty"`
	UnitID    string `json:"unit_id,omitempty"`
	Name      string `json:"name"`
	Phone     string `json:"phone"`
	Email     string `json:"email"`
	Household string `json:"household"`
	Row       int32  `json:"row,omitempty"`
}

type mergeJSON struct {
	ID       string          `json:"id"`
	Kind     string          `json:"kind"`
	State    string          `json:"state"`
	Existing mergePersonJSON `json:"existing"`
	Incoming mergePersonJSON `json:"incoming"`
	Fields   []string        `json:"fields"`
	ImportID string          `json:"import_id,omitempty"`
}

func toMergePerson(p domain.MergePerson) mergePersonJSON {
	return mergePersonJSON{PersonID: p.PersonID, UnitID: p.UnitID, Name: p.Name, Phone: p.Phone, Email: p.Email, Household: p.Household, Row: p.Line}
}

func toMerge(s domain.MergeSuggestion) mergeJSON {
	return mergeJSON{ID: s.ID, Kind: s.Kind.String(), State: s.State.String(), Existing: toMergePerson(s.Existing),
		Incoming: toMergePerson(s.Incoming), Fields: s.Fields, ImportID: s.ImportID}
}

// listMergeSuggestions answers GET /v1/weddings/{w}/merge-suggestions: the
// open ones the token may see.
func (s *Server) listMergeSuggestions(r *request) error {
	v, err := s.eng.Query(r.context(), r.wedding, r.by, domain.ListMergeSuggestions{})
	if err != nil {
		return err
	}
	items := []mergeJSON{}
	for _, m := range v.([]domain.MergeSuggestion) {
		items = append(items, toMerge(m))
	}
	writeJSON(r.rc, fasthttp.StatusOK, map[string]any{"items": items})
	return nil
}

type acceptMergeIn struct {
	// Units asks a same_name merge to merge the two households too.
	Units bool `json:"merge_units"`
}

// acceptMerge answers POST .../merge-suggestions/{m}/accept
// {"merge_units":bool} (the body is optional).
func (s *Server) acceptMerge(r *request) error {
	var in acceptMergeIn
	if body := bytes.TrimSpace(r.rc.PostBody()); len(body) > 0 {
		if err := decode(body, &in); err != nil {
			return err
		}
	}
	return s.resolveMerge(r, &domain.ResolveMergeSuggestion{ID: r.param("m"), Units: in.Units})
}

// dismissMerge answers POST .../merge-suggestions/{m}/dismiss.
func (s *Server) dismissMerge(r *request) error {
	return s.resolveMerge(r, &domain.ResolveMergeSuggestion{ID: r.param("m"), Dismiss: true})
}

func (s *Server) resolveMerge(r *request, cmd *domain.ResolveMergeSuggestion) error {
	return s.command(r, cmd, fasthttp.StatusOK, func(res actors.Result) any {
		out := res.Value.(domain.MergeResult)
		return map[string]any{"suggestion": toMerge(out.Suggestion), "unit_id": out.UnitID}
	})
}

// parseContacts reads a contact file into the domain's rows. A file that
// cannot be read at all is 400 invalid_file, with what to do about it.
func parseContacts(format string, r io.Reader) ([]domain.ImportRow, error) {
	parse := contacts.ParseCSV
	if format == "vcf" {
		parse = contacts.ParseVCard
	}
	rows, err := parse(r, contacts.Limits{MaxRows: domain.MaxImportRows})
	if err != nil {
		if errors.Is(err, contacts.ErrTooManyRows) {
			return nil, errorf(fasthttp.StatusRequestEntityTooLarge, "too_many_rows", "", "%s", strings.TrimPrefix(err.Error(), "contacts: "))
		}
		return nil, errorf(fasthttp.StatusBadRequest, "invalid_file", "", "%s", strings.TrimPrefix(err.Error(), "contacts: "))
	}
	out := make([]domain.ImportRow, len(rows))
	for i, c := range rows {
		out[i] = domain.ImportRow{Line: c.Line, Name: c.Name, Phones: c.Phones, Email: c.Email, Household: c.Household,
			Side: c.Side, Tags: c.Tags, Invalid: c.Invalid}
	}
	return out, nil
}
