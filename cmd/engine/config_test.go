package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// env is a getenv over a map.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "engine.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// resolvedDefaults is what loadConfig returns with nothing configured.
func resolvedDefaults() Config {
	c := defaultConfig()
	c.WhatsApp.Tier = "unlimited"
	return c
}

func TestConfigDefaults(t *testing.T) {
	var out bytes.Buffer
	got, err := loadConfig(nil, env(nil), &out)
	if err != nil {
		t.Fatalf("loadConfig: %v\n%s", err, out.String())
	}
	want := resolvedDefaults()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("defaults:\n got %+v\nwant %+v", got, want)
	}
	// The documented values, spelled out once.
	if got.Storage.Data != "./data" || got.Server.HTTP != "127.0.0.1:8080" ||
		got.Storage.WALMinSyncInterval.Duration != 250*time.Microsecond ||
		got.Server.MaxBodyBytes != 1<<20 ||
		got.Runtime.GCPercent != 400 || got.Sandbox.MPS != 80 || got.Sandbox.ReplyRate != 0 ||
		got.Sandbox.Delay.Duration != 20*time.Millisecond || got.WhatsApp.Mode != "sandbox" ||
		got.Log.Level != "info" || got.Log.Format != "auto" || !got.Log.Requests ||
		got.WhatsApp.InboxRetention.Duration != 30*24*time.Hour {
		t.Fatalf("a default differs from the documented one: %+v", got)
	}
	if err := defaultConfig().Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
}

