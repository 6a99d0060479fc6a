package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
)

// CAPool reads a PEM bundle of CA certificates (a managed database's, a
// private New Relic proxy's).
func CAPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("no PEM certificate in " + file)
	}
	return pool, nil
}

// ClientTLS builds the TLS settings of an outgoing connection: TLS 1.2 or
// later, the server verified against caFile (the system roots when empty)
// under serverName, and a client certificate when certFile is set. Errors
// name the key (ca_file, cert_file) for the caller to prefix with its path.
func ClientTLS(caFile, certFile, keyFile, serverName string) (*tls.Config, error) {
	t := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: serverName}
	if caFile != "" {
		pool, err := CAPool(caFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		t.RootCAs = pool
	}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("cert_file/key_file: %w", err)
		}
		t.Certificates = []tls.Certificate{cert}
	}
	return t, nil
}
