// Package tlscerts writes a throwaway CA, a server certificate for
// 127.0.0.1/localhost and a client certificate, for database servers
// started with TLS in tests (test/pgtest, test/mariadbtest).
package tlscerts

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// ClientUser is the common name of the client certificate: the database
// user that authenticates with it.
const ClientUser = "dbintel_tls"

// Files are the PEM files written.
type Files struct {
	CA         string // the CA certificate that signed both
	ServerCert string // SANs: IP 127.0.0.1, DNS localhost
	ServerKey  string
	ClientCert string // CN = ClientUser
	ClientKey  string
	OtherCA    string // a CA that signed neither, for verification failures
}

// Write creates the files in dir (keys 0600).
func Write(dir string) (Files, error) {
	f := Files{
		CA: filepath.Join(dir, "ca.pem"), ServerCert: filepath.Join(dir, "server.pem"), ServerKey: filepath.Join(dir, "server.key"),
		ClientCert: filepath.Join(dir, "client.pem"), ClientKey: filepath.Join(dir, "client.key"), OtherCA: filepath.Join(dir, "other-ca.pem"),
	}
	ca, caKey, err := issue(&x509.Certificate{Subject: pkix.Name{CommonName: "dbintel test CA"}, IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}, nil, nil, f.CA, "")
	if err != nil {
		return f, err
	}
	if _, _, err := issue(&x509.Certificate{Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, ca, caKey, f.ServerCert, f.ServerKey); err != nil {
		return f, err
	}
	if _, _, err := issue(&x509.Certificate{Subject: pkix.Name{CommonName: ClientUser},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, ca, caKey, f.ClientCert, f.ClientKey); err != nil {
		return f, err
	}
	_, _, err = issue(&x509.Certificate{Subject: pkix.Name{CommonName: "another CA"}, IsCA: true,
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true}, nil, nil, f.OtherCA, "")
	return f, err
}

// issue signs tmpl with parent (self-signed when nil) and writes the
// certificate, and the key when keyPath is set.
func issue(tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, certPath, keyPath string) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	if tmpl.SerialNumber, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120)); err != nil {
		return nil, nil, err
	}
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return nil, nil, fmt.Errorf("tlscerts: %w", err)
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return nil, nil, err
	}
	if keyPath != "" {
		kd, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, nil, err
		}
		if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), 0o600); err != nil {
			return nil, nil, err
		}
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}
