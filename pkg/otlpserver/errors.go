package otlpserver

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/dbintel/dbintel/pkg/pipeline"
)

// This file is the one place where an error becomes a wire answer, following
// the OTLP specification's "failures" sections for gRPC and HTTP.

// Errors the receiver itself raises before the pipeline sees a request.
var (
	errTooLarge         = errors.New("request too large")
	errUnauthenticated  = errors.New("missing or wrong bearer token or api-key")
	errUnsupportedMedia = errors.New("unsupported content type or content encoding")
	errMethodNotAllowed = errors.New("method not allowed: OTLP/HTTP takes POST")
	errSlowBody         = errors.New("request body arrived below http.min_body_bytes_per_second")
	errTooDeep          = errors.New("JSON nesting deeper than http.max_json_depth")
)

// Refusal reasons (label values of items_refused_total) for errors that do
// not carry their own.
const (
	reasonInvalid         = "invalid"
	reasonTooLarge        = "too_large"
	reasonUnauthenticated = "unauthenticated"
	reasonUnsupported     = "unsupported"
	reasonInternal        = "internal"
	reasonRefused         = "refused"
	reasonPanic           = "panic"
	reasonBudget          = "budget"
	reasonBusy            = "busy"
	reasonSlowBody        = "slow_body"
)

// answer is what an error means on the wire.
type answer struct {
	code       codes.Code
	httpStatus int
	// retryAfter is set for temporary refusals: RetryInfo on gRPC,
	// Retry-After on HTTP.
	retryAfter time.Duration
	reason     string
}

func classify(err error) answer {
	switch {
	case errors.Is(err, pipeline.ErrRefused):
		d, _ := pipeline.RetryAfter(err)
		// Whole seconds, at least one: Retry-After has no finer unit, and both
		// transports should give senders the same hint.
		d = time.Duration(math.Ceil(d.Seconds())) * time.Second
		if d < time.Second {
			d = time.Second
		}
		return answer{code: codes.Unavailable, httpStatus: http.StatusServiceUnavailable, retryAfter: d, reason: refusalReason(err)}
	case errors.Is(err, errInternal):
		return answer{code: codes.Internal, httpStatus: http.StatusInternalServerError, reason: reasonPanic}
	case errors.Is(err, errSlowBody):
		return answer{code: codes.DeadlineExceeded, httpStatus: http.StatusRequestTimeout, reason: reasonSlowBody}
	case errors.Is(err, errTooLarge):
		return answer{code: codes.ResourceExhausted, httpStatus: http.StatusRequestEntityTooLarge, reason: reasonTooLarge}
	case errors.Is(err, errUnauthenticated):
		return answer{code: codes.Unauthenticated, httpStatus: http.StatusUnauthorized, reason: reasonUnauthenticated}
	case errors.Is(err, errUnsupportedMedia):
		return answer{code: codes.InvalidArgument, httpStatus: http.StatusUnsupportedMediaType, reason: reasonUnsupported}
	case errors.Is(err, errMethodNotAllowed):
		return answer{code: codes.Unimplemented, httpStatus: http.StatusMethodNotAllowed, reason: reasonUnsupported}
	case pipeline.IsPermanent(err):
		return answer{code: codes.InvalidArgument, httpStatus: http.StatusBadRequest, reason: reasonInvalid}
	default:
		// Nothing of the request was accepted, so the sender may retry: the
		// spec's UNAVAILABLE / 503 rather than a permanent failure.
		return answer{code: codes.Unavailable, httpStatus: http.StatusServiceUnavailable, reason: reasonInternal}
	}
}

// refusalReason keeps the reason a stage gave (memory, queue_full, ...) as a
// label value when it looks like the constant it should be; anything else is
// folded so a stage bug cannot explode the series count.
func refusalReason(err error) string {
	var r *pipeline.RefusedError
	if !errors.As(err, &r) || len(r.Reason) == 0 || len(r.Reason) > 32 {
		return reasonRefused
	}
	for _, c := range r.Reason {
		if (c < 'a' || c > 'z') && c != '_' {
			return reasonRefused
		}
	}
	return r.Reason
}

// grpcStatus is err as a gRPC status, with a RetryInfo detail for refusals.
func grpcStatus(err error, a answer) *status.Status {
	st := status.New(a.code, err.Error())
	if a.retryAfter > 0 {
		if withInfo, derr := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(a.retryAfter)}); derr == nil {
			st = withInfo
		}
	}
	return st
}

// writeHTTPError answers with a google.rpc.Status body in the request's
// encoding, as the OTLP/HTTP spec asks, plus Retry-After for refusals.
func writeHTTPError(w http.ResponseWriter, enc bodyEncoding, err error, a answer) {
	if a.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(a.retryAfter/time.Second)))
	}
	if a.httpStatus == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	body, merr := enc.marshalStatus(grpcStatus(err, a).Proto())
	if merr != nil {
		// A google.rpc.Status always marshals; keep the status code anyway.
		body = nil
	}
	w.Header().Set("Content-Type", enc.contentType())
	w.WriteHeader(a.httpStatus)
	_, _ = w.Write(body)
}