func TestConfigPrecedence(t *testing.T) {
	file := writeConfig(t, `
[storage]
data = "/from/file"
cache_bytes = 1000
[server]
http = "127.0.0.1:1111"
max_body_bytes = 2048
read_timeout = "5s"
[sandbox]
mps = 10
`)
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, c Config)
	}{
		{"file over defaults", []string{"--config", file}, nil, func(t *testing.T, c Config) {
			if c.Storage.Data != "/from/file" || c.Storage.CacheBytes != 1000 || c.Server.HTTP != "127.0.0.1:1111" ||
				c.Server.MaxBodyBytes != 2048 || c.Server.ReadTimeout.Duration != 5*time.Second || c.Sandbox.MPS != 10 {
				t.Errorf("file values not applied: %+v", c)
			}
			if c.Server.WriteTimeout.Duration != 30*time.Second || c.Engine.MaxInflight != 1024 {
				t.Errorf("keys absent from the file lost their defaults: %+v", c)
			}
			if c.ConfigFile != file {
				t.Errorf("ConfigFile = %q", c.ConfigFile)
			}
		}},
		{"env over file", []string{"--config", file}, map[string]string{
			"PARINAYA_STORAGE_DATA":          "/from/env",
			"PARINAYA_SERVER_MAX_BODY_BYTES": "4096",
			"PARINAYA_SERVER_READ_TIMEOUT":   "7s",
			"PARINAYA_SANDBOX_MPS":           "20",
			"PARINAYA_LOG_REQUESTS":          "false",
		}, func(t *testing.T, c Config) {
			if c.Storage.Data != "/from/env" || c.Server.MaxBodyBytes != 4096 || c.Server.ReadTimeout.Duration != 7*time.Second ||
				c.Sandbox.MPS != 20 || c.Log.Requests {
				t.Errorf("env values not applied: %+v", c)
			}
			if c.Storage.CacheBytes != 1000 || c.Server.HTTP != "127.0.0.1:1111" {
				t.Errorf("file values lost: %+v", c)
			}
		}},
		{"flags over env", []string{"--config", file, "--data", "/from/flag", "--http", "127.0.0.1:3333"}, map[string]string{
			"PARINAYA_STORAGE_DATA": "/from/env",
			"PARINAYA_SERVER_HTTP":  "127.0.0.1:2222",
		}, func(t *testing.T, c Config) {
			if c.Storage.Data != "/from/flag" || c.Server.HTTP != "127.0.0.1:3333" {
				t.Errorf("flags not applied: %+v", c)
			}
		}},
		{"flag equal to the default still wins", []string{"--data", "./data"}, map[string]string{
			"PARINAYA_STORAGE_DATA": "/from/env",
		}, func(t *testing.T, c Config) {
			if c.Storage.Data != "./data" {
				t.Errorf("data = %q, want the flag's ./data", c.Storage.Data)
			}
		}},
		{"secrets from env", nil, map[string]string{
			"PARINAYA_ROOT_TOKEN":            "root-secret-0123456789",
			"PARINAYA_WHATSAPP_APP_SECRET":   "app-secret",
			"PARINAYA_WHATSAPP_VERIFY_TOKEN": "verify",
		}, func(t *testing.T, c Config) {
			if c.Root.Token != "root-secret-0123456789" || c.WhatsApp.AppSecret != "app-secret" || c.WhatsApp.VerifyToken != "verify" {
				t.Errorf("secrets not read: %+v", c)
			}
		}},
		{"tier by mode: cloud", nil, map[string]string{
			"PARINAYA_WHATSAPP_MODE": "cloud", "PARINAYA_WHATSAPP_APP_SECRET": "s", "PARINAYA_WHATSAPP_VERIFY_TOKEN": "v",
			"PARINAYA_WHATSAPP_ACCESS_TOKEN": "a", "PARINAYA_WHATSAPP_PHONE_NUMBER_ID": "106540352242922",
		}, func(t *testing.T, c Config) {
			if c.WhatsApp.Tier != "250" {
				t.Errorf("cloud tier = %q, want 250", c.WhatsApp.Tier)
			}
		}},
		{"tier explicit", nil, map[string]string{"PARINAYA_WHATSAPP_TIER": "2000"}, func(t *testing.T, c Config) {
			if c.WhatsApp.Tier != "2000" {
				t.Errorf("tier = %q", c.WhatsApp.Tier)
			}
		}},
		{"demo sets a reply rate", []string{"--demo"}, nil, func(t *testing.T, c Config) {
			if !c.Demo || c.Sandbox.ReplyRate != demoReplyRate {
				t.Errorf("demo = %v, reply_rate = %v", c.Demo, c.Sandbox.ReplyRate)
			}
		}},
		{"demo keeps a configured reply rate, even 0", []string{"--demo"}, map[string]string{"PARINAYA_SANDBOX_REPLY_RATE": "0"}, func(t *testing.T, c Config) {
			if c.Sandbox.ReplyRate != 0 {
				t.Errorf("reply_rate = %v, want the configured 0", c.Sandbox.ReplyRate)
			}
		}},
		{"negative idle timeout means never", nil, map[string]string{"PARINAYA_ENGINE_IDLE_TIMEOUT": "-1s"}, func(t *testing.T, c Config) {
			if c.Engine.IdleTimeout.Duration >= 0 {
				t.Errorf("idle_timeout = %v", c.Engine.IdleTimeout)
			}
		}},
		{"inbox retention from env", nil, map[string]string{"PARINAYA_WHATSAPP_INBOX_RETENTION": "168h"}, func(t *testing.T, c Config) {
			if c.WhatsApp.InboxRetention.Duration != 7*24*time.Hour {
				t.Errorf("inbox_retention = %v", c.WhatsApp.InboxRetention)
			}
		}},
		{"negative inbox retention means never", nil, map[string]string{"PARINAYA_WHATSAPP_INBOX_RETENTION": "-1s"}, func(t *testing.T, c Config) {
			if c.WhatsApp.InboxRetention.Duration >= 0 {
				t.Errorf("inbox_retention = %v", c.WhatsApp.InboxRetention)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			c, err := loadConfig(tt.args, env(tt.env), &out)
			if err != nil {
				t.Fatalf("loadConfig: %v\n%s", err, out.String())
			}
			tt.check(t, c)
		})
	}
}

