package domain

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// NormalizePhone parses a phone number as people type it ("98765 43210",
// "+91-98765-43210", "0044 20 7946 0958") with region as the default
// country, and returns it in E.164. Impossible or invalid numbers are an
// *Error with code invalid_phone.
func NormalizePhone(raw, region, field string) (string, error) {
	raw = strings.TrimSpace(raw)
	bad := &Error{Kind: KindInvalid, Code: "invalid_phone", Field: field,
		Message: "phone " + quoteShort(raw) + " is not a valid number (use E.164, e.g. +919876543210)"}
	if raw == "" || len(raw) > 40 {
		return "", bad
	}
	num, err := phonenumbers.Parse(raw, region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", bad
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// ValidRegion reports whether region is a country code the phone parser
// knows (ISO 3166-1 alpha-2, upper case).
func ValidRegion(region string) bool {
	_, ok := phonenumbers.GetSupportedRegions()[region]
	return ok
}

func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return `"` + s + `"`
}
