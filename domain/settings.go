package domain

import "strings"

// UpdateWedding changes the wedding's name or slug (the fields that are
// set). Owners and the operator may. A slug names the wedding's website and
// is unique across the engine; the domain checks its form, the engine its
// uniqueness (it sees every wedding), before the command runs.
type UpdateWedding struct {
	Name *string
	Slug *string
}

func (c *UpdateWedding) decide(w *Wedding, m Meta) ([]Change, any, error) {
	if err := requireRole(m.By, RoleOwner, "change the wedding's name or slug"); err != nil {
		return nil, nil, err
	}
	info := w.Info
	if c.Name != nil {
		if err := checkText("name", *c.Name, MaxNameLen, true); err != nil {
			return nil, nil, err
		}
		info.Name = strings.TrimSpace(*c.Name)
	}
	if c.Slug != nil {
		if !ValidSlug(*c.Slug) {
			return nil, nil, invalid("slug", "slug must be 1-64 lower-case letters, digits and inner dashes")
		}
		info.Slug = *c.Slug
	}
	if info == w.Info {
		return nil, info, nil
	}
	prev := ""
	if info.Slug != w.Info.Slug {
		prev = w.Info.Slug
	}
	return []Change{{WeddingUpdated: &WeddingUpdated{Info: info, PrevSlug: prev}}}, info, nil
}

// ValidSlug reports whether s has a slug's form: 1-64 lower-case letters,
// digits and inner dashes.
func ValidSlug(s string) bool { return slugRE.MatchString(s) }

// ClaimedSlug is the slug a command would give its wedding, if it sets one:
// the engine makes sure no other wedding holds it before running the
// command.
func ClaimedSlug(cmd Command) (string, bool) {
	switch c := cmd.(type) {
	case *CreateWedding:
		return c.Slug, ValidSlug(c.Slug)
	case *UpdateWedding:
		if c.Slug != nil && ValidSlug(*c.Slug) {
			return *c.Slug, true
		}
	}
	return "", false
}

// DuplicateSlug is the rejection of a slug another wedding holds.
func DuplicateSlug(slug string) error {
	return conflict("duplicate_slug", "slug", "", "slug %s is taken by another wedding; choose another", quoteShort(slug))
}
