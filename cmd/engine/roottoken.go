package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/rs/zerolog"

	"github.com/parinayaos/engine/httpapi"
	"github.com/parinayaos/engine/internal/atomicfile"
)

// rootTokenFile is the root token's file in the data directory.
const rootTokenFile = "root.token"

// minRootTokenLen is the shortest PARINAYA_ROOT_TOKEN accepted: the root
// token opens every wedding.
const minRootTokenLen = 16

// rootToken returns the operator's root token and its hash: cfg.Root.Token
// (PARINAYA_ROOT_TOKEN) when set; otherwise the one in <data>/root.token,
// generated and written (mode 0600, atomically) on first start. The token
// itself is never logged, only where it is.
//
// A root.token readable or writable by group or others is refused, as ssh
// refuses such a private key: whoever can read it is the operator.
func rootToken(cfg Config, log zerolog.Logger) (token string, hash [32]byte, err error) {
	path := filepath.Join(cfg.Storage.Data, rootTokenFile)
	if t := cfg.Root.Token; t != "" {
		if len(strings.TrimSpace(t)) < minRootTokenLen {
			return "", hash, fmt.Errorf("PARINAYA_ROOT_TOKEN: must be at least %d characters", minRootTokenLen)
		}
		if strings.TrimSpace(t) != t {
			return "", hash, errors.New("PARINAYA_ROOT_TOKEN: must not begin or end with white space")
		}
		if _, err := os.Stat(path); err == nil {
			log.Info().Str("path", path).Msg("root token from PARINAYA_ROOT_TOKEN; the root.token file is ignored")
		} else {
			log.Info().Msg("root token from PARINAYA_ROOT_TOKEN")
		}
		return t, httpapi.HashToken(t), nil
	}

	token, err = readRootToken(path)
	switch {
	case err == nil:
		log.Info().Str("path", path).Msg("root token read from file")
		return token, httpapi.HashToken(token), nil
	case !errors.Is(err, fs.ErrNotExist):
		return "", hash, err
	}

	token = httpapi.NewRootToken()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", hash, fmt.Errorf("root token: %w", err)
	}
	if err := atomicfile.Write(path, []byte(token+"\n"), 0o600); err != nil {
		return "", hash, fmt.Errorf("root token: %w", err)
	}
	log.Info().Str("path", path).Msg("generated a new root token (the operator's key to every wedding); it is in this file, readable only by this user")
	return token, httpapi.HashToken(token), nil
}

// readRootToken reads a root.token file, refusing one that others may
// read or change. A missing file is an fs.ErrNotExist error.
func readRootToken(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		return "", fmt.Errorf("root token: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("root token: %w", err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("root token: %s is not a regular file", path)
	}
	if perm := st.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return "", fmt.Errorf("root token: %s has mode %04o, which lets other users read or change it; run chmod 600 %s", path, perm, path)
	}
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return "", fmt.Errorf("root token: read %s: %w", path, err)
	}
	t := strings.TrimSpace(string(b))
	if t == "" {
		return "", fmt.Errorf("root token: %s is empty; delete it to have a new token generated", path)
	}
	if strings.ContainsAny(t, " \t\r\n") {
		return "", fmt.Errorf("root token: %s must hold the token alone on one line", path)
	}
	if len(t) < minRootTokenLen {
		return "", fmt.Errorf("root token: the token in %s is shorter than %d characters", path, minRootTokenLen)
	}
	return t, nil
}
