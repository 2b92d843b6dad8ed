// Command perflab is the Go Performance Labs tool. See package
// github.com/goperflabs/labs/internal/cli for what it does, or run
//
//	go run ./cmd/perflab help
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"

	"github.com/goperflabs/labs/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := cli.Run(ctx, cli.Config{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin}, os.Args[1:])
	switch {
	case err == nil:
	case errors.Is(err, cli.ErrFailed):
		os.Exit(1)
	default:
		fmt.Fprintln(os.Stderr, "perflab:", err)
		os.Exit(2)
	}
}
