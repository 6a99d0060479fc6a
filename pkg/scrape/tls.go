package scrape

import (
	"crypto/tls"
	"fmt"

	"github.com/dbintel/dbintel/internal/config"
)

// TLSFiles are the TLS settings of a database connection whose DSN has no
// words for files (go-sql-driver/mysql): the CA that signed the server's
// certificate (a managed database's, e.g. the RDS bundle) and a client
// certificate. PostgreSQL DSNs say the same with sslmode=verify-full,
// sslrootcert, sslcert and sslkey.
type TLSFiles struct {
	// CAFile, when set, turns TLS on and verifies the server's certificate
	// and host name against this CA instead of the system roots.
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are a client certificate (both or neither).
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ServerName is the name the certificate must carry when it is not the
	// DSN's host (connecting by IP address or through a tunnel).
	ServerName string `yaml:"server_name"`
}

// Enabled reports whether any file is set.
func (c TLSFiles) Enabled() bool { return c.CAFile != "" || c.CertFile != "" || c.KeyFile != "" }

// Validate reports every problem with its YAML path; it reads the files,
// so a missing or wrong one stops the start rather than every scrape.
func (c TLSFiles) Validate() error {
	var p config.Problems
	if c.ServerName != "" && !c.Enabled() {
		p.Add("server_name", "needs ca_file or cert_file")
	}
	if c.CAFile != "" {
		if _, err := config.CAPool(c.CAFile); err != nil {
			p.Add("ca_file", "%v", err)
		}
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		p.Add("cert_file", "cert_file and key_file go together")
	} else if c.CertFile != "" {
		if _, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile); err != nil {
			p.Add("cert_file", "%v", err)
		}
	}
	return p.Err()
}

// Config builds the tls.Config: verified against CAFile (or the system
// roots), with the client certificate, for host unless ServerName is set.
func (c TLSFiles) Config(host string) (*tls.Config, error) {
	name := host
	if c.ServerName != "" {
		name = c.ServerName
	}
	t, err := config.ClientTLS(c.CAFile, c.CertFile, c.KeyFile, name)
	if err != nil {
		return nil, fmt.Errorf("tls.%w", err)
	}
	return t, nil
}
