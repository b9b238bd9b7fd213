package main

import (
	"encoding"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/httpapi"
	"github.com/parinayaos/engine/storage"
	"github.com/parinayaos/engine/whatsapp"
)

// Config is everything `engine serve` can be told. It is loaded in this
// order, each layer overriding the one before: the defaults below
// (defaultConfig), the TOML file given with --config, environment variables
// PARINAYA_<SECTION>_<KEY> (the upper-cased toml section and key, e.g.
// PARINAYA_SERVER_HTTP), and the flags --data, --http and --demo.
//
// Secrets (the root token, the WhatsApp app secret and verify token) come
// only from the environment: they are never read from the file, never
// printed and never logged (see Redacted).
//
// configs/engine.example.toml documents every setting; a test keeps it equal
// to the defaults.
type Config struct {
	Storage  StorageConfig  `toml:"storage"`
	Server   ServerConfig   `toml:"server"`
	Engine   EngineConfig   `toml:"engine"`
	Runtime  RuntimeConfig  `toml:"runtime"`
	Log      LogConfig      `toml:"log"`
	Root     RootConfig     `toml:"root"`
	WhatsApp WhatsAppConfig `toml:"whatsapp"`
	Sandbox  SandboxConfig  `toml:"sandbox"`

	Demo       bool   `toml:"-"` // --demo flag only
	ConfigFile string `toml:"-"` // the --config file, "" for none
}

// StorageConfig is the [storage] section.
type StorageConfig struct {
	// Data is the data directory (created if missing). Default "./data".
	Data string `toml:"data"`
	// CacheBytes is Pebble's block cache (> 0). Default 64 MiB.
	CacheBytes int64 `toml:"cache_bytes"`
	// WALMinSyncInterval is how long the WAL waits between two fsyncs
	// while commits arrive in a burst (storage.WALPacer), so that more of
	// them share one; a lone commit is synced at once. Default 250µs
	// (storage.DefaultWALMinSyncInterval). 0 means never wait (Pebble's own
	// group commit alone), which is storage.Options.WALMinSyncInterval < 0,
	// not 0.
	WALMinSyncInterval Duration `toml:"wal_min_sync_interval"`
}

// ServerConfig is the [server] section: the HTTP API.
type ServerConfig struct {
	HTTP            string   `toml:"http"`              // listen address, default "127.0.0.1:8080"
	ReadTimeout     Duration `toml:"read_timeout"`      // 30s
	WriteTimeout    Duration `toml:"write_timeout"`     // 30s
	IdleTimeout     Duration `toml:"idle_timeout"`      // 120s
	RequestTimeout  Duration `toml:"request_timeout"`   // 10s
	ShutdownTimeout Duration `toml:"shutdown_timeout"`  // 30s
	MaxBodyBytes    int64    `toml:"max_body_bytes"`    // 1 MiB
	BatchBodyBytes  int64    `toml:"batch_body_bytes"`  // 16 MiB
	ImportBodyBytes int64    `toml:"import_body_bytes"` // 32 MiB
	PageCacheBytes  int64    `toml:"page_cache_bytes"`  // 64 MiB; 0 keeps none
}

// EngineConfig is the [engine] section: actors.Config. Every value must be
// set (> 0): actors reads 0 as "its default", which a config file would
// hide.
type EngineConfig struct {
	MaxInflight   int      `toml:"max_inflight"`   // actors.DefaultMaxInflight
	SnapshotEvery uint64   `toml:"snapshot_every"` // actors.DefaultSnapshotEvery
	SnapshotKeep  int      `toml:"snapshot_keep"`  // actors.DefaultSnapshotKeep
	JournalTail   uint64   `toml:"journal_tail"`   // actors.DefaultJournalTail
	IdleTimeout   Duration `toml:"idle_timeout"`   // 30m; negative = never passivate; 0 is refused
}

// RuntimeConfig is the [runtime] section: the Go runtime's memory settings
// (see applyRuntime).
type RuntimeConfig struct {
	// GCPercent is GOGC: actors.DefaultGCPercent; -1 turns the collector
	// off until the memory limit is reached.
	GCPercent int `toml:"gc_percent"`
	// MemoryLimitBytes is the soft memory limit (GOMEMLIMIT): 0 = 75% of
	// physical memory (or of the cgroup's limit); -1 = no limit.
	MemoryLimitBytes int64 `toml:"memory_limit_bytes"`
}

