package mariadbtest

import (
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"fmt"
	"os"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/dbintel/dbintel/test/tlscerts"
)

// A WithTLS server takes a client that verifies its certificate against
// the CA (and presents a client certificate), and a client that trusts
// another CA fails.
func TestTLSVerifiedWithClientCertificate(t *testing.T) {
	files, err := tlscerts.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := Start(t, WithTLS(files))
	open := func(ca string) *sql.DB {
		pem, err := os.ReadFile(ca)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		cert, err := tls.LoadX509KeyPair(files.ClientCert, files.ClientKey)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := mysql.ParseDSN(fmt.Sprintf("%s@tcp(127.0.0.1:%d)/", tlscerts.ClientUser, s.Port()))
		if err != nil {
			t.Fatal(err)
		}
		cfg.TLS = &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
		c, err := mysql.NewConnector(cfg)
		if err != nil {
			t.Fatal(err)
		}
		db := sql.OpenDB(c)
		t.Cleanup(func() { db.Close() })
		return db
	}
	var name, cipher string
	if err := open(files.CA).QueryRow("SHOW SESSION STATUS LIKE 'Ssl_cipher'").Scan(&name, &cipher); err != nil || cipher == "" {
		t.Fatalf("verified TLS session: cipher %q, err %v", cipher, err)
	}
	if err := open(files.OtherCA).Ping(); err == nil {
		t.Error("a client trusting another CA connected")
	}
}
