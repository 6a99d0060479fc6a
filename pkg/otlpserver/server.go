package otlpserver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"

	"github.com/dbintel/dbintel/internal/grpczstd"
	"github.com/dbintel/dbintel/pkg/pipeline"
)

// Server is the OTLP receiver: gRPC and HTTP listeners that decode export
// requests into pipeline.Batch values and hand them to next.
type Server struct {
	cfg  Config
	next pipeline.Consumer
	log  *slog.Logger
	m    *metrics
	auth *authenticator

	grpcTLS, httpTLS *tls.Config
	grpcSrv          *grpc.Server
	httpSrv          *http.Server
	// httpSlots holds one token per HTTP request being decoded or consumed;
	// grpcSlots one per gRPC call in flight, over all connections.
	httpSlots, grpcSlots chan struct{}
	budget               *budget
	admit                func() error

	mu                 sync.Mutex
	started, stopped   bool
	grpcAddr, httpAddr net.Addr

	wg           sync.WaitGroup
	shutdownOnce sync.Once
	shutdownErr  error
}

// Option configures optional collaborators of a Server.
type Option func(*Server)

// WithAdmission makes the server ask admit before it reads a request body
// (gRPC: before the message is read). A non-nil error refuses the request
// and is answered like a pipeline error (a pipeline refusal is retryable).
// The gateway passes its memory limiter, so a heap above the soft limit
// refuses before decoding rather than after.
func WithAdmission(admit func() error) Option { return func(s *Server) { s.admit = admit } }

// New validates cfg and builds the servers; nothing listens before Start.
// reg may be nil (no self-metrics); log may be nil (discarded).
func New(cfg Config, next pipeline.Consumer, reg prometheus.Registerer, log *slog.Logger, opts ...Option) (*Server, error) {
	if next == nil {
		return nil, errors.New("otlpserver: next consumer is nil")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("otlpserver: invalid config:\n%w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, next: next, log: log, auth: newAuthenticator(cfg.Auth), budget: newBudget(cfg.MaxInFlightBytes),
		admit: func() error { return nil }}
	for _, o := range opts {
		o(s)
	}
	var err error
	if s.grpcTLS, err = cfg.GRPC.TLS.load(); err != nil {
		return nil, fmt.Errorf("otlpserver: grpc.tls: %w", err)
	}
	if s.httpTLS, err = cfg.HTTP.TLS.load(); err != nil {
		return nil, fmt.Errorf("otlpserver: http.tls: %w", err)
	}
	if s.m, err = newMetrics(reg, s.budget); err != nil {
		return nil, fmt.Errorf("otlpserver: %w", err)
	}
	grpczstd.Register()
	if cfg.GRPC.Endpoint != "" {
		s.grpcSlots = make(chan struct{}, cfg.GRPC.MaxConcurrentRequests)
		s.grpcSrv = s.newGRPCServer()
	}
	if cfg.HTTP.Endpoint != "" {
		h := cfg.HTTP
		s.httpSlots = make(chan struct{}, h.MaxConcurrentRequests)
		s.httpSrv = &http.Server{
			Handler:           s.newHTTPHandler(),
			ReadHeaderTimeout: h.ReadHeaderTimeout,
			ReadTimeout:       h.ReadTimeout,
			WriteTimeout:      h.WriteTimeout,
			IdleTimeout:       h.IdleTimeout,
			TLSConfig:         s.httpTLS,
			// net/http logs per-connection trouble (TLS handshakes of port
			// scanners, ...): per-item noise, so Debug.
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug),
		}
	}
	return s, nil
}

