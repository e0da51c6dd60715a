package enctest

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/networkutopia/p2p/overlay/internal/enc"
	"github.com/networkutopia/p2p/transport"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// note is the one message of a test protocol: kind 1 and a text.
type note struct{ Text string }

func (n *note) Size() int { return 1 + enc.StringLen(n.Text) }

var notes = enc.Protocol{
	Name: "notes",
	Write: func(w *enc.Writer, m transport.Message) bool {
		n, ok := m.(*note)
		if ok {
			w.Byte(1)
			w.String(n.Text)
		}
		return ok
	},
	Read: func(r *enc.Reader) transport.Message {
		if r.Byte() != 1 {
			return nil
		}
		return &note{Text: r.String()}
	},
}

var (
	codec   = Codec{Marshal: notes.Marshal, Unmarshal: notes.Unmarshal}
	samples = []transport.Message{&note{Text: "hi"}, &note{}}
)

func TestGolden(t *testing.T) { Golden(t, codec, samples, "testdata/notes.golden") }

func FuzzNotes(f *testing.F) { Fuzz(f, codec, samples) }
