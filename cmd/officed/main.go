// Command officed is the street office's central service. It only wires the
// process (arguments, environment, stdio, signals) to office/cli; run
// "officed help" for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"bianmin/office/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // a second signal during shutdown kills the process at once
	}()
	code := cli.Run(ctx, os.Args[1:], cli.Env{Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
