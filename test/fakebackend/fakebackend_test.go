package fakebackend

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.uber.org/goleak"
	"google.golang.org/grpc/codes"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestResponseMapping(t *testing.T) {
	for _, tc := range []struct {
		r        Response
		wantHTTP int
		wantCode codes.Code
	}{
		{Response{}, 200, codes.OK},
		{Response{Code: codes.Unavailable}, 503, codes.Unavailable},
		{Response{Code: codes.ResourceExhausted}, 413, codes.ResourceExhausted},
		{Response{Code: codes.ResourceExhausted, RetryAfter: time.Second}, 429, codes.ResourceExhausted},
		{Response{HTTPStatus: 401}, 401, codes.Unauthenticated},
		{Response{HTTPStatus: 502}, 502, codes.Unavailable},
	} {
		code, h := tc.r.HTTP()
		if code != tc.wantHTTP {
			t.Errorf("%+v: HTTP %d, want %d", tc.r, code, tc.wantHTTP)
		}
		if got := tc.r.GRPCStatus().Code(); got != tc.wantCode {
			t.Errorf("%+v: gRPC %s, want %s", tc.r, got, tc.wantCode)
		}
		if tc.r.RetryAfter > 0 && h.Get("Retry-After") != "1" {
			t.Errorf("%+v: Retry-After %q", tc.r, h.Get("Retry-After"))
		}
	}
}

// TestHTTPJSONAndScript drives the HTTP side with a plain client: JSON
// body, a scripted 503 with Retry-After, then acceptance; and down/up.
func TestHTTPJSONAndScript(t *testing.T) {
	b := Start(t)
	b.Script(Response{HTTPStatus: 503, RetryAfter: 2 * time.Second})
	ld := plog.NewLogs()
	ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("hello")
	body, err := plogotlp.NewExportRequestFromLogs(ld).MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	post := func() *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, b.HTTPURL()+"/v1/logs", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Api-Key", "k")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := post(); r.StatusCode != 503 || r.Header.Get("Retry-After") != "2" {
		t.Fatalf("scripted answer: %d %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	if r := post(); r.StatusCode != 200 {
		t.Fatalf("after the script: %d", r.StatusCode)
	}
	b.WaitForItems(t, 1, 5*time.Second)
	reqs := b.Requests()
	if len(reqs) != 2 || reqs[1].Headers["api-key"] != "k" || len(b.Logs()) != 1 {
		t.Fatalf("recorded %+v, %d logs", reqs, len(b.Logs()))
	}
	b.SetDown(true)
	if _, err := http.Post(b.HTTPURL()+"/v1/logs", "application/json", bytes.NewReader(body)); err == nil {
		t.Fatal("a down backend answered")
	}
	b.SetDown(false)
	if r := post(); r.StatusCode != 200 {
		t.Fatalf("back up: %d", r.StatusCode)
	}
	http.DefaultClient.CloseIdleConnections()
}