func TestConfigErrors(t *testing.T) {
	unknown := writeConfig(t, "[server]\nhtp = \"x\"\n[storage]\ndata = \"d\"\n[nope]\nx = 1\n")
	secret := writeConfig(t, "[whatsapp]\napp_secret = \"s\"\n")
	badType := writeConfig(t, "[server]\nmax_body_bytes = \"big\"\n")
	badDur := writeConfig(t, "[server]\nread_timeout = 30\n")
	syntax := writeConfig(t, "[server\n")
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want []string // substrings of the error
	}{
		{"unknown keys named", []string{"--config", unknown}, nil, []string{"unknown keys", "server.htp", "nope.x"}},
		{"secret in file", []string{"--config", secret}, nil, []string{"whatsapp.app_secret", "PARINAYA_WHATSAPP_APP_SECRET"}},
		{"wrong type in file", []string{"--config", badType}, nil, []string{"max_body_bytes"}},
		{"bare number duration", []string{"--config", badDur}, nil, []string{"read_timeout"}},
		{"toml syntax", []string{"--config", syntax}, nil, []string{syntax}},
		{"missing file", []string{"--config", filepath.Join(t.TempDir(), "none.toml")}, nil, []string{"none.toml"}},
		{"bad env int", nil, map[string]string{"PARINAYA_SERVER_MAX_BODY_BYTES": "1MB"}, []string{"PARINAYA_SERVER_MAX_BODY_BYTES", "whole number"}},
		{"bad env duration", nil, map[string]string{"PARINAYA_SANDBOX_DELAY": "20"}, []string{"PARINAYA_SANDBOX_DELAY", "duration"}},
		{"bad env bool", nil, map[string]string{"PARINAYA_LOG_REQUESTS": "yes please"}, []string{"PARINAYA_LOG_REQUESTS"}},
		{"bad env float", nil, map[string]string{"PARINAYA_SANDBOX_FAIL_RATE": "half"}, []string{"PARINAYA_SANDBOX_FAIL_RATE"}},
		{"negative uint", nil, map[string]string{"PARINAYA_ENGINE_SNAPSHOT_EVERY": "-1"}, []string{"PARINAYA_ENGINE_SNAPSHOT_EVERY"}},
		{"zero body limit", nil, map[string]string{"PARINAYA_SERVER_MAX_BODY_BYTES": "0"}, []string{"server.max_body_bytes: must be > 0"}},
		{"mode", nil, map[string]string{"PARINAYA_WHATSAPP_MODE": "meta"}, []string{"whatsapp.mode: must be sandbox or cloud"}},
		{"tier", nil, map[string]string{"PARINAYA_WHATSAPP_TIER": "1000"}, []string{"whatsapp.tier"}},
		{"rate above 1", nil, map[string]string{"PARINAYA_SANDBOX_DUPLICATE_RATE": "1.5"}, []string{"sandbox.duplicate_rate: must be between 0 and 1"}},
		{"rate NaN", nil, map[string]string{"PARINAYA_SANDBOX_REORDER_RATE": "NaN"}, []string{"sandbox.reorder_rate"}},
		{"negative rate", nil, map[string]string{"PARINAYA_SANDBOX_REPLY_RATE": "-0.1"}, []string{"sandbox.reply_rate"}},
		{"zero mps", nil, map[string]string{"PARINAYA_SANDBOX_MPS": "0"}, []string{"sandbox.mps: must be > 0"}},
		{"log level", nil, map[string]string{"PARINAYA_LOG_LEVEL": "verbose"}, []string{"log.level"}},
		{"log format", nil, map[string]string{"PARINAYA_LOG_FORMAT": "xml"}, []string{"log.format"}},
		{"idle timeout zero", nil, map[string]string{"PARINAYA_ENGINE_IDLE_TIMEOUT": "0s"}, []string{"engine.idle_timeout"}},
		{"inbox retention zero", nil, map[string]string{"PARINAYA_WHATSAPP_INBOX_RETENTION": "0s"}, []string{"whatsapp.inbox_retention: must not be 0"}},
		{"journal tail zero", nil, map[string]string{"PARINAYA_ENGINE_JOURNAL_TAIL": "0"}, []string{"engine.journal_tail"}},
		{"gc percent", nil, map[string]string{"PARINAYA_RUNTIME_GC_PERCENT": "0"}, []string{"runtime.gc_percent"}},
		{"memory limit", nil, map[string]string{"PARINAYA_RUNTIME_MEMORY_LIMIT_BYTES": "-2"}, []string{"runtime.memory_limit_bytes"}},
		{"negative wal interval", nil, map[string]string{"PARINAYA_STORAGE_WAL_MIN_SYNC_INTERVAL": "-1ms"}, []string{"storage.wal_min_sync_interval"}},
		{"http address", []string{"--http", "8080"}, nil, []string{"server.http"}},
		{"http port", []string{"--http", "127.0.0.1:99999"}, nil, []string{"server.http"}},
		{"empty data", []string{"--data", ""}, nil, []string{"storage.data"}},
		{"cloud needs secrets", nil, map[string]string{"PARINAYA_WHATSAPP_MODE": "cloud"}, []string{"whatsapp.app_secret", "whatsapp.verify_token"}},
		{"demo needs sandbox", []string{"--demo"}, map[string]string{"PARINAYA_WHATSAPP_MODE": "cloud",
			"PARINAYA_WHATSAPP_APP_SECRET": "s", "PARINAYA_WHATSAPP_VERIFY_TOKEN": "v"}, []string{"demo"}},
		{"all problems at once", nil, map[string]string{"PARINAYA_SANDBOX_MPS": "0", "PARINAYA_LOG_LEVEL": "x"}, []string{"sandbox.mps", "log.level"}},
		{"unknown flag", []string{"--nope"}, nil, []string{"nope"}},
		{"stray argument", []string{"extra"}, nil, []string{"extra"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := loadConfig(tt.args, env(tt.env), &out)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestConfigSecretsNeverInErrors(t *testing.T) {
	// A secret's value must not appear even in an error about it.
	var out bytes.Buffer
	_, err := loadConfig(nil, env(map[string]string{"PARINAYA_WHATSAPP_MODE": "meta", "PARINAYA_ROOT_TOKEN": "s3cr3t-root-token-value"}), &out)
	if err == nil || strings.Contains(err.Error(), "s3cr3t") || strings.Contains(out.String(), "s3cr3t") {
		t.Fatalf("err = %v, out = %s", err, out.String())
	}
}

func TestConfigHelpAndCheck(t *testing.T) {
	var out bytes.Buffer
	if _, err := loadConfig([]string{"--help"}, env(nil), &out); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	if !strings.Contains(out.String(), "PARINAYA_") || !strings.Contains(out.String(), "-check-config") {
		t.Fatalf("usage lacks env/flags:\n%s", out.String())
	}

	out.Reset()
	c, err := loadConfig([]string{"--check-config", "--demo"}, env(map[string]string{
		"PARINAYA_ROOT_TOKEN":          "s3cr3t-root-token-value",
		"PARINAYA_WHATSAPP_APP_SECRET": "s3cr3t-app",
		"PARINAYA_SERVER_HTTP":         "0.0.0.0:9000",
	}), &out)
	if !errors.Is(err, errCheckedConfig) {
		t.Fatalf("--check-config: %v", err)
	}
	if c.Root.Token == "" {
		t.Fatal("--check-config returned no config")
	}
	text := out.String()
	if strings.Contains(text, "s3cr3t") {
		t.Fatalf("secrets printed:\n%s", text)
	}
	for _, want := range []string{`http = "0.0.0.0:9000"`, "PARINAYA_ROOT_TOKEN = <set>",
		"PARINAYA_WHATSAPP_APP_SECRET = <set>", "PARINAYA_WHATSAPP_VERIFY_TOKEN = <unset>", "reply_rate = 0.3", `tier = "unlimited"`} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	// What --check-config prints is itself a valid config file, minus the
	// comments about secrets.
	var back Config
	if _, err := toml.Decode(text, &back); err != nil {
		t.Fatalf("printed config does not parse: %v", err)
	}

	// An invalid configuration fails the check.
	out.Reset()
	if _, err := loadConfig([]string{"--check-config"}, env(map[string]string{"PARINAYA_SANDBOX_MPS": "-1"}), &out); err == nil || errors.Is(err, errCheckedConfig) {
		t.Fatalf("invalid config passed the check: %v", err)
	}
}

func TestConfigRedacted(t *testing.T) {
	c := defaultConfig()
	c.Root.Token, c.WhatsApp.AppSecret = "a", "b"
	r := c.Redacted()
	if r.Root.Token != "<set>" || r.WhatsApp.AppSecret != "<set>" || r.WhatsApp.VerifyToken != "" {
		t.Fatalf("redacted: %+v", r)
	}
	if c.Root.Token != "a" {
		t.Fatal("Redacted changed its receiver")
	}
	// Every secret is redacted: set all, and none survives.
	cv := reflect.ValueOf(&c).Elem()
	for _, b := range envBindings() {
		if b.secret {
			cv.FieldByIndex(b.index).SetString("secret-value")
		}
	}
	rv := reflect.ValueOf(c.Redacted())
	for _, b := range envBindings() {
		if b.secret && rv.FieldByIndex(b.index).String() != "<set>" {
			t.Errorf("%s survives Redacted: %q", b.key, rv.FieldByIndex(b.index).String())
		}
	}
}

// TestConfigEnvCoversEveryField walks Config by itself and checks that every
// setting has exactly one environment variable, named after its toml
// section and key, and that setting the variable changes that field.
func TestConfigEnvCoversEveryField(t *testing.T) {
	bindings := map[string]envBinding{}
	for _, b := range envBindings() {
		if _, dup := bindings[b.name]; dup {
			t.Errorf("two settings share %s", b.name)
		}
		bindings[b.name] = b
	}
	ct := reflect.TypeFor[Config]()
	seen := 0
	for i := range ct.NumField() {
		sec := ct.Field(i)
		if sec.Type.Kind() != reflect.Struct {
			if sec.Name != "Demo" && sec.Name != "ConfigFile" {
				t.Errorf("top-level field %s is not a section; give it an env var or document why not", sec.Name)
			}
			continue
		}
		section := sec.Tag.Get("toml")
		for j := range sec.Type.NumField() {
			f := sec.Type.Field(j)
			key := f.Tag.Get("toml")
			var b envBinding
			var ok bool
			if key == "-" {
				// A secret: it must be in secretEnv.
				for _, s := range envBindings() {
					if s.secret && reflect.DeepEqual(s.index, []int{i, j}) {
						b, ok = s, true
					}
				}
				if !ok {
					t.Errorf("secret %s.%s has no environment variable (add it to secretEnv)", sec.Name, f.Name)
					continue
				}
			} else {
				name := "PARINAYA_" + strings.ToUpper(section) + "_" + strings.ToUpper(key)
				if b, ok = bindings[name]; !ok {
					t.Errorf("%s.%s has no variable %s", section, key, name)
					continue
				}
				if b.key != section+"."+key {
					t.Errorf("%s maps to key %s", name, b.key)
				}
			}
			seen++
			if !reflect.DeepEqual(b.index, []int{i, j}) {
				t.Errorf("%s maps to field %v, want %s.%s", b.name, b.index, sec.Name, f.Name)
			}
			// Setting the variable changes exactly this field.
			c := defaultConfig()
			before := c
			if _, err := applyEnv(&c, env(map[string]string{b.name: sampleValue(t, f.Type)})); err != nil {
				t.Errorf("%s: %v", b.name, err)
				continue
			}
			got := reflect.ValueOf(c).Field(i).Field(j).Interface()
			if reflect.DeepEqual(got, reflect.ValueOf(before).Field(i).Field(j).Interface()) {
				t.Errorf("%s did not change %s.%s", b.name, sec.Name, f.Name)
			}
			reflect.ValueOf(&c).Elem().Field(i).Field(j).Set(reflect.ValueOf(before).Field(i).Field(j))
			if !reflect.DeepEqual(c, before) {
				t.Errorf("%s changed more than %s.%s", b.name, sec.Name, f.Name)
			}
		}
	}
	if seen != len(bindings) {
		t.Errorf("%d fields but %d variables", seen, len(bindings))
	}
}

// sampleValue is a valid value of type t that differs from every default.
func sampleValue(t *testing.T, typ reflect.Type) string {
	if typ == reflect.TypeFor[Duration]() {
		return "1234ms"
	}
	switch typ.Kind() {
	case reflect.String:
		return "sample-value"
	case reflect.Bool:
		return "false" // the only bool default is true (log.requests)
	case reflect.Int, reflect.Int64, reflect.Uint64:
		return "4321"
	case reflect.Float64:
		return "0.42"
	}
	t.Fatalf("no sample value for %s: teach sampleValue and setFromString", typ)
	return ""
}

// TestConfigExampleFile keeps configs/engine.example.toml in sync: it
// parses, sets every setting, and equals the defaults.
func TestConfigExampleFile(t *testing.T) {
	const path = "../../configs/engine.example.toml"
	var c Config
	md, err := toml.DecodeFile(path, &c)
	if err != nil {
		t.Fatal(err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		t.Fatalf("unknown keys in the example: %v", u)
	}
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range envBindings() {
		section, key, _ := strings.Cut(b.key, ".")
		switch {
		case b.secret:
			if !strings.Contains(string(text), b.name) {
				t.Errorf("the example does not document secret %s", b.name)
			}
		case b.key == "sandbox.reply_rate":
			// Commented out: setting it would defeat --demo's 0.3.
			if !strings.Contains(string(text), "# reply_rate = 0.0") {
				t.Errorf("the example does not document %s", b.key)
			}
		case !md.IsDefined(section, key):
			t.Errorf("the example does not set %s", b.key)
		}
		if !b.secret && !strings.Contains(string(text), b.name) {
			t.Errorf("the example does not name %s", b.name)
		}
	}
	if !reflect.DeepEqual(c, defaultConfig()) {
		t.Fatalf("the example differs from the defaults:\nexample  %+v\ndefaults %+v", c, defaultConfig())
	}
	// And it loads as a config file.
	var out bytes.Buffer
	got, err := loadConfig([]string{"--config", path}, env(nil), &out)
	if err != nil {
		t.Fatal(err)
	}
	got.ConfigFile = ""
	if !reflect.DeepEqual(got, resolvedDefaults()) {
		t.Fatalf("loading the example differs from the defaults:\n%+v", got)
	}
}

func TestConfigDurationText(t *testing.T) {
	for _, s := range []string{"250us", "250µs", "20ms", "30s", "24h", "-1s", "0s"} {
		var d Duration
		if err := d.UnmarshalText([]byte(s)); err != nil {
			t.Errorf("%s: %v", s, err)
			continue
		}
		b, _ := d.MarshalText()
		var back Duration
		if err := back.UnmarshalText(b); err != nil || back != d {
			t.Errorf("%s: round trip %s → %v (%v)", s, b, back, err)
		}
	}
	for _, s := range []string{"", "30", "1 day", "abc"} {
		var d Duration
		if err := d.UnmarshalText([]byte(s)); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
}
