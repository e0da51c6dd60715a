// Package transfer moves files between servents over HTTP, as Gnutella
// and KaZaA do once a search found them: GET /get/<index>/<name> or by
// content hash (GET /uri-res/N2R?urn:sha1:...), with byte ranges.
//
// The serving side runs on a node's loop: NewCodec decodes requests on a
// port shared with the protocol (route with transport.Sniff and IsHTTP),
// an Uploader caps simultaneous uploads, queues the other requests by
// incentive priority (peers who uploaded more to us first) and sends
// bodies in chunks that wait for backpressure; a Mux splits a host's
// connections between the protocol node and the Uploader.
//
// The fetching side, Downloader, gets a file from one source or from
// several in parallel (one byte range each, failed parts retried
// elsewhere) and checks it against its hash: the zero Downloader's
// Parallel(ctx, file, holders, 0) returns the file's bytes and the credit
// each holder earned; the servents of packages napster, gnutella and
// superpeer call it for their users.
package transfer
