package utp

import (
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/networkutopia/p2p/transport"
)

// TestResetEndsConnection: an ST_RESET from the peer (sent on the
// responder's receive id) ends the connection with ErrReset.
func TestResetEndsConnection(t *testing.T) {
	s := newTestSocket(t, Config{})
	r := newRawPeer(t, "127.0.0.1", s.Addr())
	st, c := r.connect(s, 400, 1<<20)
	r.send(header{typ: stReset, connID: 401, seq: 2, ack: st.seq - 1}, nil)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err := c.Read(make([]byte, 1))
	require.ErrorIs(t, err, ErrReset)
	require.Equal(t, uint64(1), s.Stats().Resets)
	require.Equal(t, 0, s.Stats().Open)
}

// TestFinIsEOF: the peer's FIN, even ahead of data still missing, makes
// Read return the data and then io.EOF; the FIN is acked.
func TestFinIsEOF(t *testing.T) {
	s := newTestSocket(t, Config{})
	r := newRawPeer(t, "127.0.0.1", s.Addr())
	st, c := r.connect(s, 500, 1<<20)
	r.send(header{typ: stFin, connID: 501, seq: 3, ack: st.seq - 1, wnd: 1 << 20}, nil)
	r.send(header{typ: stData, connID: 501, seq: 2, ack: st.seq - 1, wnd: 1 << 20}, []byte("last"))
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	got, err := io.ReadAll(c)
	require.NoError(t, err)
	require.Equal(t, "last", string(got))
	for {
		h, _ := r.recv()
		if h.ack == 3 {
			break // the FIN's ack
		}
	}
}

// TestKeepAliveAndIdleTimeout: a quiet connection sends ST_STATE every
// KeepAlive; one that hears nothing for IdleTimeout ends with
// ErrTimedOut (wrapping transport.ErrTimeout) and tells the peer with
// ST_RESET.
func TestKeepAliveAndIdleTimeout(t *testing.T) {
	s := newTestSocket(t, Config{KeepAlive: 40 * time.Millisecond, IdleTimeout: 400 * time.Millisecond})
	r := newRawPeer(t, "127.0.0.1", s.Addr())
	_, c := r.connect(s, 600, 1<<20)
	h, _ := r.recv()
	require.Equal(t, uint8(stState), h.typ, "a keepalive")
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, err := c.Read(make([]byte, 1))
	require.ErrorIs(t, err, ErrTimedOut)
	require.True(t, errors.Is(err, transport.ErrTimeout))
	for {
		h, _ := r.recv()
		if h.typ == stReset {
			break
		}
	}
}
