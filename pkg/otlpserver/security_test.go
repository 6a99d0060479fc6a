package otlpserver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/dbintel/dbintel/internal/config"
)

func TestAuth(t *testing.T) {
	cfg := testConfig()
	cfg.Auth = AuthConfig{BearerTokens: []config.Secret{"s3cret", "other-token"}, APIKeys: []config.Secret{"key-1"}}
	rec := &recorder{}
	s := startServer(t, cfg, rec)
	client := pmetricotlp.NewGRPCClient(dialGRPC(t, s))
	body, err := pmetricotlp.NewExportRequestFromMetrics(testMetrics(1, 1, 1)).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		header map[string]string
		ok     bool
	}{
		{"missing", nil, false},
		{"wrong bearer", map[string]string{"authorization": "Bearer nope"}, false},
		{"prefix of token", map[string]string{"authorization": "Bearer s3cre"}, false},
		{"right token, wrong scheme", map[string]string{"authorization": "Basic s3cret"}, false},
		{"api key as bearer", map[string]string{"authorization": "Bearer key-1"}, false},
		{"bearer as api key", map[string]string{"api-key": "s3cret"}, false},
		{"wrong api key", map[string]string{"api-key": "key-2"}, false},
		{"right bearer", map[string]string{"authorization": "Bearer s3cret"}, true},
		{"second bearer, lower-case scheme", map[string]string{"authorization": "bearer other-token"}, true},
		{"right api key", map[string]string{"api-key": "key-1"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := rec.count()
			// gRPC
			ctx := context.Background()
			for k, v := range tt.header {
				ctx = metadata.AppendToOutgoingContext(ctx, k, v)
			}
			_, err := client.Export(ctx, pmetricotlp.NewExportRequestFromMetrics(testMetrics(1, 1, 1)))
			if wantCode := map[bool]codes.Code{true: codes.OK, false: codes.Unauthenticated}[tt.ok]; status.Code(err) != wantCode {
				t.Errorf("gRPC code %s, want %s (%v)", status.Code(err), wantCode, err)
			}
			// HTTP
			h := map[string]string{"Content-Type": contentTypeProto}
			for k, v := range tt.header {
				h[k] = v
			}
			resp, _ := post(t, nil, httpURL(s, "metrics"), body, h)
			if wantStatus := map[bool]int{true: 200, false: 401}[tt.ok]; resp.StatusCode != wantStatus {
				t.Errorf("HTTP status %d, want %d", resp.StatusCode, wantStatus)
			}
			wantBatches := 0
			if tt.ok {
				wantBatches = 2
			}
			if got := rec.count() - before; got != wantBatches {
				t.Errorf("%d batches reached the pipeline, want %d", got, wantBatches)
			}
		})
	}

	// Refused requests are counted by code, though their items are unknown.
	if err := s.Shutdown(context.Background()); err != nil { // makes counters final
		t.Fatal(err)
	}
	var refused float64
	for _, tt := range tests {
		if !tt.ok {
			refused++
		}
	}
	if got := testutil.ToFloat64(s.m.requests.WithLabelValues(transportGRPC, signalMetrics, "Unauthenticated")); got != refused {
		t.Errorf("gRPC Unauthenticated requests = %v, want %v", got, refused)
	}
	if got := testutil.ToFloat64(s.m.requests.WithLabelValues(transportHTTP, signalMetrics, "401")); got != refused {
		t.Errorf("HTTP 401 requests = %v, want %v", got, refused)
	}
	if got := testutil.ToFloat64(s.m.received.WithLabelValues(transportHTTP, signalMetrics)); got != float64(len(tests))-refused {
		t.Errorf("HTTP items received = %v, want %v (one point per accepted request)", got, float64(len(tests))-refused)
	}
}

