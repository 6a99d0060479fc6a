package verify

import (
	"testing"
)

func allOn() detector {
	var d detector
	for t := range numTypes {
		d.on[t] = true
	}
	return d
}

// found returns the values found in s, as "type:value".
func found(s, key string) []string {
	d := allOn()
	var out []string
	for _, f := range d.scan(s, key, nil) {
		out = append(out, f.typ.String()+":"+s[f.start:f.end])
	}
	return out
}

func TestRecognizers(t *testing.T) {
	tests := []struct {
		name, in, key string
		want          []string
	}{
		{"visa contiguous", "card 4111111111111111 ok", "", []string{"card:4111111111111111"}},
		{"visa spaced", "pay with 4111 1111 1111 1111.", "", []string{"card:4111 1111 1111 1111"}},
		{"amex dashed", "x=3782-822463-10005", "", []string{"card:3782-822463-10005"}},
		{"card then cvv", "4111 1111 1111 1111 123", "", []string{"card:4111 1111 1111 1111"}},
		{"bad luhn", "4111111111111112", "", nil},
		{"epoch millis", "ts 1732550400000", "", nil},
		{"queryid", "queryid=4111111111111111", "", nil},
		{"negative queryid", "id -4111111111111111", "", nil},
		{"uuid tail", "550e8400-e29b-41d4-4716-446655440000", "", nil},
		{"hex", "0x4111111111111111", "", nil},
		{"ssn dashed", "Failing row contains (1, 123-45-6789).", "", []string{"ssn:123-45-6789"}},
		{"ssn bad area", "000-12-3456 666-12-3456 900-12-3456", "", nil},
		{"ssn bad group serial", "123-00-4567 123-45-0000", "", nil},
		{"ssn bare with key", "123456789", "user.ssn", []string{"ssn:123456789"}},
		{"ssn bare no context", "order 123456789", "", nil},
		{"email pg", "Key (email)=(bob.smith@example.com) already exists.", "", []string{"email:bob.smith@example.com"}},
		{"email not", "pkg@1.2.3 user@localhost icon@2x.png a @> b", "", nil},
		{"phone e164", "call +44 20 7946 0958 now", "", []string{"phone:+44 20 7946 0958"}},
		{"phone nanp", "(415) 555-2671", "", []string{"phone:(415) 555-2671"}},
		{"phone nanp dashed", "tel 1-415-555-2671", "", []string{"phone:1-415-555-2671"}},
		{"phone bare with context", "phone: 4155552671", "", []string{"phone:4155552671"}},
		{"date", "2024-01-15 10:30:00", "", nil},
		{"lsn", "lsn 0/3000148", "", nil},
		{"version", "PostgreSQL 15.4.2", "", nil},
		{"bad area", "123-555-2671", "", nil},
		{"iban", "IBAN DE89370400440532013000 paid", "", []string{"iban:DE89370400440532013000"}},
		{"iban spaced", "GB82 WEST 1234 5698 7654 32", "", []string{"iban:GB82 WEST 1234 5698 7654 32"}},
		{"iban bad check", "DE89370400440532013001", "", nil},
		{"ipv4", "from 10.1.2.3:5432", "", []string{"ip:10.1.2.3"}},
		{"ipv6", "peer [2001:db8::1]:5432", "", []string{"ip:2001:db8::1"}},
		{"time not ip", "at 10:30:45", "", nil},
		{"password kv", "host=db user=app password=s3cr3t dbname=x", "", []string{"secret:s3cr3t"}},
		{"pwd odbc", "Server=x;Uid=sa;Pwd=Hunter2!;", "", []string{"secret:Hunter2!"}},
		{"url creds", "postgres://app:s3cr3t@db.example.com:5432/app", "", []string{"secret:s3cr3t"}},
		{"bearer", "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc", "", []string{"secret:eyJhbGciOiJIUzI1NiJ9.e30.abc"}},
		{"aws", "key AKIAIOSFODNN7EXAMPLE used", "", []string{"secret:AKIAIOSFODNN7EXAMPLE"}},
		{"pem", "k=-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- end", "",
			[]string{"secret:-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----"}},
		{"placeholder", "password=$1 password=? password=${env:X}", "", nil},
		{"api key in url", "https://x.example.com/v1?api_key=k3yV4lue&limit=5", "", []string{"secret:k3yV4lue"}},
		{"client secret json", `{"client_secret": "abc def"}`, "", []string{"secret:abc def"}},
		{"secret attribute key", "hunter2", "db.password", []string{"secret:hunter2"}},
		{"authorization header", "Basic dXNlcjpwYXNz", "http.request.header.authorization", []string{"secret:Basic dXNlcjpwYXNz"}},
		{"not a secret key", "secretary=ann", "", nil},
		{"marker", "[HASHED:card:4111111111111111] [REDACTED:email]", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := found(tt.in, tt.key)
			if len(got) != len(tt.want) {
				t.Fatalf("found %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("found %q, want %q", got, tt.want)
				}
			}
		})
	}
}
