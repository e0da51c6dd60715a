package swarm

import (
	"math"
	"time"
)

// ClientServerTime is the lower bound on the time a server needs to send a
// file of fileSize bytes to each of n clients (Kurose & Ross, ch. 2):
//
//	D_cs ≥ max{ N·F/u_s , F/d_min }
//
// serverUp is the server's upload rate u_s and minDown the slowest client's
// download rate d_min, both in bytes per second (any unit works if F uses
// the same one); minDown ≤ 0 means no download limit. The bound grows
// linearly in N: the server must upload N·F bytes on its own.
func ClientServerTime(fileSize, serverUp, minDown float64, n int) time.Duration {
	t := float64(n) * fileSize / serverUp
	if minDown > 0 {
		t = math.Max(t, fileSize/minDown)
	}
	return seconds(t)
}

// P2PTime is the lower bound on the time to get a file of fileSize bytes
// from one server to every peer when peers upload to each other:
//
//	D_p2p ≥ max{ F/u_s , F/d_min , N·F/(u_s + Σu_i) }
//
// peerUps holds each peer's upload rate u_i (N = len(peerUps)); rates are
// in bytes per second as in [ClientServerTime]. The server must send each
// byte at least once, the slowest peer must receive all F, and the N·F
// bytes delivered can flow no faster than the total upload capacity. The
// last term levels off as N grows because every new peer brings capacity.
func P2PTime(fileSize, serverUp, minDown float64, peerUps []float64) time.Duration {
	total := serverUp
	for _, u := range peerUps {
		total += u
	}
	t := math.Max(fileSize/serverUp, float64(len(peerUps))*fileSize/total)
	if minDown > 0 {
		t = math.Max(t, fileSize/minDown)
	}
	return seconds(t)
}

// UniformUploads returns n copies of u: the peer rates of the textbook's
// figure, where every peer uploads at the same rate.
func UniformUploads(n int, u float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = u
	}
	return out
}

func seconds(s float64) time.Duration {
	if s >= float64(math.MaxInt64)/float64(time.Second) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(s * float64(time.Second))
}
