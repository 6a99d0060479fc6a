package forward

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Drop reasons (the `reason` label of items_dropped_total). A fixed set.
const (
	reasonInvalid        = "invalid"         // 400 / INVALID_ARGUMENT
	reasonUnauthorized   = "unauthorized"    // 401, 403 / UNAUTHENTICATED, PERMISSION_DENIED
	reasonNotFound       = "not_found"       // 404 / UNIMPLEMENTED (wrong endpoint)
	reasonTooLarge       = "too_large"       // a single item above the backend's size limit
	reasonRejected       = "rejected"        // any other permanent answer
	reasonPartialSuccess = "partial_success" // items the backend rejected in a successful answer
	reasonExpired        = "expired"         // older than retry.max_age
	reasonShutdown       = "shutdown"        // unsent at shutdown with an in-memory queue
	reasonDropOldest     = "drop_oldest"     // evicted by queue.drop_oldest
	reasonCorrupt        = "corrupt"         // unreadable entry in a durable queue
)

// exportError is a failed attempt, classified per the OTLP specification.
type exportError struct {
	err        error
	retryable  bool
	throttled  bool          // the backend asked us to slow down (429, RetryInfo)
	retryAfter time.Duration // minimum wait the backend asked for
	tooLarge   bool          // 413 / RESOURCE_EXHAUSTED without RetryInfo: split
	reason     string        // drop reason when not retryable
}

func (e *exportError) Error() string { return e.err.Error() }
func (e *exportError) Unwrap() error { return e.err }

// classifyGRPC maps a gRPC error to retry behaviour.
func classifyGRPC(err error) *exportError {
	st, ok := status.FromError(err)
	if !ok {
		// Not a status: a local failure such as a dial error or our own
		// attempt timeout. Both are worth retrying.
		return &exportError{err: err, retryable: true}
	}
	e := &exportError{err: fmt.Errorf("grpc %s: %s", st.Code(), st.Message())}
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok && ri.GetRetryDelay() != nil {
			e.retryAfter = ri.GetRetryDelay().AsDuration()
			e.throttled = true
		}
	}
	switch st.Code() {
	case codes.Unavailable, codes.DeadlineExceeded, codes.Aborted, codes.OutOfRange, codes.DataLoss, codes.Canceled:
		e.retryable = true
	case codes.ResourceExhausted:
		// With RetryInfo it is throttling; without it the OTLP spec says not
		// to retry, and New Relic uses it for "request too large".
		e.retryable = e.throttled
		e.tooLarge = !e.throttled
		e.reason = reasonTooLarge
	case codes.InvalidArgument:
		e.reason = reasonInvalid
	case codes.Unauthenticated, codes.PermissionDenied:
		e.reason = reasonUnauthorized
	case codes.Unimplemented, codes.NotFound:
		e.reason = reasonNotFound
	default:
		e.reason = reasonRejected
	}
	return e
}

// classifyHTTP maps a non-2xx HTTP answer to retry behaviour.
func classifyHTTP(code int, h http.Header, now time.Time) *exportError {
	e := &exportError{err: fmt.Errorf("http %d %s", code, http.StatusText(code))}
	if d, ok := parseRetryAfter(h.Get("Retry-After"), now); ok {
		e.retryAfter = d
	}
	switch code {
	case http.StatusTooManyRequests:
		e.retryable, e.throttled = true, true
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		e.retryable = true
		e.throttled = e.retryAfter > 0
	case http.StatusRequestEntityTooLarge:
		e.tooLarge, e.reason = true, reasonTooLarge
	case http.StatusBadRequest:
		e.reason = reasonInvalid
	case http.StatusUnauthorized, http.StatusForbidden:
		e.reason = reasonUnauthorized
	case http.StatusNotFound:
		e.reason = reasonNotFound
	default:
		e.reason = reasonRejected
	}
	return e
}

// classifyTransport covers errors that never reached an answer: refused
// connections, resets, attempt timeouts. All are retryable.
func classifyTransport(err error) *exportError {
	return &exportError{err: err, retryable: true}
}

// parseRetryAfter reads delay-seconds or an HTTP-date.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// classify turns any send error into an exportError.
func classify(err error) *exportError {
	var e *exportError
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return classifyTransport(err)
	}
	return classifyGRPC(err)
}
