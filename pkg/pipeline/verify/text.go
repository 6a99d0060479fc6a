package verify

// Byte helpers shared by the recognisers.

func isDigit(c byte) bool { return c-'0' < 10 }
func isUpper(c byte) bool { return c-'A' < 26 }
func isLower(c byte) bool { return c-'a' < 26 }
func isAlpha(c byte) bool { return isUpper(c) || isLower(c) }
func isAlnum(c byte) bool { return isDigit(c) || isAlpha(c) }

func lower(c byte) byte {
	if isUpper(c) {
		return c + 'a' - 'A'
	}
	return c
}

// numberStartOK reports whether a number starting at i stands alone: not the
// tail of an identifier (a716…), a decimal (.5), a negative number, an LSN
// (0/3000148) or a dashed id whose previous group is a number (uuid groups).
func numberStartOK(s string, i int) bool {
	if i == 0 {
		return true
	}
	p := s[i-1]
	if isAlnum(p) || p == '_' || p == '$' || p == '/' || p == '\\' {
		return false
	}
	if p == '-' || p == '.' || p == '+' {
		return i >= 2 && isAlpha(s[i-2])
	}
	return true
}

// numberEndOK is numberStartOK for the end of a number at e (exclusive).
func numberEndOK(s string, e int) bool {
	if e >= len(s) {
		return true
	}
	c := s[e]
	if isAlnum(c) || c == '_' {
		return false
	}
	if (c == '.' || c == '-' || c == '/' || c == ',') && e+1 < len(s) && isDigit(s[e+1]) {
		return false
	}
	return true
}

// containsFold reports whether s contains the lower-case ASCII word w,
// ignoring case, without allocating.
func containsFold(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		j := 0
		for j < len(w) && lower(s[i+j]) == w[j] {
			j++
		}
		if j == len(w) {
			return true
		}
	}
	return false
}

// contextBefore is the text up to n bytes before position i.
func contextBefore(s string, i, n int) string {
	if i > n {
		return s[i-n : i]
	}
	return s[:i]
}

// idWord reports whether the word just before position i names an
// identifier, a time or a position (queryid=…, trace_id: …, lsn …,
// epoch_ms=…): a bare number there is not a card, SSN or phone number.
func idWord(s string, i int) bool {
	return idSuffix(wordBefore(s, i))
}

// idKey is idWord for the attribute key a value sits under (db.query.id,
// customer.id).
func idKey(key string) bool {
	j := len(key)
	for j > 0 && (isAlpha(key[j-1]) || key[j-1] == '_') {
		j--
	}
	return idSuffix(key[j:])
}

func wordBefore(s string, i int) string {
	j := i
	for j > 0 && i-j < 4 {
		c := s[j-1]
		if c == ' ' || c == '=' || c == ':' || c == '"' || c == '\'' || c == '\t' {
			j--
			continue
		}
		break
	}
	end := j
	for j > 0 && (isAlpha(s[j-1]) || s[j-1] == '_' || s[j-1] == '.' || s[j-1] == '-') {
		j--
	}
	return s[j:end]
}

func idSuffix(w string) bool {
	if len(w) < 2 {
		return false
	}
	for _, suf := range idSuffixes {
		if len(w) >= len(suf) && asciiEqualFold(w[len(w)-len(suf):], suf) {
			return true
		}
	}
	return false
}

var idSuffixes = []string{"id", "ids", "lsn", "ts", "time", "timestamp", "epoch", "ms", "ns", "us",
	"seq", "offset", "version", "port", "hash", "size", "bytes", "count", "duration"}

func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}
