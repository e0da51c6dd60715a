// Package metainfo reads, writes and creates .torrent files (BEP 3): the
// tracker's URL, the file names and lengths, the piece length and the SHA-1
// hash of every piece, and the info-hash that names the torrent.
//
// Use it to describe content before seeding it, or to read a .torrent you
// were given. Both single-file and multi-file torrents are supported.
// Parse (through Info.Validate) refuses what could not be stored safely:
// path components that are empty, "." or "..", or hold a separator or
// NUL; two files on one path, or a file that is another's directory;
// lengths whose sum overflows; more than MaxFiles files or MaxPathDepth
// components. Its errors wrap ErrInvalid.
//
//	mi, err := metainfo.Create("testdata/content/album", metainfo.CreateConfig{
//		PieceLength: 32,
//		Announce:    "http://127.0.0.1:6969/announce",
//	})
//	if err != nil {
//		panic(err)
//	}
//
// (the package's Example; mi.Marshal gives the .torrent file's bytes, and
// mi.InfoHash names the torrent).
//
// A magnet link (BEP 9) names a torrent without its info dictionary:
// [ParseMagnet] reads one (hex or base32 info-hash, dn, tr, x.pe, ws;
// at most MaxMagnetLen bytes and MaxMagnetValues values), [Magnet].String
// writes one, and [ParseInfo] checks the info dictionary peers send for
// it.
package metainfo
