package io.healthwatch.storage.disk.impl;

import static org.assertj.core.api.Assertions.assertThat;

import io.healthwatch.storage.disk.FileOps;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FramesTest {
  @TempDir
  Path tmp;

  /** Length, then the first differing byte (-1: none); a failure does not print megabytes. */
  private static void assertSame(byte[] read, byte[] content) {
    assertThat(read.length).isEqualTo(content.length);
    assertThat(Arrays.mismatch(read, content)).isEqualTo(-1);
  }

  @Test
  @DisplayName("a file of several read slices is read whole, byte for byte")
  void readsAFileLargerThanOneSlice() throws IOException {
    byte[] content = new byte[2 * Frames.READ_SLICE + Frames.READ_SLICE / 2 + 7];
    new Random(5).nextBytes(content);
    Path file = Files.write(tmp.resolve("big"), content);
    try (FileOps.Handle h = NioFileOps.INSTANCE.openRead(file)) {
      assertSame(Frames.readAll(h), content);
    }
  }

  @Test
  @DisplayName("reads that return fewer bytes than asked for still give the whole file")
  void shortReads() throws IOException {
    byte[] content = new byte[Frames.READ_SLICE + 12_345];
    new Random(6).nextBytes(content);
    Path file = Files.write(tmp.resolve("short"), content);
    try (FileOps.Handle real = NioFileOps.INSTANCE.openRead(file)) {
      FileOps.Handle stingy = new FileOps.Handle() {
        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
          ByteBuffer part = dst.duplicate();
          part.limit(Math.min(dst.limit(), dst.position() + 4_099));
          int n = real.read(part, position);
          if (n > 0) {
            dst.position(dst.position() + n);
          }
          return n;
        }

        @Override
        public void write(ByteBuffer src, long position) {
          throw new UnsupportedOperationException();
        }

        @Override
        public long size() throws IOException {
          return real.size();
        }

        @Override
        public void truncate(long size) {
          throw new UnsupportedOperationException();
        }

        @Override
        public void force() {}

        @Override
        public void close() {}
      };
      assertSame(Frames.readAll(stingy), content);
    }
  }
}
