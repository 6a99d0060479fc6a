// Package otlpserver is the gateway's OTLP receiver: OTLP/gRPC (default
// :4317) and OTLP/HTTP (default :4318, POST /v1/metrics, /v1/logs,
// /v1/traces) for metrics, logs and traces. Each export request becomes one
// pipeline.Batch handed to the next pipeline.Consumer; the sender gets a
// success answer only when that consumer returned nil.
//
// # Limits
//
//   - gRPC: grpc.max_recv_msg_size_bytes caps a message after
//     decompression (gzip, and zstd with a window of at most 8 MiB); gRPC
//     reads at most one byte past it and answers RESOURCE_EXHAUSTED.
//     grpc.max_concurrent_streams caps streams per connection.
//   - HTTP: http.max_request_bytes caps the body as sent, and
//     http.max_decompressed_bytes caps it after gzip or zstd
//     decompression. Decompression stops one byte past the limit, so a zip
//     bomb costs no more memory than the limit and gets 413.
//     http.read_header_timeout bounds slow-header clients.
//   - Memory before decoding: max_in_flight_bytes is one budget for the
//     request bodies of both transports, at their decompressed size. HTTP
//     bodies take from it as their buffer grows (reading stops when it is
//     spent); a gRPC call reserves max_recv_msg_size_bytes at its headers
//     (InTapHandle, before the message is read) and keeps its real size once
//     the message is in. Both ask the memory limiter (WithAdmission) first.
//     A protobuf body is then charged what pdata will decode it into,
//     estimated by one allocation-free pass over its wire (wirecost.go: up
//     to 400 bytes per 2-byte empty message), an OTLP/JSON body per object
//     (jsoncost.go), before it is decoded: an estimate above the whole
//     budget is refused with 413 / RESOURCE_EXHAUSTED (send smaller
//     batches), one that does not fit now retryably. On gRPC the OTLP
//     services are registered by hand (grpc_decode.go) so the message
//     reaches this check as bytes.
//     grpc.max_concurrent_requests caps calls over all connections.
//     Refusals are retryable: 503 + Retry-After, UNAVAILABLE + RetryInfo.
//   - Slow senders: an HTTP body must keep http.min_body_bytes_per_second
//     after http.body_timeout (408 otherwise); http.max_concurrent_requests
//     is taken only once the body is in. A gRPC message must be in within
//     grpc.recv_timeout.
//   - Nesting: OTLP/JSON bodies deeper than http.max_json_depth (default
//     internal/nesting.MaxDepth, which admits everything pdata's protobuf
//     decoder admits) are refused with 400 while being read.
//   - Panics in the pipeline are recovered: INTERNAL / 500, logged at ERROR
//     with the stage, counted in panics_total, items counted refused.
//   - Auth: with auth.bearer_tokens or auth.api_keys set, every request
//     needs "authorization: Bearer <token>" or "api-key: <key>". On gRPC the
//     check runs on the headers, before the message is read.
//
// # Error mapping (errors.go, per the OTLP specification)
//
//	pipeline.ErrRefused (memory, full queue)  UNAVAILABLE + RetryInfo   503 + Retry-After
//	undecodable body, pipeline.Permanent      INVALID_ARGUMENT          400
//	too large                                 RESOURCE_EXHAUSTED        413
//	missing or wrong credentials              UNAUTHENTICATED           401
//	unsupported content type or encoding      -                         415
//	method other than POST                    -                         405
//	slow body (below the minimum rate)        DEADLINE_EXCEEDED         408
//	panic while processing                    INTERNAL                  500
//	any other error                           UNAVAILABLE               503
//
// The retry hint is the refusal's RetryAfter rounded up to whole seconds,
// at least 1 s, the same on both transports. HTTP error bodies are a
// google.rpc.Status in the request's encoding (JSON when it is unknown).
//
// # Self-metrics
//
// dbintel_receiver_items_{received,accepted,refused}_total count data
// points, log records and spans of decoded requests, so that
// received = accepted + refused. Requests refused before decoding (bad
// encoding, too large, unauthenticated) have no known item count and appear
// only in dbintel_receiver_requests_total, by answer code; retryable early
// refusals also in dbintel_receiver_requests_refused_early_total by reason.
// dbintel_receiver_in_flight_bytes{,_peak} show the budget in use.
package otlpserver
