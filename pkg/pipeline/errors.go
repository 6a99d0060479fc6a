package pipeline

import (
	"errors"
	"fmt"
	"time"
)

// ErrRefused marks a temporary refusal (memory limit, full queue): the sender
// keeps the data and retries later. Transports map it to UNAVAILABLE / 503.
var ErrRefused = errors.New("refused")

// RefusedError is a temporary refusal with a hint of when to retry.
type RefusedError struct {
	Reason     string
	RetryAfter time.Duration
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("refused: %s (retry after %s)", e.Reason, e.RetryAfter)
}

// Is makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// Refused returns a temporary refusal.
func Refused(reason string, retryAfter time.Duration) error {
	return &RefusedError{Reason: reason, RetryAfter: retryAfter}
}

// RetryAfter returns the retry hint carried by err, if any.
func RetryAfter(err error) (time.Duration, bool) {
	var r *RefusedError
	if errors.As(err, &r) {
		return r.RetryAfter, true
	}
	return 0, false
}

// permanentError marks data that will never be accepted (bad content); the
// sender must not retry it. Transports map it to INVALID_ARGUMENT / 400.
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent wraps err so IsPermanent reports true.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err: err}
}

// IsPermanent reports whether err, or an error it wraps, is permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
