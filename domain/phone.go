package domain

import (
	"runtime"
	"strings"
	"sync"

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

// parallelPhones is the batch size from which normalizePhones uses every
// core: parsing a phone with phonenumbers takes ~20 µs (regular
// expressions), which made it 60% of a 1,000-unit (3,000-phone) batch.
const parallelPhones = 256

// normalizePhones normalizes the members' phones of a batch with as many
// goroutines as there are cores, and returns raw → E.164 for the valid
// ones (invalid ones are left to NormalizePhone, which makes the error). It
// is a pure function of its input: the goroutines only share the work.
func normalizePhones(units []UnitInput, region string) map[string]string {
	var raws []string
	for i := range units {
		for _, m := range units[i].Members {
			if m.Phone != "" {
				raws = append(raws, m.Phone)
			}
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(raws)/parallelPhones)
	if workers < 2 {
		return nil
	}
	out := make([]string, len(raws))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(raws); i += workers {
				out[i], _ = NormalizePhone(raws[i], region, "")
			}
		}()
	}
	wg.Wait()
	memo := make(map[string]string, len(raws))
	for i, e164 := range out {
		if e164 != "" {
			memo[raws[i]] = e164
		}
	}
	return memo
}
