package verify

// Payment cards: 13–19 digits, written contiguously or in groups separated by
// single spaces or dashes, with a valid Luhn check digit and an issuer prefix
// whose length range fits. Epoch milliseconds (17…), snowflake ids (1…) and
// negative query ids (-…) fail the prefix or boundary rules; a bare number
// after an id-like word (queryid=, order_id:) is not considered.

const maxGroups = 8

func findCards(s, key string, out []finding) []finding {
	var gs, ge [maxGroups]int // group starts and ends
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		if !numberStartOK(s, i) {
			i = skipWord(s, i)
			continue
		}
		n, sep := 0, byte(0)
		j := i
		for {
			k := j
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			gs[n], ge[n] = j, k
			n++
			if n < maxGroups && k+1 < len(s) && (s[k] == ' ' || s[k] == '-') && (sep == 0 || sep == s[k]) && isDigit(s[k+1]) {
				sep = s[k]
				j = k + 1
				continue
			}
			break
		}
		end := ge[n-1]
		if !numberEndOK(s, end) {
			i = skipWord(s, end)
			continue
		}
		for g := 0; g < n; {
			h := cardWindow(s, key, gs[:n], ge[:n], g)
			if h < 0 {
				g++
				continue
			}
			out = append(out, finding{start: gs[g], end: ge[h], typ: typeCard})
			g = h + 1
		}
		i = end
	}
	return out
}

// cardWindow returns the last group h ≥ g such that groups g..h form a valid
// card, preferring the longest, or -1.
func cardWindow(s, key string, gs, ge []int, g int) int {
	first := ge[g] - gs[g]
	if first >= 13 && first <= 19 {
		if idWord(s, gs[g]) || idKey(key) {
			return -1
		}
		if validCard(s[gs[g]:ge[g]]) {
			return g
		}
		return -1
	}
	if first != 4 {
		return -1
	}
	total, best := first, -1
	for h := g + 1; h < len(gs); h++ {
		l := ge[h] - gs[h]
		if l < 3 || l > 6 {
			break
		}
		total += l
		if total > 19 {
			break
		}
		if total >= 13 && validCard(s[gs[g]:ge[h]]) {
			best = h
		}
	}
	return best
}

// validCard checks issuer prefix, length and Luhn over the digits of v
// (separators skipped).
func validCard(v string) bool {
	var d [19]byte
	n := 0
	for i := 0; i < len(v); i++ {
		if isDigit(v[i]) {
			if n == len(d) {
				return false
			}
			d[n] = v[i] - '0'
			n++
		}
	}
	if n < 13 || !issuerOK(d[:n]) {
		return false
	}
	sum := 0
	for i := 0; i < n; i++ {
		x := int(d[n-1-i])
		if i%2 == 1 {
			x *= 2
			if x > 9 {
				x -= 9
			}
		}
		sum += x
	}
	return sum%10 == 0
}

type issuer struct {
	lo, hi     int // prefix range, inclusive, over `digits` leading digits
	digits     int
	minL, maxL int
}

// issuers lists the prefixes of the card networks in use (Visa, Mastercard,
// Amex, Discover, JCB, Diners, UnionPay, Maestro, Mir).
var issuers = []issuer{
	{4, 4, 1, 13, 19},       // Visa (13, 16, 19; 13–19 keeps Visa Electron and debit)
	{51, 55, 2, 16, 16},     // Mastercard
	{2221, 2720, 4, 16, 16}, // Mastercard 2-series
	{34, 34, 2, 15, 15},     // Amex
	{37, 37, 2, 15, 15},     // Amex
	{6011, 6011, 4, 16, 19}, // Discover
	{644, 649, 3, 16, 19},   // Discover
	{65, 65, 2, 16, 19},     // Discover
	{3528, 3589, 4, 16, 19}, // JCB
	{300, 305, 3, 14, 19},   // Diners
	{36, 36, 2, 14, 19},     // Diners
	{38, 39, 2, 14, 19},     // Diners
	{62, 62, 2, 16, 19},     // UnionPay
	{50, 50, 2, 13, 19},     // Maestro
	{56, 58, 2, 13, 19},     // Maestro
	{63, 63, 2, 13, 19},     // Maestro
	{67, 67, 2, 13, 19},     // Maestro
	{2200, 2204, 4, 16, 19}, // Mir
}

func issuerOK(d []byte) bool {
	for _, is := range issuers {
		if len(d) < is.minL || len(d) > is.maxL {
			continue
		}
		p := 0
		for i := 0; i < is.digits; i++ {
			p = p*10 + int(d[i])
		}
		if p >= is.lo && p <= is.hi {
			return true
		}
	}
	return false
}

// skipWord moves past the alphanumeric run containing i, so a number inside
// an identifier or hex string is never re-read from its middle.
func skipWord(s string, i int) int {
	for i < len(s) && (isAlnum(s[i]) || s[i] == '_') {
		i++
	}
	if i < len(s) {
		i++
	}
	return i
}
