package actors

import (
	"reflect"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parinayaos/engine/domain"
)

// metrics are the engine's Prometheus series; nil (no Config.Registerer)
// records nothing.
type metrics struct {
	commitSeconds   prometheus.Histogram
	commitChanges   prometheus.Histogram
	snapshotSeconds prometheus.Histogram
	loadSeconds     prometheus.Histogram
	commands        *prometheus.CounterVec
	byType          sync.Map // reflect.Type → *commandSeries

	campaigns    *prometheus.CounterVec
	webhooks     *prometheus.CounterVec
	notes        *prometheus.CounterVec
	sendSeconds  *prometheus.HistogramVec
	pacerSeconds prometheus.Histogram
	messages     *prometheus.CounterVec
}

type commandSeries struct{ ok, rejected prometheus.Counter }

func newMetrics(reg prometheus.Registerer, e *Engine) *metrics {
	if reg == nil {
		return nil
	}
	m := &metrics{
		commitSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "parinaya_journal_commit_seconds",
			Help:    "Time from handing a wedding's batch to the journal to its fsync.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}),
		commitChanges: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "parinaya_journal_commit_changes",
			Help:    "Changes per journal commit of one wedding.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 14),
		}),
		snapshotSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "parinaya_snapshot_encode_seconds",
			Help:    "Time to encode one wedding snapshot.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		loadSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "parinaya_wedding_load_seconds",
			Help:    "Time to activate a wedding: snapshot load plus journal replay.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parinaya_commands_total",
			Help: "Commands decided by wedding actors, by command and outcome (ok or rejected).",
		}, []string{"command", "outcome"}),
	}
	m.sendSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "parinaya_whatsapp_send_seconds",
		Help:    "Time of one call to the WhatsApp Cloud API, by how it came out (accepted, rate_limited, …).",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"class"})
	m.pacerSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "parinaya_whatsapp_pacer_wait_seconds",
		Help:    "Time a send waited for the number's pacer (throughput, pair limit, backoff).",
		Buckets: prometheus.ExponentialBuckets(0.0001, 4, 12),
	})
	m.messages = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parinaya_whatsapp_messages_total",
		Help: "Outcomes of campaign sends, by status (sent, failed, retry, in_doubt) and error code (Meta's, or the engine's such as opted_out).",
	}, []string{"status", "code"})
	m.campaigns = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parinaya_campaigns_total",
		Help: "Campaigns entering each state (running, paused, done, cancelled), counted as they do: created campaigns count under their first state.",
	}, []string{"state"})
	m.webhooks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parinaya_webhooks_stored_total",
		Help: "Signed WhatsApp webhook bodies stored in the inbox before their answer, by state (received; unprocessable: not JSON).",
	}, []string{"state"})
	m.notes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "parinaya_webhook_notifications_total",
		Help: "Notifications of stored webhook bodies processed, by kind (status, message, preference, other) and outcome (applied, unchanged, kept, unroutable, ignored).",
	}, []string{"kind", "outcome"})
	reg.MustRegister(m.sendSeconds, m.pacerSeconds, m.messages, m.campaigns, m.webhooks, m.notes,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "parinaya_whatsapp_tier_used",
			Help: "Unique recipients in the messaging tier's rolling 24-hour window (of parinaya_whatsapp_tier_limit).",
		}, func() float64 { return float64(e.msg.Pacer.Usage().Used) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "parinaya_whatsapp_tier_limit",
			Help: "The messaging tier: unique recipients per rolling 24 hours (0: unlimited).",
		}, func() float64 { return float64(e.msg.Pacer.Config().Tier) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "parinaya_campaigns_sending",
			Help: "Campaigns whose workers are walking their outbox now.",
		}, func() float64 {
			n := 0
			e.workers.Range(func(any, any) bool { n++; return true })
			return float64(n)
		}))
	reg.MustRegister(m.commitSeconds, m.commitChanges, m.snapshotSeconds, m.loadSeconds, m.commands,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "parinaya_active_weddings",
			Help: "Weddings held in memory now.",
		}, func() float64 { return float64(e.Active()) }))
	return m
}

func (m *metrics) command(cmd domain.Command, err error) {
	if m == nil {
		return
	}
	t := reflect.TypeOf(cmd)
	s, ok := m.byType.Load(t)
	if !ok {
		name := t.String()
		if t.Kind() == reflect.Pointer {
			name = t.Elem().Name()
		}
		s, _ = m.byType.LoadOrStore(t, &commandSeries{ok: m.commands.WithLabelValues(name, "ok"),
			rejected: m.commands.WithLabelValues(name, "rejected")})
	}
	if err != nil {
		s.(*commandSeries).rejected.Inc()
	} else {
		s.(*commandSeries).ok.Inc()
	}
}

func (m *metrics) commit(started time.Time, changes int) {
	if m == nil || started.IsZero() {
		return
	}
	m.commitSeconds.Observe(time.Since(started).Seconds())
	m.commitChanges.Observe(float64(changes))
}

func (m *metrics) snapshotEncoded(since time.Time) {
	if m != nil {
		m.snapshotSeconds.Observe(time.Since(since).Seconds())
	}
}

func (m *metrics) loaded(since time.Time) {
	if m != nil {
		m.loadSeconds.Observe(time.Since(since).Seconds())
	}
}

func (m *metrics) sent(since time.Time, class string) {
	if m != nil {
		m.sendSeconds.WithLabelValues(class).Observe(time.Since(since).Seconds())
	}
}

func (m *metrics) pacerWaited(since time.Time) {
	if m != nil {
		m.pacerSeconds.Observe(time.Since(since).Seconds())
	}
}

func (m *metrics) messageOutcome(status, code string) {
	if m != nil {
		m.messages.WithLabelValues(status, code).Inc()
	}
}

func (m *metrics) campaignState(state string) {
	if m != nil {
		m.campaigns.WithLabelValues(state).Inc()
	}
}

func (m *metrics) webhookStored(state string) {
	if m != nil {
		m.webhooks.WithLabelValues(state).Inc()
	}
}

func (m *metrics) notification(kind, outcome string) {
	if m != nil {
		m.notes.WithLabelValues(kind, outcome).Inc()
	}
}
