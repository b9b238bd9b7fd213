package actors

// Inflight is how many requests the wedding has admitted and not yet
// answered (0 when it is not active): tests wait on it to know a request
// has reached its actor.
func Inflight(e *Engine, weddingID string) int64 {
	if h := e.index.get(weddingID); h != nil {
		return h.inflight.Load()
	}
	return 0
}