// Start binds both listeners, then serves in the background. A bind error is
// returned and nothing is left listening. ctx only bounds the binding.
func (s *Server) Start(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started || s.stopped {
		return errors.New("otlpserver: Start called twice or after Shutdown")
	}
	var lc net.ListenConfig
	var grpcLn, httpLn net.Listener
	var err error
	if s.grpcSrv != nil {
		if grpcLn, err = lc.Listen(ctx, "tcp", s.cfg.GRPC.Endpoint); err != nil {
			return fmt.Errorf("otlpserver: grpc listen %s: %w", s.cfg.GRPC.Endpoint, err)
		}
	}
	if s.httpSrv != nil {
		if httpLn, err = lc.Listen(ctx, "tcp", s.cfg.HTTP.Endpoint); err != nil {
			if grpcLn != nil {
				_ = grpcLn.Close()
			}
			return fmt.Errorf("otlpserver: http listen %s: %w", s.cfg.HTTP.Endpoint, err)
		}
	}
	s.started = true
	if grpcLn != nil {
		s.grpcAddr = grpcLn.Addr()
		s.serve("grpc", func() error { return s.grpcSrv.Serve(grpcLn) })
		s.log.Info("OTLP/gRPC receiver listening", "addr", s.grpcAddr.String(), "tls", s.grpcTLS != nil)
	}
	if httpLn != nil {
		s.httpAddr = httpLn.Addr()
		s.serve("http", func() error {
			if s.httpTLS != nil {
				// Certificates come from TLSConfig; ServeTLS also offers HTTP/2.
				return s.httpSrv.ServeTLS(httpLn, "", "")
			}
			return s.httpSrv.Serve(httpLn)
		})
		s.log.Info("OTLP/HTTP receiver listening", "addr", s.httpAddr.String(), "tls", s.httpTLS != nil)
	}
	return nil
}

func (s *Server) serve(name string, fn func() error) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := fn(); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, grpc.ErrServerStopped) {
			s.log.Error("OTLP receiver stopped serving", "transport", name, "err", err)
		}
	}()
}

// GRPCAddr is the bound gRPC address, nil before Start or when off.
func (s *Server) GRPCAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.grpcAddr
}

// HTTPAddr is the bound HTTP address, nil before Start or when off.
func (s *Server) HTTPAddr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.httpAddr
}

// Shutdown stops accepting, lets in-flight requests finish until ctx ends,
// then cuts the rest, and waits for every goroutine of the server. Only the
// first call does the work; later ones return its result.
func (s *Server) Shutdown(ctx context.Context) error {
	s.shutdownOnce.Do(func() {
		s.mu.Lock()
		s.stopped = true // no Start may add a goroutine after this
		s.mu.Unlock()
		var errs []error
		if s.httpSrv != nil {
			if err := s.httpSrv.Shutdown(ctx); err != nil {
				errs = append(errs, fmt.Errorf("otlpserver: http shutdown: %w", err))
				_ = s.httpSrv.Close()
			}
		}
		if s.grpcSrv != nil {
			done := make(chan struct{})
			go func() { s.grpcSrv.GracefulStop(); close(done) }()
			select {
			case <-done:
			case <-ctx.Done():
				s.grpcSrv.Stop() // also ends the GracefulStop above
				<-done
				errs = append(errs, fmt.Errorf("otlpserver: grpc graceful stop: %w", ctx.Err()))
			}
		}
		s.wg.Wait()
		s.shutdownErr = errors.Join(errs...)
	})
	return s.shutdownErr
}

// consume hands one decoded request to the pipeline and keeps the item
// counts balanced: received = accepted + refused. A panic in the pipeline
// becomes errInternal and its items count as refused.
func (s *Server) consume(ctx context.Context, transport, signal string, b pipeline.Batch) (err error) {
	n := float64(b.Counts().Total())
	s.m.received.WithLabelValues(transport, signal).Add(n)
	defer func() {
		if v := recover(); v != nil {
			err = s.panicked(transport, signal, v)
		}
		if err != nil {
			s.m.refused.WithLabelValues(transport, signal, classify(err).reason).Add(n)
			return
		}
		s.m.accepted.WithLabelValues(transport, signal).Add(n)
	}()
	return s.next.Consume(ctx, b)
}

// refuseEarly counts a request refused before its body was read in full.
func (s *Server) refuseEarly(transport string, err error) error {
	s.m.early.WithLabelValues(transport, classify(err).reason).Inc()
	return err
}
