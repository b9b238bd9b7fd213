package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/rs/zerolog"
)

// autoMemoryShare is the part of physical memory the Go heap may grow to
// when runtime.memory_limit_bytes is 0: the rest is left for Pebble's
// block cache and memtables (outside the Go heap), the page cache and
// other processes.
const autoMemoryShare = 0.75

// applyRuntime sets the garbage collector's target (GOGC) and the soft
// memory limit (GOMEMLIMIT) from c, overriding those environment variables,
// and logs what it set.
func applyRuntime(c RuntimeConfig, log zerolog.Logger) {
	if v := os.Getenv("GOGC"); v != "" {
		log.Info().Str("GOGC", v).Msg("GOGC is overridden by runtime.gc_percent (PARINAYA_RUNTIME_GC_PERCENT)")
	}
	if v := os.Getenv("GOMEMLIMIT"); v != "" {
		log.Info().Str("GOMEMLIMIT", v).Msg("GOMEMLIMIT is overridden by runtime.memory_limit_bytes (PARINAYA_RUNTIME_MEMORY_LIMIT_BYTES)")
	}
	debug.SetGCPercent(c.GCPercent)

	limit, source, err := memoryLimit(c.MemoryLimitBytes, os.ReadFile)
	if err != nil {
		log.Warn().Err(err).Msg("physical memory unknown: running without a memory limit (set runtime.memory_limit_bytes)")
	}
	if limit <= 0 {
		debug.SetMemoryLimit(math.MaxInt64)
		if err == nil {
			log.Info().Int("gc_percent", c.GCPercent).Msg("go runtime: no memory limit")
		}
		return
	}
	debug.SetMemoryLimit(limit)
	log.Info().Int("gc_percent", c.GCPercent).Int64("memory_limit_bytes", limit).
		Str("memory_limit", formatBytes(limit)).Str("source", source).Msg("go runtime configured")
}

// memoryLimit resolves runtime.memory_limit_bytes: -1 → 0 (none); a
// positive value → itself; 0 → autoMemoryShare of the machine's memory,
// which is /proc/meminfo's MemTotal or the cgroup's memory limit, whichever
// is lower. When the memory cannot be read, it returns 0 and the error.
// source says where the number came from.
func memoryLimit(configured int64, readFile func(string) ([]byte, error)) (limit int64, source string, err error) {
	switch {
	case configured < 0:
		return 0, "runtime.memory_limit_bytes", nil
	case configured > 0:
		return configured, "runtime.memory_limit_bytes", nil
	}
	b, err := readFile("/proc/meminfo")
	if err != nil {
		return 0, "", fmt.Errorf("read /proc/meminfo: %w", err)
	}
	total, err := parseMeminfo(bytes.NewReader(b))
	if err != nil {
		return 0, "", err
	}
	source = "75% of MemTotal in /proc/meminfo"
	for _, path := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if b, err := readFile(path); err == nil {
			if n, ok := parseCgroupLimit(string(b)); ok && n < total {
				total, source = n, "75% of the cgroup limit in "+path
			}
			break
		}
	}
	return int64(float64(total) * autoMemoryShare), source, nil
}

// parseMeminfo returns MemTotal from /proc/meminfo ("MemTotal: 16318412 kB"),
// in bytes.
func parseMeminfo(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "MemTotal:")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			break
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("/proc/meminfo: bad MemTotal %q", strings.TrimSpace(rest))
		}
		unit := int64(1)
		if len(f) > 1 {
			switch strings.ToLower(f[1]) {
			case "kb":
				unit = 1 << 10
			case "mb":
				unit = 1 << 20
			case "gb":
				unit = 1 << 30
			default:
				return 0, fmt.Errorf("/proc/meminfo: unknown unit in MemTotal %q", strings.TrimSpace(rest))
			}
		}
		if n > math.MaxInt64/unit {
			return 0, fmt.Errorf("/proc/meminfo: MemTotal %q out of range", strings.TrimSpace(rest))
		}
		return n * unit, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("read /proc/meminfo: %w", err)
	}
	return 0, errors.New("/proc/meminfo: no MemTotal line")
}

// parseCgroupLimit reads a cgroup memory limit file: a byte count, or
// "max" (cgroup v2) / a huge number (cgroup v1) for none.
func parseCgroupLimit(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if s == "" || s == "max" {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	// cgroup v1 writes an unset limit as the largest page-aligned int64.
	if err != nil || n <= 0 || n >= math.MaxInt64&^(1<<12-1) {
		return 0, false
	}
	return n, true
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GiB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " B"
}
