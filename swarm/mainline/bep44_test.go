package mainline

import (
	"context"
	"crypto/ed25519"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func testKey(seed byte) ed25519.PrivateKey {
	var s [32]byte
	s[0] = seed
	return ed25519.NewKeyFromSeed(s[:])
}

// TestItemsImmutableAndMutable: BEP 44 items put through one node are
// read through another; a mutable item's newest seq wins, and seq going
// backwards or a wrong cas is refused.
func TestItemsImmutableAndMutable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	nodes := newNodes(t, 8, loopback())
	for _, nd := range nodes[1:] {
		require.NoError(t, nd.Bootstrap(ctx, nodes[0].Addr()))
	}
	imm := Item{V: []byte("12:Hello World!")}
	n, err := nodes[1].PutItem(ctx, imm, nil)
	require.NoError(t, err)
	require.Positive(t, n)
	got, err := nodes[6].GetItem(ctx, imm.Target())
	require.NoError(t, err)
	require.Equal(t, imm.V, got.V)
	require.Equal(t, imm.Target(), got.Target())

	priv := testKey(1)
	pub := priv.Public().(ed25519.PublicKey)
	salt := []byte("foobar")
	_, err = nodes[2].PutItem(ctx, NewMutableItem(priv, salt, 1, []byte("i1e")), nil)
	require.NoError(t, err)
	one := int64(1)
	_, err = nodes[3].PutItem(ctx, NewMutableItem(priv, salt, 2, []byte("i2e")), &one)
	require.NoError(t, err)
	got, err = nodes[7].GetMutable(ctx, pub, salt)
	require.NoError(t, err)
	require.Equal(t, int64(2), got.Seq)
	require.Equal(t, []byte("i2e"), got.V)

	_, err = nodes[4].PutItem(ctx, NewMutableItem(priv, salt, 1, []byte("i9e")), nil)
	require.ErrorIs(t, err, ErrNoNodes, "seq going backwards is refused everywhere")
	// A stale cas is refused wherever seq 2 is stored: everywhere but at
	// nodes[3], which put it (a node never sends its own puts to itself).
	n, err = nodes[4].PutItem(ctx, NewMutableItem(priv, salt, 3, []byte("i3e")), &one)
	if err == nil {
		require.LessOrEqual(t, n, 1)
	}
	var seqRefused uint64
	for _, nd := range nodes {
		st, err := nd.Stats(ctx)
		require.NoError(t, err)
		seqRefused += st.SeqRefused
	}
	require.Positive(t, seqRefused)

	_, err = nodes[5].GetMutable(ctx, pub, []byte("other salt"))
	require.ErrorIs(t, err, ErrNotFound)
}

// TestBEP44Vectors checks the signature test vector of BEP 44.
func TestBEP44Vectors(t *testing.T) {
	// "test 2 (mutable with salt)": the signed buffer.
	require.Equal(t, "4:salt6:foobar3:seqi1e1:v12:Hello World!", string(signed([]byte("foobar"), 1, []byte("12:Hello World!"))))
	require.Equal(t, "3:seqi1e1:v12:Hello World!", string(signed(nil, 1, []byte("12:Hello World!"))))
	// The immutable target of "12:Hello World!".
	require.Equal(t, "e5f96f6f38320f0f33959cb4d3d656452117aadb", Item{V: []byte("12:Hello World!")}.Target().String())
}

// TestPutRefusals: a bad signature, an oversized value or salt, a token
// never issued, from a raw client.
func TestPutRefusals(t *testing.T) {
	nd := newNodes(t, 1, loopback())[0]
	c := newRawClient(t, nd)
	priv := testKey(2)
	it := NewMutableItem(priv, nil, 5, []byte("i5e"))
	c.send(query("get", map[string]any{"target": string(func() []byte { h := it.Target(); return h[:] }())}))
	r := c.recv(time.Second)
	require.NotNil(t, r)
	tok := r["r"].(map[string]any)["token"].(string)
	put := func(it Item, tok string, extra map[string]any) int {
		a := map[string]any{"token": tok, "v": int64(5), "k": string(it.K), "sig": string(it.Sig), "seq": it.Seq}
		if len(it.Salt) > 0 {
			a["salt"] = string(it.Salt)
		}
		for k, v := range extra {
			a[k] = v
		}
		c.send(query("put", a))
		return errorCode(c.recv(time.Second))
	}
	bad := it
	bad.Sig = append([]byte(nil), it.Sig...)
	bad.Sig[0] ^= 1
	require.Equal(t, errBadSig, put(bad, tok, nil))
	require.Equal(t, errProtocol, put(it, "forged", nil))
	require.Equal(t, 0, put(it, tok, nil))
	older := NewMutableItem(priv, nil, 4, []byte("i4e"))
	require.Equal(t, errSeqOlder, put(older, tok, map[string]any{"v": int64(4)}))
	newer := NewMutableItem(priv, nil, 6, []byte("i6e"))
	require.Equal(t, errCAS, put(newer, tok, map[string]any{"v": int64(6), "cas": int64(3)}))
	require.Equal(t, 0, put(newer, tok, map[string]any{"v": int64(6), "cas": int64(5)}))
	big := make([]byte, MaxItemValue+10)
	for i := range big {
		big[i] = byte('a' + rand.IntN(26))
	}
	c.send(query("put", map[string]any{"token": tok, "v": string(big)}))
	require.Equal(t, errTooBig, errorCode(c.recv(time.Second)))
	salty := NewMutableItem(priv, make([]byte, MaxItemSalt+1), 1, []byte("i1e"))
	require.Equal(t, errSaltBig, put(salty, tok, map[string]any{"v": int64(1)}))
	st, err := nd.Stats(context.Background())
	require.NoError(t, err)
	require.Equal(t, uint64(1), st.BadSignatures)
	require.Equal(t, uint64(2), st.SeqRefused)
	require.Equal(t, uint64(2), st.Puts)
	require.Equal(t, 1, st.Items)
}
