package actors

import (
	"errors"
	"strconv"

	"github.com/anthdm/hollywood/actor"
	"github.com/rs/zerolog"

	"github.com/parinayaos/engine/storage"
)

// Messages of the directory actor.
type (
	activate struct {
		id     string
		create bool
		reply  chan activation
	}
	activation struct {
		h   *handle
		err error
	}
	passivate struct {
		h    *handle
		done chan bool // optional
	}
	stoppedMsg struct{ h *handle }
	// closeAll answers every handle, active or stopping (Engine.Close).
	closeAll struct{ reply chan []*handle }
)

// directory activates wedding actors on first use and passivates idle ones.
// It is the only writer of Engine.index, so activation of one wedding can
// never race with another activation or a passivation of it.
type directory struct {
	e   *Engine
	gen uint64
	// stopping holds retired handles whose actor has not stopped yet: the
	// next activation of that wedding waits for it before loading.
	stopping map[string]*handle
}

func (d *directory) Receive(c *actor.Context) {
	switch m := c.Message().(type) {
	case activate:
		h, err := d.activate(m)
		m.reply <- activation{h: h, err: err}
	case passivate:
		ok := d.passivate(c, m.h)
		if m.done != nil {
			m.done <- ok
		}
	case closeAll:
		all := d.e.index.all()
		for _, h := range d.stopping {
			all = append(all, h)
		}
		m.reply <- all
	case stoppedMsg:
		if d.stopping[m.h.id] == m.h {
			delete(d.stopping, m.h.id)
		}
	}
}

func (d *directory) activate(m activate) (*handle, error) {
	if h := d.e.index.get(m.id); h != nil {
		return h, nil
	}
	if d.e.closed.Load() {
		return nil, ErrUnavailable
	}
	if !m.create {
		// Never spawn an actor for an id nobody created: a stream of
		// random ids would otherwise fill memory with empty weddings.
		if _, err := d.e.db.LastSeq(m.id); err != nil {
			if errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrBadID) {
				return nil, ErrWeddingNotFound
			}
			return nil, errors.Join(ErrUnavailable, err)
		}
	}
	d.gen++
	h := &handle{id: m.id, stopped: make(chan struct{})}
	h.lastUsed.Store(d.e.cfg.Now().UnixNano())
	prev := d.stopping[m.id]
	a := &weddingActor{e: d.e, h: h, prev: prev}
	// A fresh PID per activation: hollywood ignores a Spawn whose id is
	// still registered, and the previous activation may still be stopping.
	h.pid = d.e.hw.Spawn(func() actor.Receiver { return a }, "wedding",
		actor.WithID(m.id+"."+strconv.FormatUint(d.gen, 36)),
		// A small mailbox to start with: it doubles under a burst (and
		// stays so), while 10,000 idle-ish weddings at hollywood's 1,024
		// slots of 24 bytes would hold 240 MB of empty mailboxes.
		actor.WithInboxSize(mailboxSlots))
	d.e.index.put(h)
	return h, nil
}

// mailboxSlots is a wedding mailbox's initial size.
const mailboxSlots = 64

func (d *directory) passivate(c *actor.Context, h *handle) bool {
	if d.e.index.get(h.id) != h || !h.retire() {
		return false
	}
	d.e.index.remove(h)
	d.stopping[h.id] = h
	c.Send(h.pid, stop{})
	dir := c.PID()
	go func() {
		<-h.stopped
		d.e.hw.Send(dir, stoppedMsg{h: h})
	}()
	return true
}

// recoverDirectory keeps a bug in the directory from taking hollywood's
// restart path (which would lose the stopping map); it logs and carries on.
func recoverDirectory(log zerolog.Logger) actor.MiddlewareFunc {
	return func(next actor.ReceiveFunc) actor.ReceiveFunc {
		return func(c *actor.Context) {
			defer func() {
				if v := recover(); v != nil {
					log.Error().Interface("panic", v).Msg("directory: panic while handling a message")
					if m, ok := c.Message().(activate); ok {
						select {
						case m.reply <- activation{err: ErrInternal}:
						default:
						}
					}
				}
			}()
			next(c)
		}
	}
}
