package forward

import (
	"context"
	"crypto/tls"
	"fmt"

	"github.com/dbintel/dbintel/internal/config"
)

// client sends one single-signal request, raw being its protobuf body.
// rejected is the number of items the backend refused inside a successful
// answer (partial success).
type client interface {
	send(ctx context.Context, s signal, raw []byte) (rejected int64, err error)
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
	t, err := config.ClientTLS(c.CAFile, c.CertFile, c.KeyFile, c.ServerName)
	if err != nil {
		return nil, fmt.Errorf("forward tls.%w", err)
	}
	return t, nil
}
