package otlpserver

import (
	"context"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/tap"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// grpcTap runs on a call's headers, on the connection's reader goroutine,
// before gRPC reads the message: the only point where refusing saves the
// memory the message would take. In order it checks the credentials, the
// memory limiter, the server-wide cap on calls in flight and the in-flight
// budget. A message's length is unknown until it is read, so the call
// reserves max_recv_msg_size_bytes (the most gRPC will decompress) and
// shrinks the reservation to the real decompressed size once the message
// is in. Refused calls never reach the stats handler: counted here.
func (s *Server) grpcTap(ctx context.Context, info *tap.Info) (context.Context, error) {
	sig := signalOfMethod(info.FullMethodName)
	if s.auth != nil && !s.auth.allow(info.Header.Get("authorization"), info.Header.Get("api-key")) {
		return ctx, s.refuseTap(sig, errUnauthenticated)
	}
	if sig == signalUnknown {
		return ctx, nil // gRPC answers UNIMPLEMENTED without reading a message
	}
	if err := s.admit(); err != nil {
		return ctx, s.refuseTap(sig, s.refuseEarly(transportGRPC, err))
	}
	select {
	case s.grpcSlots <- struct{}{}:
	default:
		return ctx, s.refuseTap(sig, s.refuseEarly(transportGRPC, pipeline.Refused(reasonBusy, time.Second)))
	}
	l := s.budget.newLease()
	if err := l.resize(int64(s.cfg.GRPC.MaxRecvMsgSizeBytes)); err != nil {
		<-s.grpcSlots
		return ctx, s.refuseTap(sig, s.refuseEarly(transportGRPC, err))
	}
	ctx, cancel := context.WithCancel(ctx)
	c := &grpcCall{lease: l, slots: s.grpcSlots, cancel: cancel}
	// A message not in by recv_timeout is abandoned: cancelling the
	// stream's context ends gRPC's read of it.
	c.timer = time.AfterFunc(s.cfg.GRPC.RecvTimeout, func() {
		s.refuseEarly(transportGRPC, errSlowBody)
		cancel()
	})
	// The stream's context ends with the stream, whatever happened to it;
	// stats.End usually releases first.
	context.AfterFunc(ctx, c.done)
	return context.WithValue(ctx, grpcCallKey{}, c), nil
}

func (s *Server) refuseTap(sig string, err error) error {
	a := classify(err)
	s.m.requests.WithLabelValues(transportGRPC, sig, a.code.String()).Inc()
	return grpcStatus(err, a).Err()
}

type grpcCallKey struct{}

// grpcCall is one admitted call's hold on a slot and on the budget.
type grpcCall struct {
	lease  *lease
	slots  chan struct{}
	cancel context.CancelFunc
	timer  *time.Timer
	once   sync.Once
}

func callFrom(ctx context.Context) *grpcCall {
	c, _ := ctx.Value(grpcCallKey{}).(*grpcCall)
	return c
}

// received shrinks the reservation to the decompressed message; the
// handler then adds what it will decode into (exportGRPC).
func (c *grpcCall) received(length int) {
	c.timer.Stop()
	_ = c.lease.resize(int64(length)) // shrinking cannot fail
}

func (c *grpcCall) done() {
	c.once.Do(func() {
		c.timer.Stop()
		c.lease.release()
		<-c.slots
		c.cancel()
	})
}

// recoverUnary turns a panic in a service method (outside consume, which
// recovers its own) into INTERNAL: gRPC does not recover handler panics,
// and one would end the process.
func (s *Server) recoverUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	defer func() {
		if v := recover(); v != nil {
			perr := s.panicked(transportGRPC, signalOfMethod(info.FullMethod), v)
			resp, err = nil, status.Error(classify(perr).code, perr.Error())
		}
	}()
	return handler(ctx, req)
}
