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
// only in dbintel_receiver_requests_total, by answer code.
package otlpserver
