package scrape

import (
	"strings"
	"testing"

	"github.com/dbintel/dbintel/test/tlscerts"
)

func TestTLSFiles(t *testing.T) {
	f, err := tlscerts.Write(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	good := TLSFiles{CAFile: f.CA, CertFile: f.ClientCert, KeyFile: f.ClientKey}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	c, err := good.Config("db1.example")
	if err != nil || c.ServerName != "db1.example" || c.RootCAs == nil || len(c.Certificates) != 1 || c.InsecureSkipVerify {
		t.Fatalf("config %+v, %v", c, err)
	}
	if c, _ := (TLSFiles{CAFile: f.CA, ServerName: "db.internal"}).Config("10.0.0.1"); c.ServerName != "db.internal" {
		t.Errorf("server_name not used: %q", c.ServerName)
	}
	for _, tc := range []struct {
		c    TLSFiles
		want string
	}{
		{TLSFiles{CAFile: f.ClientKey}, "ca_file: no PEM certificate"},
		{TLSFiles{CAFile: "/nonexistent/ca.pem"}, "ca_file: open /nonexistent/ca.pem"},
		{TLSFiles{CertFile: f.ClientCert}, "cert_file: cert_file and key_file go together"},
		{TLSFiles{CertFile: f.ClientCert, KeyFile: f.ServerKey}, "cert_file: tls: private key does not match"},
		{TLSFiles{ServerName: "x"}, "server_name: needs ca_file or cert_file"},
	} {
		if err := tc.c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: want %q, got %v", tc.c, tc.want, err)
		}
	}
}
