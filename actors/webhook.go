package actors

import (
	"context"
	"errors"
	"time"

	"github.com/parinayaos/engine/storage"
)

// ErrNotJSON is returned by ReceiveWebhook for a body that is not JSON: it
// is kept in the inbox, as unprocessable.
var ErrNotJSON = errors.New("actors: webhook body is not JSON")

// ReceiveWebhook stores a signed WhatsApp webhook body in the inbox,
// durably (fsynced, sharing the fsync with concurrent journal commits),
// and returns its inbox id. Only then may the webhook be acknowledged.
// A body that is not JSON is stored as unprocessable and ErrNotJSON
// returned with its id. The caller has checked the signature.
func (e *Engine) ReceiveWebhook(ctx context.Context, body []byte, isJSON bool) (uint64, error) {
	if e.closed.Load() {
		return 0, ErrUnavailable
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	state, why := storage.InboxReceived, ""
	if !isJSON {
		state, why = storage.InboxUnprocessable, "the body is not JSON"
	}
	id, err := e.db.AppendInbox(body, state, why, time.Now())
	if err != nil {
		e.log.Error().Err(err).Msg("webhook: the inbox refused a body; Meta will redeliver it")
		return 0, errors.Join(ErrUnavailable, err)
	}
	e.metrics.webhookStored(state.String())
	if !isJSON {
		return id, ErrNotJSON
	}
	e.pokeInbox()
	return id, nil
}

// MaxInboxPage bounds one InboxList page.
const MaxInboxPage = 1000

// InboxList lists stored webhook bodies in one of states, after the id
// after, at most limit (≤ MaxInboxPage): for operators, the notifications
// kept and not applied, with why.
func (e *Engine) InboxList(after uint64, limit int, states ...storage.InboxState) ([]storage.InboxEntry, error) {
	if limit <= 0 || limit > MaxInboxPage {
		limit = MaxInboxPage
	}
	mark, err := e.db.InboxWatermark()
	if err != nil {
		return nil, err
	}
	return e.db.InboxAfter(after, mark, limit, states...)
}

// ReplayInbox makes every stored body received at or after from (that was
// processed, or kept as unroutable) waiting again, and processes them: an
// operator's replay after a fix. Applying is idempotent, so nothing
// already applied changes. Bodies that are not JSON stay as they are. It
// returns how many bodies it queued.
func (e *Engine) ReplayInbox(from time.Time) (int, error) {
	mark, err := e.db.InboxWatermark()
	if err != nil {
		return 0, err
	}
	n := 0
	for after := uint64(0); ; {
		page, err := e.db.InboxAfter(after, mark, 1000, storage.InboxProcessed, storage.InboxUnroutable)
		if err != nil {
			return n, err
		}
		for _, en := range page {
			after = en.ID
			if en.At.Before(from) {
				continue
			}
			if err := e.db.SetInboxState(en.ID, storage.InboxReceived, ""); errors.Is(err, storage.ErrNotFound) {
				continue // pruned meanwhile
			} else if err != nil {
				return n, err
			}
			n++
		}
		if len(page) < 1000 {
			break
		}
	}
	if e.inbox != nil {
		e.inbox.rewind()
	}
	e.pokeInbox()
	return n, nil
}

// InboxEntry is a stored webhook body, as InboxList returns it.
type InboxEntry = storage.InboxEntry

// InboxState is where a stored body is (received, processed, unroutable,
// unprocessable).
type InboxState = storage.InboxState

// ParseInboxState reads a state by its name.
func ParseInboxState(v string) (InboxState, bool) {
	for s := storage.InboxReceived; s <= storage.InboxUnroutable; s++ {
		if s.String() == v {
			return s, true
		}
	}
	return 0, false
}
