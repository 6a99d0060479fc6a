package verify

import "net/netip"

// IP addresses, parsed with net/netip so only real addresses match: a run of
// digits and dots (IPv4) or of hex digits, colons and dots (IPv6), standing
// alone. Versions (15.4, 1.2.3), times (10:30:00), MAC addresses and OIDs
// fail to parse; a four-part version after "version"/"v" is skipped.

func findIPs(s string, out []finding) []finding {
	for i := 0; i < len(s); {
		c := s[i]
		if !isHex(c) && c != ':' {
			i++
			continue
		}
		if i > 0 && (isAlnum(s[i-1]) || s[i-1] == '_' || s[i-1] == '.' || s[i-1] == '-') {
			i = skipWord(s, i)
			continue
		}
		j, colons, dots := i, 0, 0
		for j < len(s) && (isHex(s[j]) || s[j] == ':' || s[j] == '.') {
			switch s[j] {
			case ':':
				colons++
			case '.':
				dots++
			}
			j++
		}
		end := j
		for end > i && (s[end-1] == '.' || (s[end-1] == ':' && colons < 2)) {
			end-- // sentence punctuation, "host:" labels
		}
		if end < len(s) && (isAlnum(s[end]) || s[end] == '_') {
			i = skipWord(s, j)
			continue
		}
		if colons >= 2 {
			if a, err := netip.ParseAddr(s[i:end]); err == nil && a.Is6() {
				out = append(out, finding{start: i, end: end, typ: typeIP})
			}
		} else if dots == 3 {
			v4 := s[i:end]
			if colons == 1 { // host:port
				for k := 0; k < len(v4); k++ {
					if v4[k] == ':' {
						v4 = v4[:k]
						break
					}
				}
			}
			if a, err := netip.ParseAddr(v4); err == nil && a.Is4() && !versionContext(s, i) {
				out = append(out, finding{start: i, end: i + len(v4), typ: typeIP})
			}
		}
		if j == i {
			j++
		}
		i = j
	}
	return out
}

func isHex(c byte) bool { return isDigit(c) || c-'a' < 6 || c-'A' < 6 }

func versionContext(s string, i int) bool {
	c := contextBefore(s, i, 12)
	return containsFold(c, "version") || containsFold(c, "ver ") || len(c) > 0 && lower(c[len(c)-1]) == 'v'
}
