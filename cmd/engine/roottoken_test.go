package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/parinayaos/engine/httpapi"
)

func rootCfg(dir, envToken string) Config {
	c := defaultConfig()
	c.Storage.Data = dir
	c.Root.Token = envToken
	return c
}

func TestRootTokenGeneratedOnceAndKept(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data") // not there yet
	var logs bytes.Buffer
	log := zerolog.New(&logs)

	tok, hash, err := rootToken(rootCfg(dir, ""), log)
	if err != nil {
		t.Fatal(err)
	}
	if tok == "" || hash != httpapi.HashToken(tok) {
		t.Fatalf("token %q, hash mismatch %v", tok, hash != httpapi.HashToken(tok))
	}
	path := filepath.Join(dir, rootTokenFile)
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("root.token mode %04o, want 0600", st.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if strings.TrimSpace(string(b)) != tok {
		t.Errorf("file holds %q, want the token", b)
	}
	if !strings.Contains(logs.String(), path) {
		t.Errorf("the path is not logged: %s", logs.String())
	}
	if strings.Contains(logs.String(), tok) {
		t.Fatalf("the token is logged: %s", logs.String())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("data dir holds %d entries, want only root.token (no temporary files)", len(entries))
	}

	// The next start reads the same token.
	logs.Reset()
	tok2, hash2, err := rootToken(rootCfg(dir, ""), log)
	if err != nil || tok2 != tok || hash2 != hash {
		t.Fatalf("second start: %q %v, want the first token", tok2, err)
	}
	if strings.Contains(logs.String(), tok) {
		t.Fatalf("the token is logged: %s", logs.String())
	}
}

func TestRootTokenFromEnv(t *testing.T) {
	dir := t.TempDir()
	const envTok = "an-operator-chosen-root-token"
	var logs bytes.Buffer
	tok, hash, err := rootToken(rootCfg(dir, envTok), zerolog.New(&logs))
	if err != nil {
		t.Fatal(err)
	}
	if tok != envTok || hash != httpapi.HashToken(envTok) {
		t.Fatalf("got %q", tok)
	}
	if _, err := os.Stat(filepath.Join(dir, rootTokenFile)); !os.IsNotExist(err) {
		t.Errorf("a root.token file was written although the token came from the environment: %v", err)
	}
	if strings.Contains(logs.String(), envTok) {
		t.Fatalf("the token is logged: %s", logs.String())
	}
	// The environment wins over an existing file.
	if err := os.WriteFile(filepath.Join(dir, rootTokenFile), []byte("file-token-0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if tok, _, err := rootToken(rootCfg(dir, envTok), zerolog.Nop()); err != nil || tok != envTok {
		t.Fatalf("got %q %v, want the environment's token", tok, err)
	}
}

func TestRootTokenRefusals(t *testing.T) {
	tests := []struct {
		name    string
		env     string
		content string
		mode    os.FileMode
		want    string
	}{
		{"short env token", "short", "", 0, "at least"},
		{"env token with spaces", "  an-operator-chosen-root-token", "", 0, "white space"},
		{"group-readable file", "", "file-token-0123456789abcdef\n", 0o640, "chmod 600"},
		{"world-readable file", "", "file-token-0123456789abcdef\n", 0o604, "chmod 600"},
		{"empty file", "", "\n", 0o600, "empty"},
		{"two tokens", "", "file-token-0123456789abcdef other\n", 0o600, "alone"},
		{"short file token", "", "abc\n", 0o600, "shorter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.mode&0o077 != 0 && runtime.GOOS == "windows" {
				t.Skip("no permission bits")
			}
			dir := t.TempDir()
			if tt.content != "" {
				p := filepath.Join(dir, rootTokenFile)
				if err := os.WriteFile(p, []byte(tt.content), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(p, tt.mode); err != nil {
					t.Fatal(err)
				}
			}
			_, _, err := rootToken(rootCfg(dir, tt.env), zerolog.Nop())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
			if secret := strings.TrimSpace(tt.content); secret != "" && strings.Contains(err.Error(), secret) {
				t.Fatalf("the error shows the token: %v", err)
			}
		})
	}
}

func TestRootTokenFileIsDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, rootTokenFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, _, err := rootToken(rootCfg(dir, ""), zerolog.Nop()); err == nil {
		t.Fatal("a directory named root.token was accepted")
	}
}
