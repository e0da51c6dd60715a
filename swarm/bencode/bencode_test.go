package bencode

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// render prints a decoded value in one canonical line for golden files.
func render(v any) string {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10)
	case string:
		return strconv.Quote(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = render(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = strconv.Quote(k) + ":" + render(x[k])
		}
		return "{" + strings.Join(parts, " ") + "}"
	}
	return fmt.Sprintf("?%T", v)
}

var sentinels = map[string]error{
	"ErrSyntax":       ErrSyntax,
	"ErrNonCanonical": ErrNonCanonical,
	"ErrTooDeep":      ErrTooDeep,
	"ErrTooLarge":     ErrTooLarge,
	"ErrTrailing":     ErrTrailing,
}

// TestDecodeGolden runs the cases of testdata/decode.txt: valid inputs
// decode to the rendering given and re-encode to the same bytes; invalid
// ones fail with the sentinel given.
func TestDecodeGolden(t *testing.T) {
	f, err := os.Open("testdata/decode.txt")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		quoted, err := strconv.QuotedPrefix(line)
		require.NoError(t, err, line)
		input, err := strconv.Unquote(quoted)
		require.NoError(t, err, line)
		want := strings.TrimSpace(line[len(quoted):])
		n++
		t.Run(quoted, func(t *testing.T) {
			v, err := Unmarshal([]byte(input))
			if name, ok := strings.CutPrefix(want, "error "); ok {
				sentinel := sentinels[name]
				require.NotNil(t, sentinel, "unknown sentinel %s", name)
				require.ErrorIs(t, err, sentinel)
				return
			}
			require.NoError(t, err)
			require.Equal(t, want, render(v))
			again, err := Marshal(v)
			require.NoError(t, err)
			require.Equal(t, input, string(again), "re-encoding must give the same bytes")
		})
	}
	require.NoError(t, sc.Err())
	require.Greater(t, n, 30)
}

func TestMarshal(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
		err  error
	}{
		{"int", 7, "i7e", nil},
		{"negative", int32(-3), "i-3e", nil},
		{"uint64", uint64(1 << 40), "i1099511627776e", nil},
		{"uint64 too big", uint64(1 << 63), "", ErrUnsupportedType},
		{"bytes", []byte{0, 1}, "2:\x00\x01", nil},
		{"strings", []string{"a", "bc"}, "l1:a2:bce", nil},
		{"dict sorted", map[string]any{"b": 1, "a": "x", "ab": []any{}}, "d1:a1:x2:able1:bi1ee", nil},
		{"string map", map[string]string{"z": "1", "y": "2"}, "d1:y1:21:z1:1e", nil},
		{"raw", []any{RawMessage("i5e")}, "li5ee", nil},
		{"float", 1.5, "", ErrUnsupportedType},
		{"nil", nil, "", ErrUnsupportedType},
		{"nested bad", map[string]any{"k": []any{struct{}{}}}, "", ErrUnsupportedType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Marshal(tt.in)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.want, string(b))
		})
	}
}

func TestLimits(t *testing.T) {
	deep := strings.Repeat("l", 10) + strings.Repeat("e", 10)
	_, err := Limits{MaxDepth: 9}.Unmarshal([]byte(deep))
	require.ErrorIs(t, err, ErrTooDeep)
	_, err = Limits{MaxDepth: 10}.Unmarshal([]byte(deep))
	require.NoError(t, err)

	_, err = Limits{MaxSize: 5}.Unmarshal([]byte("6:abcdef"))
	require.ErrorIs(t, err, ErrTooLarge)

	// The default depth stops a stack-exhausting input early.
	_, err = Unmarshal([]byte(strings.Repeat("l", 1<<20)))
	require.ErrorIs(t, err, ErrTooDeep)
}

func TestUnmarshalPrefix(t *testing.T) {
	v, n, err := Limits{}.UnmarshalPrefix([]byte("i5eXYZ"))
	require.NoError(t, err)
	require.Equal(t, int64(5), v)
	require.Equal(t, 3, n)
}

func TestDictGetters(t *testing.T) {
	v, err := Unmarshal([]byte("d1:ai1e1:b1:x1:cle1:ddee"))
	require.NoError(t, err)
	d, err := AsDict(v)
	require.NoError(t, err)
	i, err := d.Int("a")
	require.NoError(t, err)
	require.Equal(t, int64(1), i)
	s, err := d.String("b")
	require.NoError(t, err)
	require.Equal(t, "x", s)
	l, err := d.List("c")
	require.NoError(t, err)
	require.Empty(t, l)
	sub, err := d.Dict("d")
	require.NoError(t, err)
	require.Empty(t, sub)
	require.True(t, d.Has("a"))
	require.False(t, d.Has("z"))

	_, err = d.Int("b")
	require.ErrorIs(t, err, ErrWrongType)
	_, err = d.String("z")
	require.ErrorIs(t, err, ErrMissingKey)
	_, err = AsDict(int64(1))
	require.ErrorIs(t, err, ErrWrongType)
}

// FuzzDecode checks that the decoder never panics and that whatever it
// accepts re-encodes to exactly the input (it accepts only canonical
// bencoding).
func FuzzDecode(f *testing.F) {
	for _, s := range []string{"i42e", "4:spam", "l4:spami42ee", "d3:cow3:moo4:spam4:eggse", "d1:ad1:bl1:ceee", "i-0e", "03:abc"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := Limits{MaxDepth: 32}.Unmarshal(b)
		if err != nil {
			for _, s := range sentinels {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("error %v wraps no sentinel", err)
		}
		again, err := Marshal(v)
		if err != nil {
			t.Fatalf("re-encoding %q: %v", b, err)
		}
		if string(again) != string(b) {
			t.Fatalf("accepted non-canonical %q (re-encodes to %q)", b, again)
		}
	})
}