// LogConfig is the [log] section.
type LogConfig struct {
	Level    string `toml:"level"`    // debug|info|warn|error, default info
	Format   string `toml:"format"`   // auto|console|json; auto = console on a terminal, JSON otherwise
	Requests bool   `toml:"requests"` // one line per HTTP request; default true
}

// RootConfig holds the operator's root token.
type RootConfig struct {
	Token string `toml:"-"` // PARINAYA_ROOT_TOKEN only (a secret: never from the file, never logged)
}

// WhatsAppConfig is the [whatsapp] section.
type WhatsAppConfig struct {
	Mode string `toml:"mode"` // sandbox|cloud, default sandbox
	Tier string `toml:"tier"` // 250|2000|10000|100000|unlimited; "" = 250 in cloud mode, unlimited in sandbox
	// MPS is the messages per second the engine sends on the number
	// (default 80: Meta's default throughput).
	MPS int `toml:"mps"`
	// MaxAttempts is how many times a message is tried before it fails
	// (default 5).
	MaxAttempts int `toml:"max_attempts"`
	// Cloud mode: where Meta's Graph API is (point it at an `engine
	// sandbox` to try cloud mode locally), its version, and the business
	// phone number and account. In sandbox mode the sandbox's own are used.
	BaseURL           string `toml:"base_url"`
	APIVersion        string `toml:"api_version"`
	PhoneNumberID     string `toml:"phone_number_id"`
	BusinessAccountID string `toml:"business_account_id"`
	// InboxRetention is how long a processed webhook body stays in the
	// inbox, for replays, before it is pruned (actors.Config.
	// InboxRetention; default 30 days). Bodies not applied, or kept as
	// unroutable or unprocessable, stay whatever their age. Negative =
	// never prune; 0 is refused.
	InboxRetention Duration `toml:"inbox_retention"`

	AppSecret   string `toml:"-"` // PARINAYA_WHATSAPP_APP_SECRET only
	VerifyToken string `toml:"-"` // PARINAYA_WHATSAPP_VERIFY_TOKEN only
	AccessToken string `toml:"-"` // PARINAYA_WHATSAPP_ACCESS_TOKEN only
}

// SandboxConfig is the [sandbox] section: the stand-in for Meta's Cloud
// API used in sandbox mode.
type SandboxConfig struct {
	MPS           int      `toml:"mps"`        // messages per second accepted before 130429; 80
	ReplyRate     float64  `toml:"reply_rate"` // 0..1; 0, except 0.3 with --demo unless set
	FailRate      float64  `toml:"fail_rate"`
	DuplicateRate float64  `toml:"duplicate_rate"`
	ReorderRate   float64  `toml:"reorder_rate"`
	Delay         Duration `toml:"delay"` // status webhook delay; 20ms
}

// Duration is a time.Duration written as "250ms", "30s", "24h" in the
// TOML file and in environment variables.
type Duration struct{ time.Duration }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(strings.TrimSpace(string(b)))
	if err != nil {
		return fmt.Errorf("invalid duration %q (write e.g. 250ms, 30s, 24h)", b)
	}
	d.Duration = v
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Tiers are WhatsApp's messaging limits: unique recipients per rolling 24 h.
var whatsAppTiers = []string{"250", "2000", "10000", "100000", "unlimited"}

// demoReplyRate is sandbox.reply_rate under --demo when it is not set.
const demoReplyRate = 0.3

// errCheckedConfig is returned by loadConfig after --check-config has
// validated and printed the configuration: serve exits successfully.
var errCheckedConfig = errors.New("configuration checked")

