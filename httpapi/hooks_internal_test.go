package httpapi

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
