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
	if err := run(ctx, []string{"serve", "--data", t.TempDir()}, &stderr, &stderr); err != nil {
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