// defaultConfig is the embedded defaults: what `engine serve` runs with
// when nothing is configured.
func defaultConfig() Config {
	return Config{
		Storage: StorageConfig{
			Data:               "./data",
			CacheBytes:         64 << 20,
			WALMinSyncInterval: Duration{storage.DefaultWALMinSyncInterval},
		},
		Server: ServerConfig{
			HTTP:            "127.0.0.1:8080",
			ReadTimeout:     Duration{30 * time.Second},
			WriteTimeout:    Duration{30 * time.Second},
			IdleTimeout:     Duration{120 * time.Second},
			RequestTimeout:  Duration{10 * time.Second},
			ShutdownTimeout: Duration{30 * time.Second},
			MaxBodyBytes:    1 << 20,
			BatchBodyBytes:  16 << 20,
			ImportBodyBytes: 32 << 20,
			PageCacheBytes:  httpapi.DefaultPageCacheBytes,
		},
		Engine: EngineConfig{
			MaxInflight:   actors.DefaultMaxInflight,
			SnapshotEvery: actors.DefaultSnapshotEvery,
			SnapshotKeep:  actors.DefaultSnapshotKeep,
			JournalTail:   actors.DefaultJournalTail,
			IdleTimeout:   Duration{actors.DefaultIdleTimeout},
		},
		Runtime: RuntimeConfig{
			GCPercent:        actors.DefaultGCPercent,
			MemoryLimitBytes: 0,
		},
		Log: LogConfig{Level: "info", Format: "auto", Requests: true},
		WhatsApp: WhatsAppConfig{Mode: "sandbox", MPS: actors.DefaultMPS, MaxAttempts: actors.DefaultMaxAttempts,
			BaseURL: whatsapp.DefaultBaseURL, APIVersion: whatsapp.DefaultAPIVersion,
			InboxRetention: Duration{actors.DefaultInboxRetention}},
		Sandbox: SandboxConfig{MPS: 80, Delay: Duration{20 * time.Millisecond}},
	}
}

const serveUsage = `usage: engine serve [--config FILE] [--data DIR] [--http ADDR] [--demo] [--check-config]

Runs the engine until SIGINT or SIGTERM.

Settings come from, each overriding the one before: built-in defaults, the
--config file (see configs/engine.example.toml), environment variables
PARINAYA_<SECTION>_<KEY> (e.g. PARINAYA_SERVER_HTTP=0.0.0.0:8080), and these
flags. Secrets come only from the environment: PARINAYA_ROOT_TOKEN,
PARINAYA_WHATSAPP_APP_SECRET, PARINAYA_WHATSAPP_VERIFY_TOKEN.

flags:
`

// loadConfig builds the serve configuration from defaults, the --config
// file, getenv and the flags in args, and validates it. With --help it
// prints the usage to stderr and returns flag.ErrHelp; with --check-config
// it prints the effective configuration (secrets redacted) to stderr and
// returns errCheckedConfig. Both mean "exit successfully".
func loadConfig(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	def := defaultConfig()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), serveUsage)
		fs.PrintDefaults()
	}
	dataDir := fs.String("data", def.Storage.Data, "data directory, created if missing (storage.data, PARINAYA_STORAGE_DATA)")
	httpAddr := fs.String("http", def.Server.HTTP, "HTTP listen address (server.http, PARINAYA_SERVER_HTTP)")
	file := fs.String("config", "", "TOML configuration `file` (optional)")
	demo := fs.Bool("demo", false, "seed a 1000-guest demo wedding and print its owner token and example requests")
	check := fs.Bool("check-config", false, "validate the configuration, print it (secrets redacted) and exit")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return Config{}, fmt.Errorf("serve: unexpected argument %q", fs.Arg(0))
	}

	c := def
	set := map[string]bool{} // toml keys set by the file or the environment
	if *file != "" {
		keys, err := decodeConfigFile(*file, &c)
		if err != nil {
			return Config{}, err
		}
		for _, k := range keys {
			set[k] = true
		}
		c.ConfigFile = *file
	}
	keys, err := applyEnv(&c, getenv)
	if err != nil {
		return Config{}, err
	}
	for _, k := range keys {
		set[k] = true
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "data":
			c.Storage.Data = *dataDir
		case "http":
			c.Server.HTTP = *httpAddr
		case "demo":
			c.Demo = *demo
		}
	})
	c.resolve(set)
	if err := c.Validate(); err != nil {
		return Config{}, fmt.Errorf("invalid configuration:\n%w", err)
	}
	if *check {
		if err := printConfig(stderr, c); err != nil {
			return Config{}, err
		}
		return c, errCheckedConfig
	}
	return c, nil
}

