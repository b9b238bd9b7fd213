package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"

	"github.com/valyala/fasthttp"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/domain"
)

// Idempotency-Key: a POST that carries one is answered once. The wedding
// keeps the answer of a command that changed something with the command's
// own journal commit (actors.Once), so a retry gets the first answer again
// (same status, same body, header Idempotent-Replayed: true) and changes
// nothing, also after a crash or restart of the engine; the same key with
// another body is 409 idempotency_mismatch. Keys are kept per wedding, so
// no other wedding's traffic can push them out, and per token and route,
// so no other token can replay (and so read) an answer. A refused request
// keeps nothing and costs nothing: its retry is refused again.

// maxClientKeyLen bounds the Idempotency-Key header.
const maxClientKeyLen = 255

// onceKey is the request's Idempotency-Key as the wedding keeps it (token,
// route, key), or "" when it has none. Only POSTs are keyed.
func onceKey(r *request) (string, error) {
	rc := r.rc
	key := rc.Request.Header.Peek("Idempotency-Key")
	if len(key) == 0 || !rc.IsPost() {
		return "", nil
	}
	if len(key) > maxClientKeyLen || !printable(key) {
		return "", errorf(fasthttp.StatusBadRequest, "invalid_field", "Idempotency-Key",
			"the Idempotency-Key header must be 1-%d printable ASCII characters", maxClientKeyLen)
	}
	scoped := r.by.TokenID + "\x00" + string(rc.Path()) + "\x00" + string(key)
	if len(scoped) > domain.MaxKeyLen {
		// A long path (a made-up wedding id): the wedding keeps keys of a
		// bounded size, so a long one is kept by its hash.
		sum := sha256.Sum256([]byte(scoped))
		scoped = "sha256:" + hex.EncodeToString(sum[:])
	}
	return scoped, nil
}

// command runs cmd on the request's wedding and answers status with
// render(result) as JSON. With an Idempotency-Key the answer is kept with
// the command (see above) and a retry gets it again.
func (s *Server) command(r *request, cmd domain.Command, status int, render func(actors.Result) any) error {
	res, err := s.doOnce(r, r.wedding, cmd, status, render)
	if err != nil {
		return err
	}
	if res.Kept != nil {
		writeKept(r.rc, res.Kept, res.Replayed)
		return nil
	}
	writeJSON(r.rc, status, render(res))
	return nil
}

// doOnce runs cmd with the request's Idempotency-Key, if any: what is kept
// is status and render(result) as JSON.
func (s *Server) doOnce(r *request, weddingID string, cmd domain.Command, status int, render func(actors.Result) any) (actors.Result, error) {
	key, err := onceKey(r)
	if err != nil {
		return actors.Result{}, err
	}
	var once *actors.Once
	if key != "" {
		once = &actors.Once{Key: key, BodyHash: sha256.Sum256(r.rc.PostBody()),
			Answer: func(res actors.Result) (int, []byte) {
				b, err := json.Marshal(render(res))
				if err != nil {
					// Our own types always encode; keep the failure visible.
					return fasthttp.StatusInternalServerError, nil
				}
				return status, b
			}}
	}
	return s.eng.DoOnce(r.context(), weddingID, r.by, cmd, once)
}

// replayCreate answers a retried wedding creation: the wedding its slug now
// names keeps the first answer under the same key if this is a retry.
// It reports whether it answered.
func (s *Server) replayCreate(r *request, slug string, cause error) bool {
	var de *domain.Error
	if !errors.As(cause, &de) || de.Code != "duplicate_slug" {
		return false
	}
	key, err := onceKey(r)
	if err != nil || key == "" {
		return false
	}
	id, err := s.eng.WeddingBySlug(slug)
	if err != nil {
		return false
	}
	k, err := s.eng.Kept(r.context(), id, key)
	if err != nil || k == nil {
		return false
	}
	if k.BodyHash != sha256.Sum256(r.rc.PostBody()) {
		writeError(r.rc, toAPIError(domain.IdempotencyMismatch()))
		return true
	}
	writeKept(r.rc, k, true)
	return true
}

func writeKept(rc *fasthttp.RequestCtx, k *domain.KeptAnswer, replayed bool) {
	if k.Status >= 500 {
		writeError(rc, errInternal)
		return
	}
	writeBody(rc, int(k.Status), k.Body)
	if replayed {
		rc.Response.Header.Set("Idempotent-Replayed", "true")
	}
}
