// Command ferretdb-local runs FerretDB v1 (embedded, SQLite backend) for the tests and the local stack.
// It is built as its own main module because FerretDB's own command refuses to start without the
// version file a release build generates, which the Go module proxy's copy lacks.
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27117", "TCP address to listen on")
	tlsListen := flag.String("listen-tls", "", "TLS address to listen on (optional)")
	tlsCert := flag.String("listen-tls-cert-file", "", "TLS certificate file")
	tlsKey := flag.String("listen-tls-key-file", "", "TLS key file")
	sqliteURL := flag.String("sqlite-url", "file:data/", "SQLite directory URI")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen, TLS: *tlsListen, TLSCertFile: *tlsCert, TLSKeyFile: *tlsKey},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: *sqliteURL,
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := f.Run(ctx); err != nil {
		log.Fatal(err)
	}
}
