package fakebackend

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// StartTLS is Start with TLS on both servers, using a fresh self-signed
// certificate for 127.0.0.1 whose PEM is at CAFile(). It exercises a
// sender's default (TLS) path, as with New Relic.
func StartTLS(t testing.TB) *Backend {
	t.Helper()
	b := &Backend{t: t, grpcAddr: "127.0.0.1:0", httpAddr: "127.0.0.1:0"}
	cert, caPEM, err := selfSigned()
	if err != nil {
		t.Fatalf("fakebackend: certificate: %v", err)
	}
	b.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	b.caFile = filepath.Join(t.TempDir(), "fakebackend-ca.pem")
	if err := os.WriteFile(b.caFile, caPEM, 0o600); err != nil {
		t.Fatalf("fakebackend: %v", err)
	}
	if err := b.listen(); err != nil {
		t.Fatalf("fakebackend: %v", err)
	}
	t.Cleanup(b.stop)
	return b
}

// CAFile is the PEM file a client must trust to reach a StartTLS backend
// (empty without TLS).
func (b *Backend) CAFile() string { return b.caFile }

func selfSigned() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "fakebackend"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}
