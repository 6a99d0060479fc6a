package forward

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

func TestClassifyGRPC(t *testing.T) {
	withRetryInfo := func(c codes.Code, d time.Duration) error {
		st, err := status.New(c, "x").WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(d)})
		if err != nil {
			t.Fatal(err)
		}
		return st.Err()
	}
	for _, tc := range []struct {
		name      string
		err       error
		retryable bool
		throttled bool
		tooLarge  bool
		after     time.Duration
		reason    string
	}{
		{"unavailable", status.Error(codes.Unavailable, "x"), true, false, false, 0, ""},
		{"unavailable+retryinfo", withRetryInfo(codes.Unavailable, 3*time.Second), true, true, false, 3 * time.Second, ""},
		{"deadline", status.Error(codes.DeadlineExceeded, "x"), true, false, false, 0, ""},
		{"aborted", status.Error(codes.Aborted, "x"), true, false, false, 0, ""},
		{"out of range", status.Error(codes.OutOfRange, "x"), true, false, false, 0, ""},
		{"data loss", status.Error(codes.DataLoss, "x"), true, false, false, 0, ""},
		{"cancelled", status.Error(codes.Canceled, "x"), true, false, false, 0, ""},
		{"exhausted+retryinfo", withRetryInfo(codes.ResourceExhausted, time.Second), true, true, false, time.Second, ""},
		{"exhausted = too large", status.Error(codes.ResourceExhausted, "x"), false, false, true, 0, reasonTooLarge},
		{"invalid", status.Error(codes.InvalidArgument, "x"), false, false, false, 0, reasonInvalid},
		{"unauthenticated", status.Error(codes.Unauthenticated, "x"), false, false, false, 0, reasonUnauthorized},
		{"permission", status.Error(codes.PermissionDenied, "x"), false, false, false, 0, reasonUnauthorized},
		{"unimplemented", status.Error(codes.Unimplemented, "x"), false, false, false, 0, reasonNotFound},
		{"internal", status.Error(codes.Internal, "x"), false, false, false, 0, reasonRejected},
		{"not a status", errors.New("dial tcp: connection refused"), true, false, false, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := classify(tc.err)
			if e.retryable != tc.retryable || e.throttled != tc.throttled || e.tooLarge != tc.tooLarge || e.retryAfter != tc.after || (!tc.retryable && e.reason != tc.reason) {
				t.Errorf("classify = %+v", e)
			}
		})
	}
}

func TestClassifyHTTP(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		code       int
		retryAfter string
		retryable  bool
		tooLarge   bool
		after      time.Duration
		reason     string
	}{
		{429, "2", true, false, 2 * time.Second, ""},
		{429, now.Add(5 * time.Second).Format(http.TimeFormat), true, false, 5 * time.Second, ""},
		{503, "", true, false, 0, ""},
		{502, "", true, false, 0, ""},
		{504, "1", true, false, time.Second, ""},
		{413, "", false, true, 0, reasonTooLarge},
		{400, "", false, false, 0, reasonInvalid},
		{401, "", false, false, 0, reasonUnauthorized},
		{403, "", false, false, 0, reasonUnauthorized},
		{404, "", false, false, 0, reasonNotFound},
		{409, "", false, false, 0, reasonRejected},
		{500, "", false, false, 0, reasonRejected},
		{429, "soon", true, false, 0, ""},
	} {
		h := http.Header{}
		if tc.retryAfter != "" {
			h.Set("Retry-After", tc.retryAfter)
		}
		e := classifyHTTP(tc.code, h, now)
		if e.retryable != tc.retryable || e.tooLarge != tc.tooLarge || e.retryAfter != tc.after || (!tc.retryable && e.reason != tc.reason) {
			t.Errorf("%d Retry-After %q: classify = %+v", tc.code, tc.retryAfter, e)
		}
	}
}
