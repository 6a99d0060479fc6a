package fakebackend

import (
	"net/http"
	"strconv"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Response is one scripted answer. The zero value is success. Set Code for
// gRPC-minded scripts or HTTPStatus for HTTP-minded ones; the other
// transport gets the equivalent answer (see the mapping functions), so one
// script drives both.
type Response struct {
	// Code is the gRPC status; OK (0) with HTTPStatus 0 means success.
	Code codes.Code
	// HTTPStatus is the HTTP status; 0 derives it from Code.
	HTTPStatus int
	// RetryAfter becomes gRPC RetryInfo and the HTTP Retry-After header
	// (whole seconds).
	RetryAfter time.Duration
	// Rejected, on a success, reports this many items as rejected in
	// partial_success (the data is still recorded as received).
	Rejected int64
}

// Success reports whether the response accepts the data.
func (r Response) Success() bool {
	return r.Code == codes.OK && (r.HTTPStatus == 0 || r.HTTPStatus/100 == 2)
}

// GRPCStatus is the status a gRPC client sees (nil on success).
func (r Response) GRPCStatus() *status.Status {
	if r.Success() {
		return nil
	}
	code := r.Code
	if code == codes.OK {
		code = grpcCodeFor(r.HTTPStatus)
	}
	st := status.New(code, "fakebackend: scripted answer")
	if r.RetryAfter > 0 {
		if d, err := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(r.RetryAfter)}); err == nil {
			st = d
		}
	}
	return st
}

// HTTP is the status and headers an HTTP client sees.
func (r Response) HTTP() (int, http.Header) {
	h := http.Header{}
	if r.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(int((r.RetryAfter+time.Second-1)/time.Second)))
	}
	if r.HTTPStatus != 0 {
		return r.HTTPStatus, h
	}
	return httpStatusFor(r.Code, r.RetryAfter > 0), h
}

// httpStatusFor follows the OTLP/HTTP mapping of gRPC codes.
func httpStatusFor(c codes.Code, retryInfo bool) int {
	switch c {
	case codes.OK:
		return http.StatusOK
	case codes.Unavailable:
		return http.StatusServiceUnavailable
	case codes.InvalidArgument:
		return http.StatusBadRequest
	case codes.Unauthenticated:
		return http.StatusUnauthorized
	case codes.PermissionDenied:
		return http.StatusForbidden
	case codes.NotFound, codes.Unimplemented:
		return http.StatusNotFound
	case codes.ResourceExhausted:
		if retryInfo {
			return http.StatusTooManyRequests
		}
		return http.StatusRequestEntityTooLarge
	case codes.DeadlineExceeded:
		return http.StatusGatewayTimeout
	default:
		return http.StatusInternalServerError
	}
}

func grpcCodeFor(status int) codes.Code {
	switch status {
	case http.StatusTooManyRequests, http.StatusRequestEntityTooLarge:
		return codes.ResourceExhausted
	case http.StatusBadRequest:
		return codes.InvalidArgument
	case http.StatusUnauthorized:
		return codes.Unauthenticated
	case http.StatusForbidden:
		return codes.PermissionDenied
	case http.StatusNotFound:
		return codes.NotFound
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return codes.Unavailable
	default:
		return codes.Unknown
	}
}
