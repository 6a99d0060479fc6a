package pgtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/dbintel/dbintel/test/tlscerts"
)

// A WithTLS server takes verify-full clients with the client certificate,
// and refuses a client that trusts another CA or brings no certificate.
func TestTLSVerifyFullWithClientCertificate(t *testing.T) {
	s := Start(t, WithTLS())
	s.Exec(t, "CREATE ROLE "+tlscerts.ClientUser+" LOGIN IN ROLE pg_monitor")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	conn, err := pgx.Connect(ctx, s.TLSDSN())
	if err != nil {
		t.Fatalf("verify-full with the CA and client certificate: %v", err)
	}
	var ssl bool
	var user string
	if err := conn.QueryRow(ctx, "SELECT ssl, current_user FROM pg_stat_ssl WHERE pid = pg_backend_pid()").Scan(&ssl, &user); err != nil || !ssl || user != tlscerts.ClientUser {
		t.Errorf("session ssl=%v user=%q err=%v", ssl, user, err)
	}
	conn.Close(ctx)

	for name, dsn := range map[string]string{
		"another CA":     strings.Replace(s.TLSDSN(), s.TLS().CA, s.TLS().OtherCA, 1),
		"no client cert": s.TLSDSN()[:strings.Index(s.TLSDSN(), "&sslcert=")],
		"no TLS":         strings.Replace(s.TLSDSN(), "sslmode=verify-full", "sslmode=disable", 1),
	} {
		if c, err := pgx.Connect(ctx, dsn); err == nil {
			c.Close(ctx)
			t.Errorf("%s: connected, want a refusal", name)
		}
	}
}