// resolve fills the defaults that depend on other settings; set holds the
// toml keys given by the file or the environment.
func (c *Config) resolve(set map[string]bool) {
	if c.WhatsApp.Tier == "" {
		if c.WhatsApp.Mode == "cloud" {
			c.WhatsApp.Tier = "250"
		} else {
			c.WhatsApp.Tier = "unlimited"
		}
	}
	if c.Demo && !set["sandbox.reply_rate"] {
		c.Sandbox.ReplyRate = demoReplyRate
	}
}

// decodeConfigFile overlays the TOML file at path on c and returns the keys
// it set. Keys that match no setting are an error naming them all.
func decodeConfigFile(path string, c *Config) ([]string, error) {
	md, err := toml.DecodeFile(path, c)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	secrets := map[string]string{}
	for _, s := range secretEnv {
		secrets[s.key] = s.name
	}
	var unknown []string
	for _, k := range md.Undecoded() {
		if env, ok := secrets[k.String()]; ok {
			return nil, fmt.Errorf("config %s: %s is a secret and is read only from the environment (%s); remove it from the file", path, k, env)
		}
		unknown = append(unknown, k.String())
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("config %s: unknown keys: %s (see configs/engine.example.toml)", path, strings.Join(unknown, ", "))
	}
	var keys []string
	for _, k := range md.Keys() {
		keys = append(keys, k.String())
	}
	return keys, nil
}

// envBinding ties an environment variable to a setting.
type envBinding struct {
	name   string // PARINAYA_SERVER_HTTP
	key    string // server.http
	index  []int  // the field in Config (reflect.Value.FieldByIndex)
	secret bool
}

// secretEnv are the settings that come only from the environment (toml:"-"
// in their section, so the reflection walk skips them).
var secretEnv = []struct {
	name, key, field string
}{
	{"PARINAYA_ROOT_TOKEN", "root.token", "Root.Token"},
	{"PARINAYA_WHATSAPP_APP_SECRET", "whatsapp.app_secret", "WhatsApp.AppSecret"},
	{"PARINAYA_WHATSAPP_VERIFY_TOKEN", "whatsapp.verify_token", "WhatsApp.VerifyToken"},
	{"PARINAYA_WHATSAPP_ACCESS_TOKEN", "whatsapp.access_token", "WhatsApp.AccessToken"},
}

// envBindings lists every environment variable serve reads: one per toml
// key of each section, found by reflection so that a new field gets its
// variable without more code, plus the secrets.
func envBindings() []envBinding {
	var out []envBinding
	ct := reflect.TypeFor[Config]()
	for i := range ct.NumField() {
		sec := ct.Field(i)
		sname := tomlName(sec)
		if sname == "" || sec.Type.Kind() != reflect.Struct {
			continue
		}
		for j := range sec.Type.NumField() {
			f := sec.Type.Field(j)
			fname := tomlName(f)
			if fname == "" {
				continue
			}
			out = append(out, envBinding{
				name:  "PARINAYA_" + strings.ToUpper(sname) + "_" + strings.ToUpper(fname),
				key:   sname + "." + fname,
				index: []int{i, j},
			})
		}
	}
	for _, s := range secretEnv {
		var index []int
		t := ct
		for _, part := range strings.Split(s.field, ".") {
			f, ok := t.FieldByName(part)
			if !ok {
				panic("cmd/engine: secretEnv names a missing field " + s.field)
			}
			index, t = append(index, f.Index...), f.Type
		}
		out = append(out, envBinding{name: s.name, key: s.key, index: index, secret: true})
	}
	return out
}

// tomlName is a field's toml key, or "" when it has none (toml:"-",
// unexported).
func tomlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	if name == "-" {
		return ""
	}
	if name == "" {
		name = strings.ToLower(f.Name)
	}
	return name
}

// applyEnv sets the settings whose variables getenv returns non-empty, and
// returns their toml keys. A bad value is an error naming the variable.
func applyEnv(c *Config, getenv func(string) string) ([]string, error) {
	var keys []string
	cv := reflect.ValueOf(c).Elem()
	for _, b := range envBindings() {
		raw := getenv(b.name)
		if raw == "" {
			continue
		}
		if err := setFromString(cv.FieldByIndex(b.index), raw); err != nil {
			if b.secret {
				return nil, fmt.Errorf("%s: %w", b.name, err)
			}
			return nil, fmt.Errorf("%s=%q: %w", b.name, raw, err)
		}
		keys = append(keys, b.key)
	}
	return keys, nil
}

