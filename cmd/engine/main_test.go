package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestServeStartsAndStops(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var stderr bytes.Buffer
	if err := run(ctx, []string{"serve", "--data", t.TempDir(), "--http", "127.0.0.1:0"}, &stderr, &stderr); err != nil {
		t.Fatalf("serve: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "stopped") {
		t.Fatalf("serve did not stop cleanly:\n%s", stderr.String())
	}
}

func TestUnknownCommand(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"nope"}, &out, &out); err == nil {
		t.Fatal("unknown command accepted")
	}
}

func TestEveryCommandHasHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"snapshot", "--help"}, {"version", "--help"}, {"sandbox", "--help"},
		{"snapshot", "create", "--help"}, {"snapshot", "list", "--help"}, {"snapshot", "verify", "--help"},
		{"snapshot", "export", "--help"}, {"snapshot", "restore", "--help"}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, &out); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if !strings.Contains(strings.ToLower(out.String()), "usage") {
			t.Fatalf("%v printed no usage:\n%s", args, out.String())
		}
	}
}
