package pgtest

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"

	"github.com/dbintel/dbintel/test/tlscerts"
)

// WithTLS turns ssl on with a throwaway CA (Server.TLS): a server
// certificate for 127.0.0.1/localhost, so clients can use
// sslmode=verify-full, and the role tlscerts.ClientUser (the test creates
// it) may only log in over TLS with the CA's client certificate (`cert`
// authentication); every other role keeps trust, with or without TLS.
func WithTLS() Option {
	return func(o *options) { o.tls = true }
}

// TLS is the certificates of a server started WithTLS.
func (s *Server) TLS() tlscerts.Files { return s.tls }

// setupTLS writes the certificates, gives the server key to the server's
// OS user (PostgreSQL refuses a key others can read), adds the ssl
// settings and puts the certificate rule first in pg_hba.conf.
func (s *Server) setupTLS(settings map[string]string) error {
	dir := filepath.Join(s.dir, "tls")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	files, err := tlscerts.Write(dir)
	if err != nil {
		return err
	}
	s.tls = files
	if s.runAs != "" {
		u, err := user.Lookup(s.runAs)
		if err != nil {
			return err
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(files.ServerKey, uid, gid); err != nil {
			return err
		}
	}
	settings["ssl"] = "on"
	settings["ssl_cert_file"] = "'" + files.ServerCert + "'"
	settings["ssl_key_file"] = "'" + files.ServerKey + "'"
	settings["ssl_ca_file"] = "'" + files.CA + "'"
	hba := filepath.Join(s.dataDir, "pg_hba.conf")
	old, err := os.ReadFile(hba)
	if err != nil {
		return err
	}
	rules := "hostssl all " + tlscerts.ClientUser + " 127.0.0.1/32 cert\n" +
		"host all " + tlscerts.ClientUser + " 127.0.0.1/32 reject\n"
	// Truncating keeps the file's owner (the server's OS user).
	return os.WriteFile(hba, append([]byte(rules), old...), 0)
}

// TLSDSN is a libpq URL for tlscerts.ClientUser over TLS with the server's
// certificate verified (verify-full: CA and host name) and the client
// certificate presented.
func (s *Server) TLSDSN() string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/postgres?sslmode=verify-full&sslrootcert=%s&sslcert=%s&sslkey=%s",
		tlscerts.ClientUser, s.port, s.tls.CA, s.tls.ClientCert, s.tls.ClientKey)
}
