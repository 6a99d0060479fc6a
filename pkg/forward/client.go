package forward

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// client sends one single-signal request. rejected is the number of items
// the backend refused inside a successful answer (partial success).
type client interface {
	send(ctx context.Context, s signal, b pipeline.Batch) (rejected int64, err error)
	close() error
}

func newClient(cfg Config) (client, error) {
	if cfg.Sink.File != "" {
		return newFileClient(cfg.Sink.File)
	}
	var tlsCfg *tls.Config
	if !cfg.Insecure {
		var err error
		if tlsCfg, err = buildTLS(cfg.TLS); err != nil {
			return nil, err
		}
	}
	if cfg.Protocol == "http" {
		return newHTTPClient(cfg, tlsCfg)
	}
	return newGRPCClient(cfg, tlsCfg)
}

// buildTLS starts from the system roots and adds what the config names.
func buildTLS(c TLSConfig) (*tls.Config, error) {
	t := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("forward tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("forward tls.ca_file %s: no PEM certificate found", c.CAFile)
		}
		t.RootCAs = pool
	}
	if c.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("forward tls.cert_file/key_file: %w", err)
		}
		t.Certificates = []tls.Certificate{cert}
	}
	return t, nil
}