// testPKI is a CA with a server certificate for 127.0.0.1 and a client one.
type testPKI struct {
	caFile, serverCert, serverKey string
	roots                         *x509.CertPool
	client                        tls.Certificate
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	writePEM := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	now := time.Now()
	caKey := newKey()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "dbintel test CA"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
		k := newKey()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return der, k
	}
	p := testPKI{roots: x509.NewCertPool()}
	p.roots.AddCert(ca)
	p.caFile = writePEM("ca.pem", "CERTIFICATE", caDER)
	srvDER, srvKey := leaf(2, "server", x509.ExtKeyUsageServerAuth)
	p.serverCert = writePEM("server.pem", "CERTIFICATE", srvDER)
	keyDER, err := x509.MarshalECPrivateKey(srvKey)
	if err != nil {
		t.Fatal(err)
	}
	p.serverKey = writePEM("server-key.pem", "EC PRIVATE KEY", keyDER)
	cliDER, cliKey := leaf(3, "client", x509.ExtKeyUsageClientAuth)
	p.client = tls.Certificate{Certificate: [][]byte{cliDER}, PrivateKey: cliKey}
	return p
}

func TestTLS(t *testing.T) {
	pki := newTestPKI(t)
	body, err := pmetricotlp.NewExportRequestFromMetrics(testMetrics(1, 1, 1)).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		mtls         bool
		clientCert   bool
		wantAccepted bool
	}{
		{"tls", false, false, true},
		{"mtls without client cert", true, false, false},
		{"mtls with client cert", true, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := testConfig()
			tc := TLSConfig{CertFile: pki.serverCert, KeyFile: pki.serverKey}
			if tt.mtls {
				tc.ClientCAFile = pki.caFile
			}
			cfg.GRPC.TLS, cfg.HTTP.TLS = tc, tc
			rec := &recorder{}
			s := startServer(t, cfg, rec)

			clientTLS := &tls.Config{RootCAs: pki.roots, MinVersion: tls.VersionTLS12}
			if tt.clientCert {
				clientTLS.Certificates = []tls.Certificate{pki.client}
			}
			cc := dialGRPC(t, s, grpc.WithTransportCredentials(credentials.NewTLS(clientTLS)))
			_, grpcErr := pmetricotlp.NewGRPCClient(cc).Export(context.Background(), pmetricotlp.NewExportRequestFromMetrics(testMetrics(1, 1, 1)))

			tr := &http.Transport{TLSClientConfig: clientTLS}
			defer tr.CloseIdleConnections()
			req, err := http.NewRequest(http.MethodPost, "https://"+s.HTTPAddr().String()+"/v1/metrics", bytesReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", contentTypeProto)
			resp, httpErr := (&http.Client{Transport: tr}).Do(req)
			if httpErr == nil {
				resp.Body.Close()
				if resp.StatusCode != 200 {
					httpErr = &statusError{resp.StatusCode}
				}
			}

			if tt.wantAccepted {
				if grpcErr != nil || httpErr != nil {
					t.Fatalf("grpc: %v, http: %v", grpcErr, httpErr)
				}
				if rec.count() != 2 {
					t.Errorf("%d batches arrived, want 2", rec.count())
				}
				return
			}
			if grpcErr == nil || httpErr == nil {
				t.Fatalf("accepted without a client certificate: grpc: %v, http: %v", grpcErr, httpErr)
			}
			if rec.count() != 0 {
				t.Errorf("%d batches arrived without a client certificate", rec.count())
			}
		})
	}

	t.Run("plaintext client refused", func(t *testing.T) {
		cfg := testConfig()
		cfg.HTTP.TLS = TLSConfig{CertFile: pki.serverCert, KeyFile: pki.serverKey}
		s := startServer(t, cfg, &recorder{})
		resp, _ := post(t, nil, httpURL(s, "metrics"), body, map[string]string{"Content-Type": contentTypeProto})
		if resp.StatusCode != http.StatusBadRequest { // net/http's answer to plain HTTP on a TLS port
			t.Errorf("status %d, want 400", resp.StatusCode)
		}
	})
}
