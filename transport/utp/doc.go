// Package utp is uTP, the Micro Transport Protocol of BitTorrent (BEP 29):
// reliable, ordered byte streams over UDP whose congestion control,
// LEDBAT (RFC 6817), yields to TCP and other traffic by keeping the
// queueing delay it adds near a 100 ms target. libtorrent (qBittorrent,
// Deluge) dials uTP first; a client that speaks it is reached at once.
//
// A [Socket] runs every connection over one net.PacketConn: it Dials,
// Accepts (it is a net.Listener), and hands each datagram that is not uTP
// to Config.Unhandled, so the mainline DHT and the UDP tracker client can
// share the port, as libtorrent does:
//
//	pc, _ := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
//	server, err := utp.NewSocket(pc, utp.Config{
//		// Datagrams that are not uTP: the DHT and UDP trackers share the port.
//		Unhandled: func(b []byte, from net.Addr) { dht <- string(b[:1]) },
//	})
//
// The demultiplexer looks at the first byte: uTP's is type<<4 | version 1
// with a type of 0 to 4, and a whole 20-byte header must follow. A
// bencoded DHT message starts with 'd' (0x64: version 4) and a BEP 15
// tracker reply with the zero high byte of its action (version 0), so
// neither is taken for uTP. Socket.WriteTo sends the other protocols'
// datagrams from the same port; a protocol that wants a net.PacketConn
// (ReadFrom the datagrams that are not uTP, WriteTo from the port) takes
// Socket.PacketConn instead of the hook.
//
// [Transport] is the transport.StreamTransport over /ip4|ip6/HOST/udp/PORT
// addresses (it passes transport/transporttest's stream suite), and [Dual]
// puts uTP and TCP on one port number the way BitTorrent clients do: its
// addresses are TCP ones, Dial tries uTP first and TCP after a head start
// (Order), Listen accepts both. swarm's client uses a Dual by default.
//
// # Protocol
//
//   - Header: version 1; ST_DATA, ST_FIN, ST_STATE, ST_RESET, ST_SYN; the
//     selective-ack extension (any length: libtorrent sends lengths BEP 29
//     does not allow) and unknown extensions skipped by their length.
//   - Connections: the initiator picks its receive id and sends with id+1;
//     its SYN has sequence number 1; the answer's ST_STATE carries the
//     responder's first sequence number, which ST_STATE never consumes.
//     Sequence and ack numbers compare within half the 16-bit space.
//   - Windows: each packet advertises the free receive buffer; in flight
//     stays under the least of that, the congestion window and MaxWindow.
//   - Timeouts: BEP 29's estimator (rtt += (sample-rtt)/8, rtt_var +=
//     (|rtt-sample|-rtt_var)/4, timeout = max(rtt+4·rtt_var, 500 ms)),
//     1 s before any sample, doubling on each expiry; a packet is resent
//     after three duplicate acks or when three packets after it are
//     selectively acked. MaxRetransmits sends of one packet end the
//     connection; so does IdleTimeout of silence, which KeepAlive's
//     ST_STATE every 29 s prevents.
//   - LEDBAT: the one-way delay of each acked packet (the peer's
//     timestamp difference) minus the base delay (the least of ten
//     one-minute minima) is the queueing delay; the window grows by up to
//     3 000 bytes per round trip when it is 0 and shrinks as it passes
//     the 100 ms target; a loss halves the window, a timeout resets it to
//     one packet. A slow start doubles the window until the first loss or
//     half the target.
//   - Packets: 1 400 bytes at first (PacketSize), under the 1 500-byte
//     MTU with room for tunnels; then path MTU probing as libtorrent does
//     it (mtu.go): full data packets of a larger size, first the ceiling
//     and then halving the gap, grow the packets of each connection up to
//     the least of the route's MTU as the kernel reports it (65 536 on
//     Linux's loopback), MaxPacketSize (64 000) and what the peer reads.
//     A lost probe lowers the ceiling, is not taken for congestion and is
//     sent again with fragmentation allowed. The peer's limit is this
//     package's own header extension 0x4d (two bytes, the largest datagram
//     the sender reads) in the SYN and its answer; other implementations
//     skip it, and a peer without it is held to the 1 500-byte MTU
//     (libtorrent reads datagrams into 1 500 bytes and would truncate
//     larger ones). On Linux a burst goes out in one sendmsg (UDP_SEGMENT)
//     and glued reads (UDP_GRO) are split again and acked once, so a
//     stream does not pay a system call per packet; the datagrams on the
//     wire are the same.
//   - Close sends ST_FIN after the written data; CloseWrite half-closes;
//     an ST_RESET from the peer ends the connection with ErrReset, and
//     packets for no known connection are answered with ST_RESET.
//
// # Limits
//
// Every limit is a Config field with a safe default and every refusal a
// Stats counter: connections per socket (MaxConns), half-open
// connections (accepted, nothing heard since the SYN) in all and per
// remote IP (MaxHalfOpen, MaxHalfOpenPerHost, so 10 000 SYNs from one
// address open 128 at most), the accept backlog, and per connection the
// read and write buffers (ReadBuffer, WriteBuffer: a connection holds at
// most both), out-of-order packets within the receive window and at most
// 2 048 ahead, and 4 096 packets in flight. Malformed packets (Stats.Malformed),
// packets outside a connection's window (Stats.Dropped) and strays are
// dropped without effect on other connections.
//
// # Simulator
//
// The protocol runs over any net.PacketConn, but it is written against
// goroutines and wall-clock timers, not the transport.Env node model, so it
// does not run inside transport/sim yet; the simulator carries datagrams
// (Env.Send of a Message to a packet address) and the sans-I/O core
// (Conn's handle, pump and timer methods) could be driven by Env.AfterFunc
// and Env.Send to get there.
package utp
