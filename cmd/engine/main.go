// Command engine runs the ParinayaOS engine.
//
//	engine serve [--data DIR] [--http ADDR] [--config FILE] [--demo]
//	engine sandbox [--http ADDR] [--webhook URL]
//	engine snapshot create|list|verify|export|restore …
//	engine version
//
// main only binds flags, builds the parts and waits for signals; the work
// is done by the packages it wires together.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
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
  serve     run the engine (HTTP API) until SIGINT or SIGTERM
  sandbox   run the WhatsApp sandbox (a local stand-in for Meta's Cloud API) alone
  snapshot  create, list, verify, export and restore wedding snapshots
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
		return serve(ctx, args[1:], stdout, stderr)
	case "sandbox":
		return sandboxCmd(ctx, args[1:], stdout, stderr)
	case "snapshot":
		return snapshotCmd(ctx, args[1:], stdout, stderr)
	case "version":
		if len(args) > 1 && (args[1] == "--help" || args[1] == "-h" || args[1] == "help") {
			fmt.Fprintln(stdout, "usage: engine version\n\nPrints the engine's version (set at build time with -ldflags \"-X main.version=…\").")
			return nil
		}
		fmt.Fprintln(stdout, "engine", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}
