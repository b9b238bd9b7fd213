package main

import (
	"bytes"
	"io/fs"
	"math"
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/rs/zerolog"
)

const sampleMeminfo = `MemTotal:       16318412 kB
MemFree:         1234567 kB
MemAvailable:    8765432 kB
Buffers:          123456 kB
`

func TestMeminfoParse(t *testing.T) {
	tests := []struct {
		name, in string
		want     int64
		err      bool
	}{
		{"kB", sampleMeminfo, 16318412 << 10, false},
		{"not first line", "MemFree: 1 kB\nMemTotal: 2048 kB\n", 2 << 20, false},
		{"no unit", "MemTotal: 4096\n", 4096, false},
		{"missing", "MemFree: 1 kB\n", 0, true},
		{"empty", "", 0, true},
		{"garbage", "MemTotal: lots kB\n", 0, true},
		{"no value", "MemTotal:\n", 0, true},
		{"zero", "MemTotal: 0 kB\n", 0, true},
		{"unknown unit", "MemTotal: 5 TB\n", 0, true},
		{"overflow", "MemTotal: 9223372036854775807 kB\n", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseMeminfo(strings.NewReader(tt.in))
			if (err != nil) != tt.err || got != tt.want {
				t.Fatalf("parseMeminfo = %d, %v; want %d, error %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestRuntimeMemoryLimit(t *testing.T) {
	files := func(m map[string]string) func(string) ([]byte, error) {
		return func(p string) ([]byte, error) {
			if s, ok := m[p]; ok {
				return []byte(s), nil
			}
			return nil, fs.ErrNotExist
		}
	}
	const memTotal = 16318412 << 10
	tests := []struct {
		name       string
		configured int64
		files      map[string]string
		want       int64
		err        bool
	}{
		{"explicit", 1 << 30, nil, 1 << 30, false},
		{"none", -1, nil, 0, false},
		{"75% of meminfo", 0, map[string]string{"/proc/meminfo": sampleMeminfo}, memTotal * 3 / 4, false},
		{"cgroup v2 lower", 0, map[string]string{"/proc/meminfo": sampleMeminfo, "/sys/fs/cgroup/memory.max": "1073741824\n"}, 805306368, false},
		{"cgroup v2 max", 0, map[string]string{"/proc/meminfo": sampleMeminfo, "/sys/fs/cgroup/memory.max": "max\n"}, memTotal * 3 / 4, false},
		{"cgroup v1 unset", 0, map[string]string{"/proc/meminfo": sampleMeminfo,
			"/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n"}, memTotal * 3 / 4, false},
		{"cgroup v1 lower", 0, map[string]string{"/proc/meminfo": sampleMeminfo,
			"/sys/fs/cgroup/memory/memory.limit_in_bytes": "2147483648\n"}, 1610612736, false},
		{"cgroup above physical", 0, map[string]string{"/proc/meminfo": sampleMeminfo, "/sys/fs/cgroup/memory.max": "99999999999999\n"}, memTotal * 3 / 4, false},
		{"unreadable", 0, nil, 0, true},
		{"bad meminfo", 0, map[string]string{"/proc/meminfo": "nothing here"}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := memoryLimit(tt.configured, files(tt.files))
			if (err != nil) != tt.err || got != tt.want {
				t.Fatalf("memoryLimit = %d, %v; want %d, error %v", got, err, tt.want, tt.err)
			}
		})
	}
}

func TestRuntimeApply(t *testing.T) {
	oldGC := debug.SetGCPercent(100)
	oldLimit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(oldGC)
		debug.SetMemoryLimit(oldLimit)
	})
	var logs bytes.Buffer
	log := zerolog.New(&logs)

	applyRuntime(RuntimeConfig{GCPercent: 250, MemoryLimitBytes: 3 << 30}, log)
	if got := debug.SetGCPercent(-1); got != 250 {
		t.Errorf("GC percent = %d, want 250", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 3<<30 {
		t.Errorf("memory limit = %d, want 3 GiB", got)
	}
	if !strings.Contains(logs.String(), `"memory_limit_bytes":3221225472`) || !strings.Contains(logs.String(), `"gc_percent":250`) {
		t.Errorf("not logged: %s", logs.String())
	}

	logs.Reset()
	applyRuntime(RuntimeConfig{GCPercent: 400, MemoryLimitBytes: -1}, log)
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("memory limit = %d, want none", got)
	}
	if !strings.Contains(logs.String(), "no memory limit") {
		t.Errorf("not logged: %s", logs.String())
	}

	// Automatic: whatever this machine has, a limit is set when it can be
	// read, and the log says so either way.
	logs.Reset()
	applyRuntime(RuntimeConfig{GCPercent: 400}, log)
	limit := debug.SetMemoryLimit(-1)
	if want, _, err := memoryLimit(0, os.ReadFile); err == nil && limit != want {
		t.Errorf("automatic limit = %d, want %d", limit, want)
	} else if err != nil && limit != math.MaxInt64 {
		t.Errorf("unknown memory, yet a limit of %d", limit)
	}
	if logs.Len() == 0 {
		t.Error("nothing logged")
	}
}

func TestRuntimeCgroupParse(t *testing.T) {
	for in, want := range map[string]int64{"max": 0, "": 0, "123\n": 123, "-5": 0, "x": 0, "9223372036854771712": 0} {
		got, ok := parseCgroupLimit(in)
		if got != want || ok != (want > 0) {
			t.Errorf("parseCgroupLimit(%q) = %d, %v", in, got, ok)
		}
	}
}
