package domain

// View is an immutable picture of a wedding at one sequence: what hot reads
// (headcount, token checks) need, published by the wedding's actor after
// each durable commit. Nothing in a View is ever modified after it is built.
type View struct {
	WeddingID string
	Info      Info
	Seq       uint64
	AsOf      Instant
	// Headcounts for everyone, and for each side admin (its side + "both").
	All, Bride, Groom Headcount

	tokens    map[[32]byte]Token
	tokensOf  *Wedding // the wedding instance whose tokensVer this is
	tokensVer uint64
}

// Headcount is the per-event numbers for one scope, in event time order.
type Headcount struct {
	Events []EventHeadcount
	// Totals.InvitedUnits counts distinct units invited to at least one
	// event; the other totals are sums over events.
	Totals Counts
}

// EventHeadcount is one event's numbers.
type EventHeadcount struct {
	EventID string
	Name    string
	Counts
}

// HeadcountFor returns the numbers p may see.
func (v *View) HeadcountFor(p Principal) *Headcount {
	if p.Role == RoleSideAdmin {
		switch p.Side {
		case SideBride:
			return &v.Bride
		case SideGroom:
			return &v.Groom
		}
	}
	return &v.All
}

// Authenticate finds the live token with this SHA-256 hash. The lookup is a
// map access on the hash of a secret; hashes are compared whole by the map,
// and the secret itself is never compared, so timing reveals nothing usable.
func (v *View) Authenticate(hash [32]byte) (Principal, bool) {
	t, ok := v.tokens[hash]
	if !ok || t.Revoked {
		return Principal{}, false
	}
	return Principal{TokenID: t.ID, Role: t.Role, Side: t.Side}, true
}

// View builds the current view. prev (may be nil) is the last published
// view: its token table is reused when tokens have not changed since.
func (w *Wedding) View(prev *View) *View {
	v := &View{WeddingID: w.Info.ID, Info: w.Info, Seq: w.Seq, AsOf: w.LastAt}
	// One allocation for the three scopes, one map lookup per event: this
	// runs once per journal commit.
	n := len(w.Events)
	rows := make([]EventHeadcount, 3*n)
	v.All.Events, v.Bride.Events, v.Groom.Events = rows[:n:n], rows[n:2*n:2*n], rows[2*n:]
	for i := range w.Events {
		e := &w.Events[i]
		all := EventHeadcount{EventID: e.ID, Name: e.Name}
		bride, groom := all, all
		if c := w.counts.events[e.ID]; c != nil {
			bride.Counts, groom.Counts = c[SideBoth], c[SideBoth]
			bride.Counts.plus(c[SideBride])
			groom.Counts.plus(c[SideGroom])
			all.Counts = bride.Counts
			all.Counts.plus(c[SideGroom])
		}
		v.All.Events[i], v.Bride.Events[i], v.Groom.Events[i] = all, bride, groom
		v.All.Totals.plus(all.Counts)
		v.Bride.Totals.plus(bride.Counts)
		v.Groom.Totals.plus(groom.Counts)
	}
	iu := &w.counts.invitedUnits
	v.All.Totals.InvitedUnits = iu[SideBoth] + iu[SideBride] + iu[SideGroom]
	v.Bride.Totals.InvitedUnits = iu[SideBoth] + iu[SideBride]
	v.Groom.Totals.InvitedUnits = iu[SideBoth] + iu[SideGroom]
	if prev != nil && prev.tokensOf == w && prev.tokensVer == w.tokensVer {
		v.tokens, v.tokensOf, v.tokensVer = prev.tokens, w, prev.tokensVer
	} else {
		v.tokens = make(map[[32]byte]Token, len(w.Tokens))
		for _, t := range w.Tokens {
			v.tokens[t.Hash] = t
		}
		v.tokensOf, v.tokensVer = w, w.tokensVer
	}
	return v
}
