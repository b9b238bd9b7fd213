package load

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/rs/zerolog"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/httpapi"
	"github.com/parinayaos/engine/storage"
)

// Engine is an engine started by Start, serving HTTP on loopback.
type Engine struct {
	URL       string // http://127.0.0.1:port
	RootToken string

	db  *storage.DB
	eng *actors.Engine
	srv *httpapi.Server
}

// EngineOptions tune Start; the zero value is the engine's defaults.
type EngineOptions struct {
	// Logger gets the engine's logs (and the request lines when
	// LogRequests); the zero value discards them.
	Logger      zerolog.Logger
	LogRequests bool
}

// Start runs an engine on dir (an empty or existing data directory) with
// its HTTP API on a free loopback port.
func Start(dir string, o EngineOptions) (*Engine, error) {
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		return nil, err
	}
	eng, err := actors.New(db, actors.Config{Logger: o.Logger})
	if err != nil {
		db.Close()
		return nil, err
	}
	root := httpapi.NewRootToken()
	srv := httpapi.New(eng, httpapi.Config{RootTokenHash: httpapi.HashToken(root), Logger: o.Logger, LogRequests: o.LogRequests})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = eng.Close(context.Background())
		db.Close()
		return nil, err
	}
	go func() { _ = srv.Serve(ln) }()
	srv.SetReady(true)
	return &Engine{URL: "http://" + ln.Addr().String(), RootToken: root, db: db, eng: eng, srv: srv}, nil
}

// Close stops the HTTP server, snapshots and stops the engine.
func (e *Engine) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err1 := e.srv.Shutdown(ctx)
	err2 := e.eng.Close(ctx)
	err3 := e.db.Close()
	for _, err := range []error{err1, err2, err3} {
		if err != nil {
			return fmt.Errorf("load: close engine: %w", err)
		}
	}
	return nil
}
