// Package bencode encodes and decodes bencoding, the serialisation
// BitTorrent uses for .torrent files and tracker responses (BEP 3).
//
// Use it when you read or write metainfo or tracker messages yourself;
// package metainfo and package tracker use it for you.
//
// Four kinds of value exist: integers, byte strings, lists and
// dictionaries. In Go they are int64, string, []any and map[string]any.
// The decoder is strict: it accepts only the canonical encoding (dictionary
// keys in ascending byte order without duplicates, no leading zeros, no
// negative zero), so decoding and re-encoding gives back the same bytes,
// which is what makes an info-hash well defined. Depth and input length are
// bounded by [Limits].
//
//	b, _ := bencode.Marshal(map[string]any{
//		"spam":   []any{"a", 1},
//		"answer": 42,
//	})
//	fmt.Println(string(b))
//	v, _ := bencode.Unmarshal(b)
//
// prints d6:answeri42e4:spaml1:ai1eee (the package's Example).
package bencode
