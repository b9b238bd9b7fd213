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