// setFromString parses s into v according to v's type.
func setFromString(v reflect.Value, s string) error {
	if u, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		return u.UnmarshalText([]byte(s))
	}
	if v.Kind() == reflect.String {
		v.SetString(s)
		return nil
	}
	s = strings.TrimSpace(s)
	switch v.Kind() {
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return errors.New("want true or false")
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("want a whole number (%d-bit)", v.Type().Bits())
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, v.Type().Bits())
		if err != nil {
			return errors.New("want a whole number ≥ 0")
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil {
			return errors.New("want a number")
		}
		v.SetFloat(f)
	default:
		// A field of a kind added without support here; the env test
		// catches it.
		return fmt.Errorf("settings of type %s cannot come from the environment", v.Type())
	}
	return nil
}

// Validate checks every setting and reports all problems at once, one per
// line, each naming its field path (e.g. "server.max_body_bytes: must be >
// 0").
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{field}, args...)...))
	}
	positive := func(field string, v int64) {
		if v <= 0 {
			bad(field, "must be > 0")
		}
	}
	positiveDur := func(field string, d Duration) {
		if d.Duration <= 0 {
			bad(field, "must be > 0 (a duration like 250ms, 30s, 24h)")
		}
	}
	rate := func(field string, v float64) {
		if math.IsNaN(v) || v < 0 || v > 1 {
			bad(field, "must be between 0 and 1")
		}
	}

	if strings.TrimSpace(c.Storage.Data) == "" {
		bad("storage.data", "must not be empty")
	}
	positive("storage.cache_bytes", c.Storage.CacheBytes)
	if c.Storage.WALMinSyncInterval.Duration < 0 {
		bad("storage.wal_min_sync_interval", "must be ≥ 0 (0 syncs every commit at once)")
	}

	if _, port, err := net.SplitHostPort(c.Server.HTTP); err != nil {
		bad("server.http", "must be host:port, e.g. 127.0.0.1:8080 or :8080")
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		bad("server.http", "port %q is not a number 0..65535", port)
	}
	positiveDur("server.read_timeout", c.Server.ReadTimeout)
	positiveDur("server.write_timeout", c.Server.WriteTimeout)
	positiveDur("server.idle_timeout", c.Server.IdleTimeout)
	positiveDur("server.request_timeout", c.Server.RequestTimeout)
	positiveDur("server.shutdown_timeout", c.Server.ShutdownTimeout)
	positive("server.max_body_bytes", c.Server.MaxBodyBytes)
	positive("server.batch_body_bytes", c.Server.BatchBodyBytes)
	positive("server.import_body_bytes", c.Server.ImportBodyBytes)
	if c.Server.PageCacheBytes < 0 {
		bad("server.page_cache_bytes", "must be >= 0 (0 keeps no page)")
	}

	positive("engine.max_inflight", int64(c.Engine.MaxInflight))
	if c.Engine.SnapshotEvery == 0 {
		bad("engine.snapshot_every", "must be > 0")
	}
	positive("engine.snapshot_keep", int64(c.Engine.SnapshotKeep))
	if c.Engine.JournalTail == 0 {
		bad("engine.journal_tail", "must be > 0")
	}
	if c.Engine.IdleTimeout.Duration == 0 {
		bad("engine.idle_timeout", "must not be 0 (use a negative duration, e.g. -1s, to never passivate)")
	}

	if c.Runtime.GCPercent != -1 && c.Runtime.GCPercent <= 0 {
		bad("runtime.gc_percent", "must be > 0, or -1 to turn the collector off below the memory limit")
	}
	if c.Runtime.MemoryLimitBytes < -1 {
		bad("runtime.memory_limit_bytes", "must be a byte count, 0 (75%% of physical memory) or -1 (no limit)")
	}

	if !oneOf(c.Log.Level, "debug", "info", "warn", "error") {
		bad("log.level", "must be debug, info, warn or error")
	}
	if !oneOf(c.Log.Format, "auto", "console", "json") {
		bad("log.format", "must be auto, console or json")
	}

	if !oneOf(c.WhatsApp.Mode, "sandbox", "cloud") {
		bad("whatsapp.mode", "must be sandbox or cloud")
	}
	if c.WhatsApp.Tier != "" && !oneOf(c.WhatsApp.Tier, whatsAppTiers...) {
		bad("whatsapp.tier", "must be one of %s", strings.Join(whatsAppTiers, ", "))
	}
	positive("whatsapp.mps", int64(c.WhatsApp.MPS))
	positive("whatsapp.max_attempts", int64(c.WhatsApp.MaxAttempts))
	if c.WhatsApp.InboxRetention.Duration == 0 {
		bad("whatsapp.inbox_retention", "must not be 0 (use a negative duration, e.g. -1s, to keep every webhook body)")
	}
	if c.WhatsApp.Mode == "cloud" {
		if c.WhatsApp.AccessToken == "" {
			bad("whatsapp.access_token", "is required in cloud mode (set PARINAYA_WHATSAPP_ACCESS_TOKEN)")
		}
		if c.WhatsApp.PhoneNumberID == "" {
			bad("whatsapp.phone_number_id", "is required in cloud mode (the business phone number's id in WhatsApp Manager)")
		}
		if err := (whatsapp.Config{BaseURL: c.WhatsApp.BaseURL, APIVersion: c.WhatsApp.APIVersion,
			PhoneNumberID: c.WhatsApp.PhoneNumberID, AccessToken: "set"}).Validate(); err != nil && c.WhatsApp.PhoneNumberID != "" {
			bad("whatsapp", "%v", err)
		}
		if c.WhatsApp.AppSecret == "" {
			bad("whatsapp.app_secret", "is required in cloud mode (set PARINAYA_WHATSAPP_APP_SECRET)")
		}
		if c.WhatsApp.VerifyToken == "" {
			bad("whatsapp.verify_token", "is required in cloud mode (set PARINAYA_WHATSAPP_VERIFY_TOKEN)")
		}
		if c.Demo {
			bad("demo", "--demo needs whatsapp.mode sandbox: its guests' phone numbers are made up")
		}
	}

	positive("sandbox.mps", int64(c.Sandbox.MPS))
	rate("sandbox.reply_rate", c.Sandbox.ReplyRate)
	rate("sandbox.fail_rate", c.Sandbox.FailRate)
	rate("sandbox.duplicate_rate", c.Sandbox.DuplicateRate)
	rate("sandbox.reorder_rate", c.Sandbox.ReorderRate)
	if c.Sandbox.Delay.Duration < 0 {
		bad("sandbox.delay", "must be ≥ 0")
	}
	return errors.Join(errs...)
}

