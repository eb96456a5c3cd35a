package testjson

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// fastParse decodes the lines test2json writes: one flat object whose keys
// are Event's field names, exactly spelled, with string values (a number
// for Elapsed). It is several times faster than encoding/json. ok is false
// for anything else (other keys, other spellings, nested values, null,
// invalid UTF-8, malformed JSON), and the caller then falls back to
// encoding/json, so the result is always what json.Unmarshal would give;
// FuzzFastParse checks that.
func fastParse(b []byte) (ev Event, ok bool) {
	p := scanner{b: b}
	if !p.byte('{') {
		return Event{}, false
	}
	p.space()
	if p.peek() == '}' {
		p.i++
		return ev, p.end()
	}
	for {
		p.space()
		key, ok := p.str()
		if !ok {
			return Event{}, false
		}
		p.space()
		if !p.byte(':') {
			return Event{}, false
		}
		p.space()
		if key == "Elapsed" {
			n, ok := p.number()
			if !ok {
				return Event{}, false
			}
			ev.Elapsed = n
		} else {
			start := p.i
			val, ok := p.str()
			if !ok {
				return Event{}, false
			}
			switch key {
			case "Time":
				if ev.Time.UnmarshalJSON(p.b[start:p.i]) != nil {
					return Event{}, false
				}
			case "Action":
				ev.Action = val
			case "Package":
				ev.Package = val
			case "ImportPath":
				ev.ImportPath = val
			case "Test":
				ev.Test = val
			case "Output":
				ev.Output = val
			case "FailedBuild":
				ev.FailedBuild = val
			default:
				return Event{}, false
			}
		}
		p.space()
		switch p.peek() {
		case ',':
			p.i++
		case '}':
			p.i++
			return ev, p.end()
		default:
			return Event{}, false
		}
	}
}

// scanner walks a JSON line.
type scanner struct {
	b []byte
	i int
}

func (p *scanner) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *scanner) byte(c byte) bool {
	if p.peek() != c {
		return false
	}
	p.i++
	return true
}

func (p *scanner) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// end reports whether only whitespace is left.
func (p *scanner) end() bool {
	p.space()
	return p.i == len(p.b)
}

// str reads a JSON string. It declines invalid UTF-8 and control
// characters (encoding/json rejects the latter and rewrites the former).
func (p *scanner) str() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	start := p.i
	// Fast path: no escapes.
	for p.i < len(p.b) {
		c := p.b[p.i]
		if c == '"' {
			raw := p.b[start:p.i]
			p.i++
			if !utf8.Valid(raw) {
				return "", false
			}
			return string(raw), true
		}
		if c == '\\' {
			break
		}
		if c < 0x20 {
			return "", false
		}
		p.i++
	}
	out := make([]byte, 0, p.i-start+16)
	out = append(out, p.b[start:p.i]...)
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			p.i++
			if !utf8.Valid(out) {
				return "", false
			}
			return string(out), true
		case c < 0x20:
			return "", false
		case c != '\\':
			out = append(out, c)
			p.i++
			continue
		}
		// An escape.
		if p.i+1 >= len(p.b) {
			return "", false
		}
		e := p.b[p.i+1]
		p.i += 2
		switch e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", false
			}
			if utf16.IsSurrogate(r) {
				// A pair, or encoding/json's replacement rules: decline.
				if p.i+6 > len(p.b) || p.b[p.i] != '\\' || p.b[p.i+1] != 'u' {
					return "", false
				}
				p.i += 2
				r2, ok := p.hex4()
				if !ok {
					return "", false
				}
				r = utf16.DecodeRune(r, r2)
				if r == utf8.RuneError {
					return "", false
				}
			}
			out = utf8.AppendRune(out, r)
		default:
			return "", false
		}
	}
	return "", false
}

func (p *scanner) hex4() (rune, bool) {
	if p.i+4 > len(p.b) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(p.b[p.i:p.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(n), true
}

// number reads a JSON number (strict grammar) as a float64.
func (p *scanner) number() (float64, bool) {
	start := p.i
	p.byte('-')
	switch {
	case p.byte('0'):
	case p.digits() > 0:
	default:
		return 0, false
	}
	if p.byte('.') && p.digits() == 0 {
		return 0, false
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.i++
		if c := p.peek(); c == '+' || c == '-' {
			p.i++
		}
		if p.digits() == 0 {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(string(p.b[start:p.i]), 64)
	return f, err == nil
}

func (p *scanner) digits() int {
	n := 0
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
		n++
	}
	return n
}
