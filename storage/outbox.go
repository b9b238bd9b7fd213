package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/parinayaos/engine/domain"
)

// Two indexes serve the outbox, both written in the batch of the change
// they follow, so they never disagree with the journal:
//
//   - 'c' wedding 0x00 campaign → (empty): the campaign may still send
//     (running, paused or planned). At start the engine activates these
//     weddings, so their campaigns resume without waiting for a request.
//
//   - 't' at(8) phone → wedding: a message to phone began sending at at
//     (nanoseconds). The messaging tier counts unique recipients per
//     rolling 24 hours across every wedding; these records rebuild that
//     window after a restart.
//
//   - 'w' wamid → wedding: the wedding of the message Meta knows by that
//     wamid, for statuses and replies that name it (a status whose
//     callback data is missing, a reply's context).
//
// NB: persisted key prefixes; must not change.
const (
	prefixCampaign = 'c'
	prefixTierUse  = 't'
	prefixWAMID    = 'w'
	// 'r' phone → wedding: the wedding that last began sending to phone.
	prefixRecipient = 'r'
)

func campaignKey(wedding, campaign string) []byte {
	k := append([]byte{prefixCampaign}, wedding...)
	k = append(k, 0)
	return append(k, campaign...)
}

// indexOutbox writes what c changes of the outbox indexes.
func indexOutbox(pb *pebble.Batch, wedding string, c *domain.Change) error {
	switch {
	case c.CampaignCreated != nil:
		if c.CampaignCreated.Campaign.State.Active() {
			return pb.Set(campaignKey(wedding, c.CampaignCreated.Campaign.ID), nil, nil)
		}
	case c.CampaignStateSet != nil:
		if !c.CampaignStateSet.State.Active() {
			return pb.Delete(campaignKey(wedding, c.CampaignStateSet.ID), nil)
		}
	case c.MessagesUpdated != nil:
		for _, u := range c.MessagesUpdated.Updates {
			if u.WAMID != "" && !u.HistoryOnly {
				if err := pb.Set(append([]byte{prefixWAMID}, u.WAMID...), []byte(wedding), nil); err != nil {
					return err
				}
			}
			if u.Status != domain.MessageSending || u.Phone == "" {
				continue
			}
			// The wedding that messaged this phone last: where a typed
			// reply without a quote goes.
			if err := pb.Set(append([]byte{prefixRecipient}, u.Phone...), []byte(wedding), nil); err != nil {
				return err
			}
			k := binary.BigEndian.AppendUint64([]byte{prefixTierUse}, uint64(c.At))
			if err := pb.Set(append(k, u.Phone...), []byte(wedding), nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// ActiveCampaigns lists the weddings with campaigns that may still send,
// with those campaigns' ids.
func (d *DB) ActiveCampaigns() (map[string][]string, error) {
	it, err := d.pdb.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixCampaign}, UpperBound: []byte{prefixCampaign + 1}})
	if err != nil {
		return nil, fmt.Errorf("storage: active campaigns: %w", err)
	}
	defer it.Close()
	out := map[string][]string{}
	for valid := it.First(); valid; valid = it.Next() {
		k := it.Key()[1:]
		i := bytes.IndexByte(k, 0)
		if i < 0 {
			return nil, fmt.Errorf("%w: campaign key %q", ErrCorrupt, it.Key())
		}
		out[string(k[:i])] = append(out[string(k[:i])], string(k[i+1:]))
	}
	return out, it.Error()
}

// TierUses returns, for each phone a message began sending to since since,
// the latest such time; records older than since are deleted (they left
// the tier's window for good).
func (d *DB) TierUses(since time.Time) (map[string]time.Time, error) {
	lower := []byte{prefixTierUse}
	from := binary.BigEndian.AppendUint64([]byte{prefixTierUse}, uint64(since.UnixNano()))
	if err := d.pdb.DeleteRange(lower, from, pebble.NoSync); err != nil {
		return nil, fmt.Errorf("storage: prune tier uses: %w", err)
	}
	it, err := d.pdb.NewIter(&pebble.IterOptions{LowerBound: from, UpperBound: []byte{prefixTierUse + 1}})
	if err != nil {
		return nil, fmt.Errorf("storage: tier uses: %w", err)
	}
	defer it.Close()
	out := map[string]time.Time{}
	for valid := it.First(); valid; valid = it.Next() {
		k := it.Key()
		if len(k) < 9 {
			return nil, fmt.Errorf("%w: tier key %q", ErrCorrupt, k)
		}
		at := time.Unix(0, int64(binary.BigEndian.Uint64(k[1:9])))
		phone := string(k[9:])
		if old, ok := out[phone]; !ok || at.After(old) {
			out[phone] = at
		}
	}
	return out, it.Error()
}

// WeddingByWAMID returns the wedding of the message Meta knows by wamid,
// or ErrNotFound.
func (d *DB) WeddingByWAMID(wamid string) (string, error) {
	v, closer, err := d.pdb.Get(append([]byte{prefixWAMID}, wamid...))
	if errors.Is(err, pebble.ErrNotFound) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("storage: wamid index: %w", err)
	}
	defer closer.Close()
	return string(v), nil
}

// WeddingByRecipient returns the wedding that last began sending a message
// to phone (E.164), or ErrNotFound.
func (d *DB) WeddingByRecipient(phone string) (string, error) {
	v, closer, err := d.pdb.Get(append([]byte{prefixRecipient}, phone...))
	if errors.Is(err, pebble.ErrNotFound) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("storage: recipient index: %w", err)
	}
	defer closer.Close()
	return string(v), nil
}
