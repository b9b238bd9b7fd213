package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/httpapi"
	"github.com/parinayaos/engine/storage"
)

// serve runs the engine until ctx ends or SIGINT/SIGTERM: it opens storage,
// starts the actors and the HTTP API, and on a signal stops accepting,
// finishes the requests in flight, snapshots every active wedding and
// closes storage.
func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := loadConfig(args, os.Getenv, stderr)
	if errors.Is(err, errCheckedConfig) || errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, stderr)
	applyRuntime(cfg.Runtime, log)

	if err := secureDataDir(cfg.Storage.Data, log); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	db, err := storage.Open(cfg.Storage.Data, storage.Options{
		CacheBytes:         cfg.Storage.CacheBytes,
		WALMinSyncInterval: walInterval(cfg.Storage.WALMinSyncInterval.Duration),
	})
	if err != nil {
		return err
	}
	defer db.Close()

	// The listener first: the sandbox posts its webhooks to our address.
	ln, err := net.Listen("tcp", cfg.Server.HTTP)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Server.HTTP, err)
	}
	addr := ln.Addr().String()
	defer ln.Close()
	wa, err := newMessaging(cfg, "http://"+addr+"/webhooks/whatsapp", log)
	if err != nil {
		return err
	}
	defer wa.close()

	reg := prometheus.NewRegistry()
	eng, err := actors.New(db, actors.Config{
		Messaging:      wa.actors,
		MaxInflight:    cfg.Engine.MaxInflight,
		SnapshotEvery:  cfg.Engine.SnapshotEvery,
		SnapshotKeep:   cfg.Engine.SnapshotKeep,
		JournalTail:    cfg.Engine.JournalTail,
		IdleTimeout:    cfg.Engine.IdleTimeout.Duration,
		InboxRetention: cfg.WhatsApp.InboxRetention.Duration,
		Logger:         log,
		Registerer:     reg,
	})
	if err != nil {
		return err
	}
	_, rootHash, err := rootToken(cfg, log)
	if err != nil {
		return err
	}
	srv := httpapi.New(eng, httpapi.Config{
		RootTokenHash:   rootHash,
		MaxBodyBytes:    int(cfg.Server.MaxBodyBytes),
		BatchBodyBytes:  int(cfg.Server.BatchBodyBytes),
		ImportBodyBytes: int(cfg.Server.ImportBodyBytes),
		PageCacheBytes:  pageCacheBytes(cfg.Server.PageCacheBytes),
		RequestTimeout:  cfg.Server.RequestTimeout.Duration,
		ReadTimeout:     cfg.Server.ReadTimeout.Duration,
		WriteTimeout:    cfg.Server.WriteTimeout.Duration,
		IdleTimeout:     cfg.Server.IdleTimeout.Duration,
		Logger:          log,
		LogRequests:     cfg.Log.Requests,
		Registry:        reg,
		Version:         version,

		WebhookAppSecret:   wa.appSecret,
		WebhookVerifyToken: wa.verifyToken,
		Sandbox:            wa.sandboxRoutes(),
	})

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if cfg.Demo {
		d, err := seedDemo(ctx, eng, time.Now())
		if err == nil {
			d.Pages, err = seedDemoPages(ctx, eng, time.Now(), wa.sandboxRoutes() != nil)
		}
		if err != nil {
			_ = ln.Close()
			_ = eng.Close(context.Background())
			return fmt.Errorf("demo: %w", err)
		}
		printDemo(stdout, d, "http://"+addr)
	}
	weddings, err := db.Weddings()
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	srv.SetReady(true)
	log.Info().Str("http", addr).Str("data", cfg.Storage.Data).Int("weddings", len(weddings)).
		Str("version", version).Msg("engine ready")

	select {
	case <-ctx.Done():
	case err := <-served:
		if err != nil {
			log.Error().Err(err).Msg("HTTP server stopped")
		}
	}
	log.Info().Msg("stopping: finishing requests in flight")
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.Server.ShutdownTimeout.Duration)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		log.Warn().Err(err).Msg("requests still in flight at the shutdown deadline")
	}
	log.Info().Msg("stopping: snapshotting active weddings")
	if err := eng.Close(shutCtx); err != nil {
		return err
	}
	log.Info().Msg("stopped")
	return nil
}

// secureDataDir makes the data directory if needed, and makes sure only
// the engine's user may enter it: it holds every guest's phone number (and
// the root token), and Pebble creates its files readable by all, so a
// directory made by hand with 0755 would expose them. A directory open to
// others is tightened to 0700, with a warning.
func secureDataDir(dir string, log zerolog.Logger) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("%s is open to other users (%#o) and cannot be closed: %w", dir, perm, err)
		}
		log.Warn().Str("data", dir).Str("was", fmt.Sprintf("%#o", perm)).
			Msg("the data directory was open to other users; its mode is now 0700")
	}
	return nil
}

// walInterval maps the config's "0 = none" to storage's "< 0 = none".
func walInterval(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// newLogger writes console-pretty lines on a terminal and JSON otherwise
// (format auto), at the configured level.
func newLogger(c LogConfig, w io.Writer) zerolog.Logger {
	lvl, err := zerolog.ParseLevel(c.Level)
	if err != nil || c.Level == "" {
		lvl = zerolog.InfoLevel
	}
	format := c.Format
	if format == "" || format == "auto" {
		format = "json"
		if f, ok := w.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				format = "console"
			}
		}
	}
	if format == "console" {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.RFC3339}
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger()
}

// pageCacheBytes is server.page_cache_bytes as httpapi reads it: there 0
// means its default and a negative value none.
func pageCacheBytes(n int64) int {
	if n == 0 {
		return -1
	}
	return int(n)
}
