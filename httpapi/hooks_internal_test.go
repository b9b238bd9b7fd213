package httpapi

import "time"

// SetPagesClock sets the guests' pages' clock (tests only): links expire
// and CSRF days turn by it. Set it before the server serves.
func (s *Server) SetPagesClock(now func() time.Time) { s.now = now }

// HoldPasswordChecks takes every website password-check slot, as that many
// slow checks running at once would (tests only); release gives them back.
func (s *Server) HoldPasswordChecks() (release func()) {
	for range cap(s.passwordSlots) {
		s.passwordSlots <- struct{}{}
	}
	return func() {
		for range cap(s.passwordSlots) {
			<-s.passwordSlots
		}
	}
}
