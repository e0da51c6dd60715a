package wire

import (
	"fmt"

	"github.com/networkutopia/p2p/swarm/bencode"
)

// The metadata exchange (BEP 9), extension "ut_metadata".
const (
	// ExtMetadata is the extension's name in an extended handshake.
	ExtMetadata = "ut_metadata"
	// MetadataPieceSize is the size of every metadata piece but the last:
	// 16 KiB.
	MetadataPieceSize = 16 << 10
)

// MetadataType is the msg_type of a ut_metadata message.
type MetadataType int

// The three ut_metadata messages.
const (
	MetadataRequest MetadataType = 0
	MetadataData    MetadataType = 1
	MetadataReject  MetadataType = 2
)

// Metadata is one ut_metadata message: a request for, a piece of, or a
// refusal of piece Piece of the info dictionary.
type Metadata struct {
	Type  MetadataType
	Piece int
	// TotalSize is the length of the whole info dictionary, in a data
	// message only.
	TotalSize int64
	// Data is the piece's bytes, in a data message only; it points into
	// the payload it was parsed from.
	Data []byte
}

// AppendMetadata appends the payload of m (its bencoded dictionary, then
// Data for a data message) to dst.
func AppendMetadata(dst []byte, m Metadata) []byte {
	d := map[string]any{"msg_type": int64(m.Type), "piece": int64(m.Piece)}
	if m.Type == MetadataData {
		d["total_size"] = m.TotalSize
	}
	dst, err := bencode.Append(dst, d)
	if err != nil {
		panic(err) // only integers above
	}
	if m.Type == MetadataData {
		dst = append(dst, m.Data...)
	}
	return dst
}

// ParseMetadata decodes a ut_metadata payload. It checks the shape only:
// a msg_type of 0, 1 or 2, a piece index and total size that are not
// negative, no data after a request or reject, at most
// MetadataPieceSize bytes of data. Whether the piece and the size fit the
// torrent is the caller's to check.
func ParseMetadata(b []byte) (Metadata, error) {
	var m Metadata
	v, n, err := extLimits.UnmarshalPrefix(b)
	if err != nil {
		return m, fmt.Errorf("%w: ut_metadata: %w", ErrMalformed, err)
	}
	d, err := bencode.AsDict(v)
	if err != nil {
		return m, fmt.Errorf("%w: ut_metadata: %w", ErrMalformed, err)
	}
	t, err := d.Int("msg_type")
	if err != nil {
		return m, fmt.Errorf("%w: ut_metadata: %w", ErrMalformed, err)
	}
	piece, err := d.Int("piece")
	if err != nil {
		return m, fmt.Errorf("%w: ut_metadata: %w", ErrMalformed, err)
	}
	if t < 0 || t > 2 || piece < 0 || piece > 1<<31 {
		return m, fmt.Errorf("%w: ut_metadata: msg_type %d piece %d", ErrMalformed, t, piece)
	}
	m.Type, m.Piece = MetadataType(t), int(piece)
	rest := b[n:]
	if m.Type != MetadataData {
		if len(rest) != 0 {
			return Metadata{}, fmt.Errorf("%w: ut_metadata: %d bytes after a message without data", ErrMalformed, len(rest))
		}
		return m, nil
	}
	if m.TotalSize, err = d.Int("total_size"); err != nil {
		return Metadata{}, fmt.Errorf("%w: ut_metadata: %w", ErrMalformed, err)
	}
	if m.TotalSize < 0 || len(rest) > MetadataPieceSize {
		return Metadata{}, fmt.Errorf("%w: ut_metadata: total_size %d with %d bytes of data", ErrMalformed, m.TotalSize, len(rest))
	}
	m.Data = rest
	return m, nil
}

// MetadataPieces is the number of pieces of an info dictionary of size
// bytes.
func MetadataPieces(size int64) int {
	return int((size + MetadataPieceSize - 1) / MetadataPieceSize)
}
