// Command engine runs the ParinayaOS engine.
//
//	engine serve [--data DIR]   run the engine until SIGINT/SIGTERM
//	engine version              print the version
//
// main only binds flags, builds the parts and waits for signals; the work
// is done by the packages it wires together.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/parinayaos/engine/actors"
	"github.com/parinayaos/engine/storage"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "engine:", err)
		os.Exit(1)
	}
}

const usage = `usage: engine <command> [flags]

commands:
  serve     run the engine until SIGINT or SIGTERM
  version   print the version

Run "engine <command> --help" for a command's flags.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stderr)
	case "version":
		fmt.Fprintln(stdout, "engine", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", "./data", "data directory (created if missing)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := zerolog.New(zerolog.ConsoleWriter{Out: stderr, TimeFormat: time.RFC3339}).With().Timestamp().Logger()
	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		return err
	}
	db, err := storage.Open(*dataDir, storage.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	eng, err := actors.New(db, actors.Config{Logger: log})
	if err != nil {
		return err
	}
	weddings, err := db.Weddings()
	if err != nil {
		return err
	}
	log.Info().Str("data", *dataDir).Int("weddings", len(weddings)).Str("version", version).
		Msg("engine running (the HTTP API arrives with the next issue); stop with Ctrl-C")

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	<-ctx.Done()
	log.Info().Msg("stopping: snapshotting active weddings")
	closeCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := eng.Close(closeCtx); err != nil {
		return err
	}
	log.Info().Msg("stopped")
	return nil
}