func oneOf(v string, allowed ...string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

// Redacted returns c with its secrets replaced: "<set>" when one is set,
// "" when not. Log or print only redacted configs.
func (c Config) Redacted() Config {
	r := func(s string) string {
		if s == "" {
			return ""
		}
		return "<set>"
	}
	c.Root.Token = r(c.Root.Token)
	c.WhatsApp.AppSecret = r(c.WhatsApp.AppSecret)
	c.WhatsApp.VerifyToken = r(c.WhatsApp.VerifyToken)
	c.WhatsApp.AccessToken = r(c.WhatsApp.AccessToken)
	return c
}

// printConfig writes c, redacted, as TOML, followed by the env-only
// secrets and flags as comments.
func printConfig(w io.Writer, c Config) error {
	r := c.Redacted()
	src := "no file"
	if c.ConfigFile != "" {
		src = c.ConfigFile
	}
	fmt.Fprintf(w, "# effective configuration (defaults, %s, environment, flags); it is valid\n\n", src)
	if err := toml.NewEncoder(w).Encode(r); err != nil {
		return fmt.Errorf("print config: %w", err)
	}
	cv := reflect.ValueOf(r)
	fmt.Fprintln(w, "\n# from the environment only:")
	names := make([]string, 0, len(secretEnv))
	vals := map[string]string{}
	for _, b := range envBindings() {
		if b.secret {
			v := cv.FieldByIndex(b.index).String()
			if v == "" {
				v = "<unset>"
			}
			names = append(names, b.name)
			vals[b.name] = v
		}
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "# %s = %s\n", n, vals[n])
	}
	fmt.Fprintf(w, "# --demo = %t\n", c.Demo)
	return nil
}
