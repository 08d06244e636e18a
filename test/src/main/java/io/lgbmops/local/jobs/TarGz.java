package io.lgbmops.local.jobs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * The {@code model.tar.gz} SageMaker makes of {@code /opt/ml/model} after training, and its
 * extraction for serving: POSIX ustar, regular files and directories only.
 */
public final class TarGz {

    private static final int BLOCK = 512;

    private TarGz() {}

    /** Archives the content of {@code dir} (names relative to it) into {@code archive}. */
    static void pack(Path dir, Path archive) throws IOException {
        List<Path> entries;
        try (Stream<Path> walk = Files.walk(dir)) {
            entries = walk.filter(p -> !p.equals(dir)).sorted().toList();
        }
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(archive))) {
            for (Path entry : entries) {
                String name = dir.relativize(entry).toString().replace('\\', '/');
                boolean directory = Files.isDirectory(entry);
                long size = directory ? 0 : Files.size(entry);
                long mtime = Files.getLastModifiedTime(entry).toMillis() / 1000;
                out.write(header(directory ? name + "/" : name, size, mtime, directory));
                if (!directory) {
                    try (InputStream in = Files.newInputStream(entry)) {
                        in.transferTo(out);
                    }
                    int pad = (int) ((BLOCK - size % BLOCK) % BLOCK);
                    out.write(new byte[pad]);
                }
            }
            out.write(new byte[2 * BLOCK]);
        }
    }

    /** Extracts {@code archive} into {@code dir}; returns the files written. */
    public static List<Path> extract(Path archive, Path dir) throws IOException {
        List<Path> written = new ArrayList<>();
        Files.createDirectories(dir);
        try (InputStream in = new GZIPInputStream(Files.newInputStream(archive))) {
            String longName = null;
            byte[] header = new byte[BLOCK];
            while (readFully(in, header)) {
                if (isZero(header)) {
                    break;
                }
                String name = longName != null ? longName : name(header);
                longName = null;
                long size = octal(header, 124, 12);
                char type = (char) header[156];
                byte[] body = null;
                if (type == 'x' || type == 'L') {
                    body = readBody(in, size);
                    longName = type == 'L' ? cString(body) : paxPath(body);
                    continue;
                }
                Path target = dir.resolve(name).normalize();
                if (!target.startsWith(dir.normalize())) {
                    throw new IOException("archive entry escapes the target directory: " + name);
                }
                if (type == '5') {
                    Files.createDirectories(target);
                } else if (type == '0' || type == '\0') {
                    Files.createDirectories(target.getParent());
                    Files.write(target, readBody(in, size));
                    written.add(target);
                } else {
                    readBody(in, size);
                }
            }
        }
        return written;
    }

    private static byte[] header(String name, long size, long mtime, boolean directory) {
        byte[] h = new byte[BLOCK];
        String prefix = "";
        String base = name;
        if (utf8(name).length > 100) {
            int cut = name.lastIndexOf('/', Math.min(name.length() - 2, 155));
            if (cut <= 0 || utf8(name.substring(cut + 1)).length > 100) {
                throw new IllegalArgumentException("path too long for ustar: " + name);
            }
            prefix = name.substring(0, cut);
            base = name.substring(cut + 1);
        }
        put(h, 0, 100, utf8(base));
        put(h, 100, 8, octalField(directory ? 0755 : 0644, 8));
        put(h, 108, 8, octalField(0, 8));
        put(h, 116, 8, octalField(0, 8));
        put(h, 124, 12, octalField(size, 12));
        put(h, 136, 12, octalField(mtime, 12));
        h[156] = (byte) (directory ? '5' : '0');
        put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
        put(h, 345, 155, utf8(prefix));
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        byte[] checksum = String.format("%06o", sum).getBytes(StandardCharsets.US_ASCII);
        put(h, 148, 6, checksum);
        h[154] = 0;
        h[155] = ' ';
        return h;
    }

    private static byte[] octalField(long value, int width) {
        String digits = Long.toOctalString(value);
        String padded = "0".repeat(Math.max(0, width - 1 - digits.length())) + digits;
        return padded.getBytes(StandardCharsets.US_ASCII);
    }

    private static void put(byte[] target, int offset, int length, byte[] value) {
        if (value.length > length) {
            throw new IllegalArgumentException("tar header field overflow");
        }
        System.arraycopy(value, 0, target, offset, value.length);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String name(byte[] header) {
        String base = cString(java.util.Arrays.copyOfRange(header, 0, 100));
        String magic = new String(header, 257, 5, StandardCharsets.US_ASCII);
        if (magic.equals("ustar")) {
            String prefix = cString(java.util.Arrays.copyOfRange(header, 345, 500));
            if (!prefix.isEmpty()) {
                return prefix + "/" + base;
            }
        }
        return base;
    }

    private static String cString(byte[] bytes) {
        int end = 0;
        while (end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    private static String paxPath(byte[] body) {
        for (String record : new String(body, StandardCharsets.UTF_8).split("\n")) {
            int space = record.indexOf(' ');
            if (space > 0 && record.startsWith("path=", space + 1)) {
                return record.substring(space + 1 + "path=".length());
            }
        }
        return null;
    }

    private static long octal(byte[] header, int offset, int length) {
        long value = 0;
        for (int i = offset; i < offset + length; i++) {
            byte b = header[i];
            if (b == 0 || b == ' ') {
                if (value != 0) {
                    break;
                }
                continue;
            }
            value = value * 8 + (b - '0');
        }
        return value;
    }

    private static byte[] readBody(InputStream in, long size) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream((int) size);
        byte[] buffer = new byte[BLOCK];
        long remaining = size + (BLOCK - size % BLOCK) % BLOCK;
        long wanted = size;
        while (remaining > 0) {
            if (!readFully(in, buffer)) {
                throw new IOException("truncated tar archive");
            }
            int take = (int) Math.min(wanted, BLOCK);
            body.write(buffer, 0, take);
            wanted -= take;
            remaining -= BLOCK;
        }
        return body.toByteArray();
    }

    private static boolean readFully(InputStream in, byte[] buffer) throws IOException {
        int read = in.readNBytes(buffer, 0, buffer.length);
        if (read == 0) {
            return false;
        }
        if (read < buffer.length) {
            throw new IOException("truncated tar archive");
        }
        return true;
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
