"""Decompress event-log files the way Spark's codecs wrote them, as a stream.

Spark picks the codec by ``spark.eventLog.compression.codec`` and names the file
after it (``.zstd``, ``.lz4``, ``.snappy``, ``.lzf``).  What each one writes
(checked on logs written by the pinned pyspark and by 3.5):

* ``zstd`` -- standard zstd frames (zstd-jni); read with ``zstandard``.
* ``lz4`` -- lz4-java's ``LZ4BlockOutputStream``: blocks of ``LZ4Block`` + a
  token byte (0x10 stored, 0x20 LZ4) + compressed length + original length +
  checksum (little-endian int32s), then the block; an empty block ends a stream
  and another may follow.  Each block is decoded by ``lz4.block``.
* ``snappy`` -- snappy-java's ``SnappyOutputStream``: a 16-byte header
  (``\\x82SNAPPY\\0``, version, compatible version), then chunks of a big-endian
  int32 length and one raw snappy block; decoded by ``cramjam.snappy``.
* ``lzf`` -- ning compress-lzf chunks: ``ZV`` + type (0 stored, 1 LZF) + big-endian
  u16 lengths; each LZF chunk decoded by ``lzf`` (python-neo-lzf).

Only the framing is read here; every byte of compressed data goes through the
maintained package.  The codec comes from the magic bytes when they are known
(an upload may have lost its name), else from the file name.  A stream cut off
mid-block (a running application, a killed driver) ends at the last whole block
and sets ``truncated``.
"""
from __future__ import annotations

import gzip
import io
import struct
from typing import BinaryIO

CODECS = ("none", "zstd", "lz4", "snappy", "lzf", "gzip")
EXTENSIONS = {".zstd": "zstd", ".zst": "zstd", ".lz4": "lz4", ".snappy": "snappy", ".lzf": "lzf", ".gz": "gzip"}
MAGIC = ((b"\x28\xb5\x2f\xfd", "zstd"), (b"LZ4Block", "lz4"), (b"\x82SNAPPY\x00", "snappy"),
         (b"ZV\x00", "lzf"), (b"ZV\x01", "lzf"), (b"\x1f\x8b", "gzip"))
_SNAPPY_MAGIC = b"\x82SNAPPY\x00"
BUFFER = 1 << 20


def codec_from_name(name: str) -> str | None:
    base = name
    for suffix in (".inprogress", ".compact"):
        base = base[: -len(suffix)] if base.endswith(suffix) else base
    for ext, codec in EXTENSIONS.items():
        if base.endswith(ext):
            return codec
    return None


def sniff(head: bytes) -> str | None:
    for magic, codec in MAGIC:
        if head.startswith(magic):
            return codec
    return None


def detect(name: str, head: bytes) -> str:
    """The codec of a file from its first bytes, else its name; ``none`` for plain JSON lines."""
    return sniff(head) or codec_from_name(name) or "none"


class _Blocks(io.RawIOBase):
    """A raw stream over decoded blocks; subclasses yield one block per ``_next_block``."""

    def __init__(self, f: BinaryIO):
        self._f = f
        self._buf = memoryview(b"")
        self.truncated = False
        self._eof = False

    def readable(self) -> bool:
        return True

    def _read_exact(self, n: int) -> bytes | None:
        data = self._f.read(n)
        if len(data) < n:
            if data:
                self.truncated = True
            return None
        return data

    def _next_block(self) -> bytes | None:  # pragma: no cover - abstract
        raise NotImplementedError

    def readinto(self, b) -> int:
        while not self._buf and not self._eof:
            block = self._next_block()
            if block is None:
                self._eof = True
            else:
                self._buf = memoryview(block)
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n


class Lz4BlockReader(_Blocks):
    def _next_block(self) -> bytes | None:
        import lz4.block

        while True:
            head = self._read_exact(21)
            if head is None:
                return None
            if head[:8] != b"LZ4Block":
                self.truncated = True
                return None
            token = head[8]
            clen, ulen, _checksum = struct.unpack("<iii", head[9:21])
            if clen == 0 and ulen == 0:
                continue  # end of one stream; Spark may append another
            data = self._read_exact(clen)
            if data is None:
                return None
            if token & 0xF0 == 0x10:
                return data
            return lz4.block.decompress(data, uncompressed_size=ulen)


class SnappyJavaReader(_Blocks):
    def __init__(self, f: BinaryIO):
        super().__init__(f)
        self._header_done = False

    def _next_block(self) -> bytes | None:
        import cramjam

        while True:
            head = self._read_exact(4)
            if head is None:
                return None
            if head == _SNAPPY_MAGIC[:4]:  # a (possibly repeated) stream header
                if self._read_exact(12) is None:
                    return None
                continue
            (n,) = struct.unpack(">i", head)
            if n < 0:
                self.truncated = True
                return None
            data = self._read_exact(n)
            if data is None:
                return None
            if n:
                return bytes(cramjam.snappy.decompress_raw(data))


class LzfReader(_Blocks):
    def _next_block(self) -> bytes | None:
        import lzf

        head = self._read_exact(5)
        if head is None:
            return None
        if head[:2] != b"ZV":
            self.truncated = True
            return None
        if head[2] == 0:
            (n,) = struct.unpack(">H", head[3:5])
            return self._read_exact(n)
        (clen,) = struct.unpack(">H", head[3:5])
        more = self._read_exact(2)
        if more is None:
            return None
        (ulen,) = struct.unpack(">H", more)
        data = self._read_exact(clen)
        if data is None:
            return None
        out = lzf.decompress(data, ulen)
        if out is None:
            self.truncated = True
            return None
        return out


def _zstd(f: BinaryIO):
    import zstandard

    return zstandard.ZstdDecompressor().stream_reader(f, read_across_frames=True, closefd=False)


def decoded(f: BinaryIO, codec: str) -> BinaryIO:
    """A buffered binary stream of the decompressed bytes of ``f`` (read lines from it)."""
    if codec == "none":
        return f if isinstance(f, io.BufferedReader) else io.BufferedReader(_Passthrough(f), BUFFER)
    if codec == "zstd":
        return io.BufferedReader(_zstd(f), BUFFER)
    if codec == "gzip":
        return io.BufferedReader(gzip.GzipFile(fileobj=f), BUFFER)
    readers = {"lz4": Lz4BlockReader, "snappy": SnappyJavaReader, "lzf": LzfReader}
    if codec not in readers:
        raise ValueError(f"unknown codec {codec!r}")
    return io.BufferedReader(readers[codec](f), BUFFER)


class _Passthrough(io.RawIOBase):
    def __init__(self, f: BinaryIO):
        self._f = f

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self._f.read(len(b))
        b[: len(data)] = data
        return len(data)


def was_truncated(stream) -> bool:
    raw = getattr(stream, "raw", None)
    return bool(getattr(raw, "truncated", False))
