package domain_test

import (
	"strings"
	"testing"

	"github.com/parinayaos/engine/domain"
)

// TestWedding_TextControlChars: names, tags, labels, venues and emails
// refuse control characters (Unicode Cc: NUL, tab, newline, …) and the
// invisible formatting characters that reorder or hide text (bidi
// overrides and isolates, marks, zero-width space, BOM, line separators).
// WhatsApp template parameters may not hold newlines or tabs, and CSV
// exports break on NUL. Notes, admin-only text never sent, may hold line
// breaks, and nothing else of that kind. Joiners stay: Indic scripts and
// emoji need them.
func TestWedding_TextControlChars(t *testing.T) {
	bad := map[string]string{
		"NUL": "\x00", "tab": "\t", "newline": "\n", "CR": "\r", "DEL": "\x7f", "C1 NEL": "\u0085",
		"RLO": "\u202e", "LRE": "\u202a", "RLI": "\u2067", "PDI": "\u2069", "RLM": "\u200f", "LRM": "\u200e",
		"ALM": "\u061c", "ZWSP": "\u200b", "BOM": "\ufeff", "line separator": "\u2028", "paragraph separator": "\u2029",
	}
	good := []string{"रवि शर्मा", "क्\u200dष", "👨\u200d👩\u200d👧 family", "Ma\u00adria", "محمد", "Zoë O'Brien-Smith"}
	fields := []struct {
		name  string
		lines bool // line breaks allowed
		cmd   func(s *scene, v string) domain.Command
		field string
	}{
		{"unit name", false, func(s *scene, v string) domain.Command {
			return &domain.AddUnit{Unit: domain.UnitInput{Name: "A" + v + "B", Members: []domain.MemberInput{{Name: "x"}}}}
		}, "name"},
		{"member name", false, func(s *scene, v string) domain.Command {
			return &domain.AddUnit{Unit: domain.UnitInput{Members: []domain.MemberInput{{Name: "A" + v + "B"}}}}
		}, "members[0].name"},
		{"member email", false, func(s *scene, v string) domain.Command {
			return &domain.AddUnit{Unit: domain.UnitInput{Members: []domain.MemberInput{{Name: "x", Email: "a" + v + "@example.com"}}}}
		}, "members[0].email"},
		{"tag", false, func(s *scene, v string) domain.Command {
			return &domain.AddUnit{Unit: domain.UnitInput{Tags: []string{"v" + v + "ip"}, Members: []domain.MemberInput{{Name: "x"}}}}
		}, "tags[0]"},
		{"batch member name", false, func(s *scene, v string) domain.Command {
			return &domain.AddUnits{Units: []domain.UnitInput{{Members: []domain.MemberInput{{Name: "A" + v + "B"}}}}}
		}, "units[0].members[0].name"},
		{"event name", false, func(s *scene, v string) domain.Command {
			return &domain.AddEvent{Name: "Hal" + v + "di", StartsAt: t0}
		}, "name"},
		{"venue", false, func(s *scene, v string) domain.Command {
			return &domain.UpdateEvent{ID: s.haldi, Venue: ptr("Lawn" + v + "s")}
		}, "venue"},
		{"token label", false, func(s *scene, v string) domain.Command {
			return &domain.IssueToken{Role: domain.RoleViewer, Label: "for " + v + "x", Hash: hash(v)}
		}, "label"},
		{"note", true, func(s *scene, v string) domain.Command {
			s.invite(s.bride.ID, 0, s.haldi)
			return &domain.SetRSVP{UnitID: s.bride.ID, EventID: s.haldi, Status: domain.Yes, Note: "see" + v + "you"}
		}, "note"},
	}
	for _, ff := range fields {
		for name, c := range bad {
			t.Run(ff.name+"/"+name, func(t *testing.T) {
				s := newScene(t)
				_, out, err := s.exec(owner, ff.cmd(s, c))
				if items, ok := out.([]domain.BatchItem); ok {
					err = items[0].Err
				}
				if ff.lines && (c == "\n" || c == "\r") {
					if err != nil {
						t.Fatalf("a line break refused: %v", err)
					}
					return
				}
				de := checkErr(t, err, domain.ErrInvalid, "invalid_field", ff.field)
				if !strings.Contains(de.Message, "character") {
					t.Errorf("message %q does not say what is wrong", de.Message)
				}
			})
		}
		for _, v := range good {
			t.Run(ff.name+"/"+v, func(t *testing.T) {
				if ff.name == "member email" {
					t.Skip("not an email")
				}
				s := newScene(t)
				_, out, err := s.exec(owner, ff.cmd(s, v))
				if items, ok := out.([]domain.BatchItem); ok {
					err = items[0].Err
				}
				if err != nil {
					t.Fatalf("%q refused: %v", v, err)
				}
			})
		}
	}
	t.Run("wedding name", func(t *testing.T) {
		w := domain.New()
		_, _, err := w.Execute(&domain.CreateWedding{ID: "w1", Name: "Asha\u202e & Rohan", Slug: "a", Date: "2026-02-14"},
			domain.Meta{By: domain.Root, Now: t0})
		checkErr(t, err, domain.ErrInvalid, "invalid_field", "name")
	})
}
